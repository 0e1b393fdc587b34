// Package cli is c3cred's command line: it parses arguments, runs a command and maps the outcome to
// an exit status. Every line it writes to stderr starts with "c3cred: "; stdout carries only what
// the command produces, which for most commands is the credential.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"

	"c3cred/helper"
)

// Exit statuses.
const (
	exitOK      = 0
	exitFailure = 1
	exitUsage   = 2
)

// Version is c3cred's version; install.sh sets it at link time.
var Version = "dev"

// Env is the world a command runs in: its streams and environment.
type Env struct {
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	// Getenv reads the environment.
	Getenv func(string) string
}

// command is one subcommand.
type command struct {
	name    string
	summary string
	usage   string // the synopsis after "c3cred "
	details string // what the command's own flags and arguments mean, for its --help
	run     func(r *runner, args []string) error
}

// commands lists every subcommand, in the order help shows them.
var commands []*command

func init() {
	commands = []*command{
		tokenCommand,
		kubectlCommand,
		gitCommand,
		execCommand,
		whoamiCommand,
		inspectCommand,
		secretCommand,
		logoutCommand,
		statusCommand,
		versionCommand,
		helpCommand,
	}
}

func lookup(name string) *command {
	for _, c := range commands {
		if c.name == name {
			return c
		}
	}
	return nil
}

// Run runs c3cred with args (args[0] is the program name) and returns the exit status.
func Run(args []string, env Env) int {
	r := &runner{env: env, ctx: context.Background(), log: &helper.Log{W: env.Stderr}}
	return r.exit(r.dispatch(args))
}

// interruptible derives from ctx a context that ends on SIGINT or SIGTERM, so that a refresh or
// a request stops cleanly, saying so, instead of dying mid-write. Only work that waits on the
// network or a lock asks for it: watching for signals starts two threads, which cost a cached
// call 0.4 ms, some 15% of its time (measured with go run ./bench).
func interruptible(ctx context.Context) (context.Context, context.CancelFunc) {
	return signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
}

// runner carries one invocation's state from dispatch to the command.
type runner struct {
	env Env
	ctx context.Context
	log *helper.Log
	cmd *command

	// Flags every command takes.
	configPath string
	profile    string
	verbose    bool
}

// dispatch picks the command from the program name or the first argument, and runs it.
func (r *runner) dispatch(args []string) error {
	if filepath.Base(strings.TrimSuffix(args[0], ".exe")) == "git-credential-c3" {
		return r.runCommand(lookup("git-credential"), args[1:])
	}
	rest := args[1:]
	if len(rest) > 0 && (rest[0] == "-version" || rest[0] == "--version") {
		return r.runCommand(lookup("version"), nil)
	}
	// The flags every command takes may also come before it: c3cred --profile prod token.
	fs := r.commonFlags("c3cred")
	switch err := fs.Parse(rest); {
	case errors.Is(err, flag.ErrHelp):
		return r.runCommand(lookup("help"), nil)
	case err != nil:
		return usageError(err.Error())
	}
	if rest = fs.Args(); len(rest) == 0 {
		return usageError("no command given")
	}
	c := lookup(rest[0])
	if c == nil {
		return usageError(fmt.Sprintf("unknown command %q", rest[0]))
	}
	return r.runCommand(c, rest[1:])
}

func (r *runner) runCommand(c *command, args []string) error {
	r.cmd = c
	return c.run(r, args)
}

// flags returns a flag set for the current command with the flags every command takes.
func (r *runner) flags() *flag.FlagSet { return r.commonFlags(r.cmd.name) }

// commonFlags returns a flag set holding the flags every command takes. Their defaults are the
// values already set, so that flags given before the command are kept.
func (r *runner) commonFlags(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&r.configPath, "config", r.configPath, "")
	fs.StringVar(&r.profile, "profile", r.profile, "")
	fs.BoolVar(&r.verbose, "verbose", r.verbose, "")
	fs.BoolVar(&r.verbose, "v", r.verbose, "")
	return fs
}

// parse parses args with fs, allowing flags after positional arguments ("get --profile p"), and
// returns the positional arguments. Everything after "--" is positional.
func (r *runner) parse(fs *flag.FlagSet, args []string) ([]string, error) {
	var tail []string
	if i := slices.Index(args, "--"); i >= 0 {
		args, tail = args[:i], args[i+1:]
	}
	var positional []string
	for {
		if err := r.parseLeading(fs, args); err != nil {
			return nil, err
		}
		if args = fs.Args(); len(args) == 0 {
			return append(positional, tail...), nil
		}
		positional, args = append(positional, args[0]), args[1:]
	}
}

// parseLeading parses the flags before the first positional argument or "--", and leaves the
// rest in fs.Args(): a command line to run keeps its own flags.
func (r *runner) parseLeading(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return errHelp
		}
		return usageError(err.Error())
	}
	r.log.Verbose = r.verbose || r.env.Getenv("C3CRED_DEBUG") == "1"
	return nil
}

// errHelp asks for the current command's help on stdout.
var errHelp = errors.New("help requested")

// usageErr is a mistake in the command line.
type usageErr struct{ msg string }

func (e *usageErr) Error() string { return e.msg }

func usageError(msg string) error { return &usageErr{msg: msg} }

// exit prints err the way the contract says and returns the status for it.
func (r *runner) exit(err error) int {
	var uerr *usageErr
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, errHelp):
		fmt.Fprint(r.env.Stdout, r.help())
		return exitOK
	case errors.As(err, &uerr):
		fmt.Fprintf(r.env.Stderr, "c3cred: %s\n", uerr.msg)
		fmt.Fprintf(r.env.Stderr, "usage: %s\n", r.synopsis())
		return exitUsage
	}
	var exit *exitStatus
	if errors.As(err, &exit) && exit.err == nil {
		return exit.code
	}
	fmt.Fprintf(r.env.Stderr, "c3cred: %s\n", err)
	if hint := helper.HintOf(err); hint != "" {
		fmt.Fprintf(r.env.Stderr, "c3cred: hint: %s\n", hint)
	}
	if exit != nil {
		return exit.code
	}
	return exitFailure
}

// exitStatus is an error that carries the status to exit with. exec passes on its command's
// status with no err: the command has said what went wrong, and c3cred adds nothing.
type exitStatus struct {
	code int
	err  error
}

func (e *exitStatus) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit status %d", e.code)
	}
	return e.err.Error()
}

func (e *exitStatus) Unwrap() error { return e.err }

func (r *runner) synopsis() string {
	if r.cmd == nil {
		return "c3cred <command> [flags]; c3cred help lists the commands"
	}
	return "c3cred " + r.cmd.usage
}

// help is the current command's help text, or the list of commands.
func (r *runner) help() string {
	if r.cmd != nil && r.cmd.name != "help" {
		return fmt.Sprintf("usage: c3cred %s\n\n%s\n\n%s%s", r.cmd.usage, r.cmd.summary,
			r.cmd.details, commonFlags)
	}
	var b strings.Builder
	b.WriteString("c3cred hands out OAuth access tokens for apps on the C3 AI Platform.\n\n")
	b.WriteString("usage: c3cred <command> [flags]\n\ncommands:\n")
	for _, c := range commands {
		fmt.Fprintf(&b, "  %-15s %s\n", c.name, c.summary)
	}
	b.WriteString("\n" + commonFlags)
	b.WriteString("\nRun c3cred <command> --help for a command's flags.\n")
	return b.String()
}

const commonFlags = `flags every command takes:
  --profile P     the profile to use (else C3CRED_PROFILE, default_profile, the only one)
  --config FILE   the config file (else C3CRED_CONFIG, then $XDG_CONFIG_HOME/c3cred/config.toml)
  --verbose, -v   log each step on stderr (also C3CRED_DEBUG=1); never logs a secret or token
`
