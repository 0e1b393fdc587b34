// Command c3-standin runs a local stand-in for the C3 AI Platform (package c3cred/standin),
// for demos and scripts. It prints the settings a client needs on stdout, one NAME=value line
// each, quoted for a POSIX shell's eval where needed:
//
//	C3CRED_URL=http://127.0.0.1:PORT/prod/myapp
//	C3CRED_CLIENT_ID=...
//	C3CRED_CLIENT_SECRET=...
//	C3_STANDIN_CA_FILE=/tmp/c3-standin-ca-....pem   (with -tls only)
//
// and then serves until SIGINT or SIGTERM, or, with -stdin-eof, until its stdin ends, so that
// it stops when the script that started it dies. Nothing else goes to stdout. Logs go to
// stderr and never hold a token or the secret.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"regexp"
	"strings"
	"sync"
	"syscall"

	"c3cred/standin"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// config is what the command line asks for.
type config struct {
	opts     standin.Options
	stdinEOF bool
	verbose  bool
}

// run is the whole command: it serves until ctx ends (or stdin does, with -stdin-eof) and
// returns the exit status: 0 when stopped, 1 when the server cannot start, 2 on a usage error.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	stderr = &lockedWriter{w: stderr}
	cfg, err := parseArgs(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		return 2
	}

	srv, caFile, err := start(cfg, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "c3-standin: %v\n", err)
		return 1
	}
	defer removeCA(caFile)
	defer srv.Close()

	if err := printSettings(stdout, srv, caFile); err != nil {
		fmt.Fprintf(stderr, "c3-standin: write settings: %v\n", err)
		return 1
	}

	waitForEnd(ctx, stdin, cfg.stdinEOF)
	srv.Close()
	fmt.Fprintf(stderr, "c3-standin: stopped; requests: %d to the token endpoint, %d to myUser\n",
		srv.TokenRequests(), srv.UserRequests())
	return 0
}

// parseArgs reads the flags; usage errors are reported on stderr.
func parseArgs(args []string, stderr io.Writer) (config, error) {
	var cfg config
	fs := flag.NewFlagSet("c3-standin", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { usage(fs) }
	fs.DurationVar(&cfg.opts.Lifetime, "lifetime", standin.DefaultLifetime, "token `lifetime`")
	fs.BoolVar(&cfg.opts.TLS, "tls", false, "serve HTTPS with a self-signed certificate")
	fs.StringVar(&cfg.opts.ClientID, "client-id", "", "client `id` to accept (default random)")
	fs.StringVar(&cfg.opts.ClientSecret, "client-secret", "",
		"client `secret` to accept (default random; on the command line, other local users "+
			"can read it)")
	fs.StringVar(&cfg.opts.BasePath, "base-path", standin.DefaultBasePath,
		"the app's `path`, /env/app; / for none")
	fs.BoolVar(&cfg.stdinEOF, "stdin-eof", false, "stop when stdin reaches end of file")
	fs.BoolVar(&cfg.verbose, "v", false, "log each request on stderr")

	err := fs.Parse(args)
	if err != nil {
		return cfg, err
	}
	switch {
	case fs.NArg() > 0:
		err = fmt.Errorf("unexpected argument %q", fs.Arg(0))
	case cfg.opts.Lifetime <= 0:
		err = fmt.Errorf("-lifetime %s is not positive", cfg.opts.Lifetime)
	}
	if err != nil {
		fmt.Fprintf(stderr, "c3-standin: %v\n", err)
	}
	return cfg, err
}

// usage prints the command's help on the flag set's output.
func usage(fs *flag.FlagSet) {
	fmt.Fprintf(fs.Output(), "usage: c3-standin [flags]\n\n"+
		"Serves a local stand-in for the C3 AI Platform and prints C3CRED_URL,\n"+
		"C3CRED_CLIENT_ID and C3CRED_CLIENT_SECRET on stdout, for a shell's eval.\n\n")
	fs.PrintDefaults()
}

// start starts the server, logging to stderr when verbose, and with TLS writes its
// certificate to a temporary file, whose name it returns.
func start(cfg config, stderr io.Writer) (*standin.Server, string, error) {
	if cfg.verbose {
		cfg.opts.Logf = func(format string, args ...any) {
			fmt.Fprintf(stderr, "c3-standin: "+format+"\n", args...)
		}
	}
	srv, err := standin.Start(cfg.opts)
	if err != nil || !cfg.opts.TLS {
		return srv, "", err
	}

	caFile, err := writeCA(srv.CertPEM)
	if err != nil {
		srv.Close()
		return nil, "", err
	}
	return srv, caFile, nil
}

// writeCA writes the certificate to a new temporary file.
func writeCA(pem []byte) (string, error) {
	f, err := os.CreateTemp("", "c3-standin-ca-*.pem")
	if err != nil {
		return "", fmt.Errorf("create a file for the certificate: %w", err)
	}
	_, err = f.Write(pem)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(f.Name())
		return "", fmt.Errorf("write certificate to %s: %w", f.Name(), err)
	}
	return f.Name(), nil
}

// removeCA removes the certificate file, if there is one.
func removeCA(caFile string) {
	if caFile != "" {
		os.Remove(caFile)
	}
}

// printSettings writes the NAME=value lines a client needs.
func printSettings(w io.Writer, srv *standin.Server, caFile string) error {
	lines := []string{
		"C3CRED_URL=" + shellQuote(srv.URL),
		"C3CRED_CLIENT_ID=" + shellQuote(srv.ClientID),
		"C3CRED_CLIENT_SECRET=" + shellQuote(srv.ClientSecret),
	}
	if caFile != "" {
		lines = append(lines, "C3_STANDIN_CA_FILE="+shellQuote(caFile))
	}
	_, err := io.WriteString(w, strings.Join(lines, "\n")+"\n")
	return err
}

// plain is what a shell reads unquoted in an assignment.
var plain = regexp.MustCompile(`^[A-Za-z0-9_./:@%+,=-]+$`)

// shellQuote leaves a plain value alone and single-quotes any other.
func shellQuote(s string) string {
	if plain.MatchString(s) {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// waitForEnd returns when ctx ends or, if eof is set, when stdin reaches its end. The
// goroutine reading stdin outlives the call when ctx ends first; the process is exiting.
func waitForEnd(ctx context.Context, stdin io.Reader, eof bool) {
	ended := make(chan struct{})
	if eof {
		go func() {
			io.Copy(io.Discard, stdin)
			close(ended)
		}()
	}
	select {
	case <-ctx.Done():
	case <-ended:
	}
}

// lockedWriter serializes writes from the request handlers and the command.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

// Write writes p whole before another Write starts.
func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
