package cli

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"os/signal"
	"slices"
	"strings"
	"syscall"

	"c3cred/helper"
)

var execCommand = &command{
	name:    "exec",
	summary: "run a command with C3_AUTH_TOKEN and C3_URL set; exit with its status",
	usage:   "exec [--profile P] [--] CMD [ARG...]",
	details: `  CMD runs with C3_AUTH_TOKEN (the token) and C3_URL (the profile's url) in its
  environment; flags after CMD are its own. c3cred exits with CMD's status.

`,
	run: runExec,
}

// Exit statuses for a command that could not be started, as shells use them.
const (
	exitCannotRun = 126 // found but not executable
	exitNotFound  = 127
)

// forwarded are the signals exec passes on to its command. A Ctrl-C at a terminal reaches the
// command from the terminal too, so it may see SIGINT twice; most programs treat that as one.
var forwarded = []os.Signal{os.Interrupt, syscall.SIGTERM, syscall.SIGHUP}

// runExec gets a token, then runs the command with it in its environment (never in its
// arguments, which other users can list), its standard streams joined to c3cred's, and the
// signals c3cred receives passed on. It exits with the command's status; a command killed by a
// signal gives 128 plus the signal's number, as shells report it.
func runExec(r *runner, args []string) error {
	flags := r.flags()
	if err := r.parseLeading(flags, args); err != nil {
		return err
	}
	argv := flags.Args()
	if len(argv) == 0 {
		return usageError("exec needs a command to run")
	}
	p, err := r.selectProfile()
	if err != nil {
		return err
	}
	tok, err := r.helper().Token(r.ctx, p, helper.Options{})
	if err != nil {
		return err
	}

	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = childEnv(os.Environ(), tok.AccessToken, p.URL, secretVars(p)...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = r.env.Stdin, r.env.Stdout, r.env.Stderr
	r.log.Debugf("exec: running %s with token %s", argv[0], helper.Fingerprint(tok.AccessToken))
	return commandStatus(argv[0], runForwarding(cmd))
}

// childEnv is env with C3_AUTH_TOKEN and C3_URL set to token and url, replacing any already
// there, and without the variables named in drop. The command inherits c3cred's own environment,
// not Env.Getenv's view of it: exec is only ever run as a process of its own.
func childEnv(env []string, token, url string, drop ...string) []string {
	drop = append(drop, "C3_AUTH_TOKEN", "C3_URL")
	out := make([]string, 0, len(env)+2)
	for _, kv := range env {
		name, _, _ := strings.Cut(kv, "=")
		if !slices.Contains(drop, name) {
			out = append(out, kv)
		}
	}
	return append(out, "C3_AUTH_TOKEN="+token, "C3_URL="+url)
}

// secretVars names the variables that may hold the profile's client secret: the command gets a
// token, and has no business with what makes tokens.
func secretVars(p *helper.Profile) []string {
	vars := []string{"C3CRED_CLIENT_SECRET"}
	if p.ClientSecretEnv != "" {
		vars = append(vars, p.ClientSecretEnv)
	}
	return vars
}

// runForwarding starts cmd and waits for it, passing on the signals in forwarded meanwhile.
func runForwarding(cmd *exec.Cmd) error {
	signals := make(chan os.Signal, 4)
	signal.Notify(signals, forwarded...)
	defer signal.Stop(signals)
	if err := cmd.Start(); err != nil {
		return err
	}

	done := make(chan struct{})
	defer close(done)
	go func() {
		for {
			select {
			case s := <-signals:
				cmd.Process.Signal(s)
			case <-done:
				return
			}
		}
	}()
	return cmd.Wait()
}

// commandStatus turns the outcome of running name into the error exec returns: nil for a zero
// status, else one that carries the status to exit with.
func commandStatus(name string, err error) error {
	var exitErr *exec.ExitError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &exitErr):
		return childExit(exitErr)
	case errors.Is(err, exec.ErrNotFound):
		return &exitStatus{exitNotFound, fmt.Errorf("exec: %s: command not found", name)}
	case errors.Is(err, fs.ErrNotExist):
		return &exitStatus{exitNotFound, fmt.Errorf("exec: %s: no such file", name)}
	case errors.Is(err, fs.ErrPermission):
		return &exitStatus{exitCannotRun, fmt.Errorf("exec: %s: permission denied", name)}
	}
	return fmt.Errorf("exec: could not run %s: %w", name, err)
}

// childExit passes on how the command ended, silently, as a shell would: its exit status, or 128
// plus the number of the signal that killed it.
func childExit(exitErr *exec.ExitError) error {
	if ws, ok := exitErr.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return &exitStatus{code: 128 + int(ws.Signal())}
	}
	return &exitStatus{code: exitErr.ExitCode()}
}
