package e2e

import (
	"bufio"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"c3cred/standin"
)

// TestExecEnvironment runs a child that checks what exec promises: the token and URL in its
// environment, replacing stale values, and the token in no process's arguments.
func TestExecEnvironment(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("reads /proc to see the processes' arguments")
	}
	w := newWorld(t, standin.Options{}, "")
	out := filepath.Join(w.root, "child")
	w.env["C3_AUTH_TOKEN"] = "stale-token"
	w.env["WANT_URL"] = w.srv.URL
	w.env["OUT"] = out
	const check = `[ "$C3_URL" = "$WANT_URL" ] || exit 90
printf '%s' "$C3_AUTH_TOKEN" > "$OUT.token"
tr '\0' ' ' < /proc/$$/cmdline > "$OUT.argv"
tr '\0' ' ' < /proc/$PPID/cmdline >> "$OUT.argv"
exit 7`

	r := w.run("exec", "--profile", profileName, "--", "/bin/sh", "-c", check)
	if r.code != 7 || r.stdout != "" {
		t.Fatalf("want the child's exit status 7 and nothing on stdout:\n%v", r)
	}
	if r.stderr != "" {
		t.Errorf("want c3cred silent about the child's status, as a shell is:\n%v", r)
	}
	token := readFile(t, out+".token")
	if !w.srv.Valid(token) {
		t.Fatalf("the child's C3_AUTH_TOKEN is not a valid token")
	}
	argv := readFile(t, out+".argv")
	if strings.Contains(argv, token) || !strings.Contains(argv, "exec --profile") {
		t.Errorf("want c3cred's and the child's arguments without the token: %q", argv)
	}
}

func TestExecStreamsAndStatus(t *testing.T) {
	tests := []struct {
		name       string
		stdin      string
		args       []string
		code       int
		wantStdout string
		wantStderr string
		requests   int
	}{
		{"stdin to stdout", "hello\n", []string{"/bin/sh", "-c", "cat; echo to-stderr >&2"}, 0,
			"hello\n", "to-stderr\n", 1},
		{"flags stay the command's", "",
			[]string{"/bin/sh", "-c", "echo $0 $1", "--profile", "-v"}, 0, "--profile -v\n", "", 1},
		{"status 42", "", []string{"/bin/sh", "-c", "exit 42"}, 42, "", "", 1},
		{"command not found", "", []string{"c3cred-no-such-command"}, 127, "",
			"c3cred: exec: c3cred-no-such-command: command not found\n", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t, standin.Options{}, "")
			r := w.runIn(tt.stdin, append([]string{"exec", "--"}, tt.args...)...)
			if r.code != tt.code || r.stdout != tt.wantStdout || r.stderr != tt.wantStderr {
				t.Errorf("want exit %d, stdout %q, stderr %q:\n%v", tt.code, tt.wantStdout,
					tt.wantStderr, r)
			}
			if got := w.requests(); got != tt.requests {
				t.Errorf("%d token requests, want %d", got, tt.requests)
			}
		})
	}
}

// TestExecWithoutAToken: when no token can be had, the command does not run.
func TestExecWithoutAToken(t *testing.T) {
	w := newWorld(t, standin.Options{}, "")
	w.env["C3_TEST_SECRET"] = "wrong"
	marker := filepath.Join(w.root, "ran")
	mustFail(t, w.run("exec", "--", "/bin/sh", "-c", "touch "+marker), 1, "invalid_client")
	if _, err := os.Stat(marker); !os.IsNotExist(err) {
		t.Errorf("the command ran without a token: %v", err)
	}
	mustFail(t, w.run("exec"), 2, "exec needs a command")
}

// TestExecForwardsSignals signals c3cred while its child runs: the child receives the signal,
// and c3cred exits as the child does.
func TestExecForwardsSignals(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("POSIX signals")
	}
	tests := []struct {
		name   string
		signal syscall.Signal
		script string
		code   int
		output string
	}{
		{"SIGTERM, trapped", syscall.SIGTERM,
			`trap 'echo got TERM; exit 42' TERM; echo ready; while :; do sleep 0.05; done`,
			42, "got TERM"},
		{"SIGINT, trapped", syscall.SIGINT,
			`trap 'echo got INT; exit 43' INT; echo ready; while :; do sleep 0.05; done`,
			43, "got INT"},
		{"SIGTERM, not trapped", syscall.SIGTERM, `echo ready; exec sleep 30`, 128 + 15, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t, standin.Options{}, "")
			args := []string{"exec", "--", "/bin/sh", "-c", tt.script}
			cmd := w.command(args...)
			stdout, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			var stderr strings.Builder
			cmd.Stderr = &stderr
			start := time.Now()
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			lines := bufio.NewScanner(stdout)
			if !lines.Scan() || lines.Text() != "ready" {
				cmd.Process.Kill()
				cmd.Wait()
				t.Fatalf("the child never said ready: %q", stderr.String())
			}
			cmd.Process.Signal(tt.signal)
			var rest strings.Builder
			for lines.Scan() {
				rest.WriteString(lines.Text())
			}
			cmd.Wait()
			r := &result{args: args, stdout: rest.String(), stderr: stderr.String(),
				code: cmd.ProcessState.ExitCode(), elapsed: time.Since(start)}
			w.record(r)
			if r.code != tt.code || r.stdout != tt.output {
				t.Errorf("want exit %d and %q from the child:\n%v", tt.code, tt.output, r)
			}
			if r.elapsed > 10*time.Second {
				t.Errorf("took %v to end after the signal", r.elapsed)
			}
		})
	}
}
