// Command bench measures how close a cached c3cred call comes to the floor of starting a Go
// program, and checks the budget of issue 5. Run it from anywhere in the repository:
//
//	go run ./bench            # about 30 s on 2 cores once the build cache is warm
//	go run ./bench -quick     # a rough pass in about 10 s
//	go run ./bench -compare ../other-checkout   # also time that checkout's c3cred against this one
//
// In one run it builds c3cred with install.sh itself (CGO_ENABLED=0, -trimpath, -ldflags "-s -w"),
// and two floors built with the same flags: bench/floor/hello, the Go "hello, world", and
// bench/floor/keyringget, which does one go-keyring Get of the item c3cred caches its token in.
// It then times whole processes, a floor and c3cred by turns (A B A B …, -n pairs after a short
// warm-up), and prints one markdown table of medians, the median of the paired ratios, and PASS
// or MISS for each line of the budget:
//
//   - `c3cred version` against hello: what starting the c3cred binary costs (no budget);
//   - `token` with a cached token, file backend, against hello: at most 1.5×, aim 1.3×;
//   - `token` with a cached token, keyring backend, against the keyring floor: at most 1.2×;
//   - `kubectl` and `git-credential get` with a cached token, called as kubectl and git call
//     them, against hello: cached calls on the file backend too, so at most 1.5×;
//   - peak RSS of a cached `token`: at most 8 MiB, aim 6;
//   - `token` with no cached token, against the same request made by a plain Go HTTP client
//     inside the bench: c3cred's own cost beyond the stand-in's answer, at most 5 ms;
//   - -callers concurrent cold `token` calls: they must make one token request between them;
//     the slowest caller's wall time is shown.
//
// # What keeps the figures honest
//
// The token endpoint is the platform's stand-in (package standin), served by the bench itself
// on 127.0.0.1. Every world has its own temporary HOME and XDG folders and an environment made
// from scratch, so the user's config, cache and keyring are never read or touched. Before timing
// a row the bench checks the answer holds the cached token, and that no cached call reached the
// token endpoint.
//
// Each binary is timed through several copies written the way the linker writes one (see
// placeCopies and writeLikeLinker): where its pages sit in memory, and how the kernel caches the
// file, move a start by up to 15% on their own. Peak RSS is the VmHWM of the program, read at its
// exit under ptrace (see peakRSS): the Maxrss that rusage gives would count the bench's own memory.
//
// The keyring rows need a Secret Service: the bench runs itself again under .ci/with-keyring, on
// a private D-Bus session with an unlocked gnome-keyring. That needs Debian's gnome-keyring and
// dbus packages (apt-get install -y --no-install-recommends gnome-keyring dbus); without them the
// keyring rows are skipped with a note. RSS is read on Linux only.
//
// Machines are noisy: the figures to quote are the paired ratios of one run, never one timing.
// The exit status is 0 whether the budget holds or not, since this is a measurement; it is 1 when
// something breaks (a build, the stand-in, an answer that is not the token).
package main

import (
	"flag"
	"fmt"
	"os"
)

// settings are what the command line asks for.
type settings struct {
	pairs   int    // timed pairs per row
	trials  int    // rounds of concurrent cold callers
	callers int    // processes per round
	compare string // another checkout whose c3cred to time against this one

	// session and binDir are set only when the bench runs itself under .ci/with-keyring: the
	// file to write the keyring rows to, and the folder of the copies of the binaries built.
	session string
	binDir  string
}

func main() {
	os.Exit(run(parseFlags()))
}

func parseFlags() settings {
	var s settings
	quick := flag.Bool("quick", false, "a rough pass: 50 pairs and 2 rounds of callers")
	flag.IntVar(&s.pairs, "n", 400, "timed pairs per row")
	flag.IntVar(&s.trials, "rounds", 5, "rounds of concurrent cold callers")
	flag.IntVar(&s.callers, "callers", 50, "concurrent cold callers per round")
	flag.StringVar(&s.compare, "compare", "",
		"also time a cached call of the c3cred that `DIR`'s install.sh builds against this one")
	flag.StringVar(&s.session, "keyring-session", "", "internal: write the keyring rows to `FILE`")
	flag.StringVar(&s.binDir, "bin", "", "internal: the folder of the copies of the binaries")
	flag.Parse()
	if *quick {
		s.pairs, s.trials = 50, 2
	}
	if flag.NArg() > 0 || s.pairs < 1 || s.trials < 1 || s.callers < 2 {
		fmt.Fprintln(os.Stderr, "usage: go run ./bench [-quick] [-n PAIRS] [-rounds R] "+
			"[-callers C] [-compare DIR]")
		os.Exit(2)
	}
	return s
}

// run measures everything and prints the table, or, inside .ci/with-keyring, the keyring rows.
func run(s settings) int {
	if s.session != "" {
		return exitFor(keyringSession(s))
	}
	scratch, err := os.MkdirTemp("", "c3cred-bench-")
	if err != nil {
		return exitFor(err)
	}
	defer os.RemoveAll(scratch)

	b, err := build(scratch, s.compare)
	if err != nil {
		return exitFor(err)
	}

	t := &table{machine: machine(b.goVersion), bins: b, pairs: s.pairs}
	measure(t, scratch, b, s)
	fmt.Print(t.markdown())
	if t.broken {
		return 1
	}
	return 0
}

// exitFor reports err, if any, and returns the exit status for it.
func exitFor(err error) int {
	if err != nil {
		fmt.Fprintf(os.Stderr, "bench: %v\n", err)
		return 1
	}
	return 0
}

// progress tells the person waiting what is being measured.
func progress(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "bench: "+format+"\n", args...)
}
