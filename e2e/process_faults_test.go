package e2e

import (
	"bytes"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"c3cred/standin"
)

// startHolder starts a c3cred that takes the refresh lock and then hangs on the token endpoint,
// and returns once its request has arrived.
func startHolder(t *testing.T, w *world) *exec.Cmd {
	t.Helper()
	w.srv.Script(standin.Hang())
	holder := w.command("token")
	if err := holder.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { holder.Process.Kill(); holder.Wait() })
	waitFor(t, "the holder to reach the token endpoint", func() bool { return w.requests() == 1 })
	return holder
}

// TestKilledHolderKeepsCache: while a holder hangs mid-refresh, a second caller waits out its
// timeout and prints the cached token; once the holder is SIGKILLed, the cache is whole and the
// next caller refreshes at once.
func TestKilledHolderKeepsCache(t *testing.T) {
	w := newWorld(t, standin.Options{}, "")
	seeded := seedRenewable(w)
	holder := startHolder(t, w)
	// The holder hangs for its 5s; the next callers read a shorter timeout.
	w.edit(`timeout = "5s"`, `timeout = "`+faultTimeout.String()+`"`)

	waiting := w.run("token", "--format", "raw")
	mustSucceed(t, waiting)
	if waiting.stdout != seeded+"\n" {
		t.Errorf("a caller behind a hung holder did not print the cached token:\n%v", waiting)
	}
	checkWarning(t, waiting, `profile "test": gave up waiting for another c3cred`)
	if waiting.elapsed < faultTimeout || waiting.elapsed > faultTimeout+slack {
		t.Errorf("the waiting caller took %v, want its %v timeout", waiting.elapsed, faultTimeout)
	}

	holder.Process.Signal(syscall.SIGKILL)
	holder.Wait()
	mustHoldCached(t, w, seeded)
	next := w.run("token", "--format", "raw")
	mustSucceed(t, next)
	tok := strings.TrimSpace(next.stdout)
	if tok == seeded || !w.srv.Valid(tok) || w.requests() != 2 {
		t.Errorf("want a new token after the holder died (%d requests):\n%v", w.requests(), next)
	}
	if next.elapsed > slack {
		t.Errorf("the next caller took %v after the holder died", next.elapsed)
	}
	mustHoldCached(t, w, tok)
}

// TestSignalMidRefresh sends SIGINT or SIGTERM to a c3cred mid-refresh, or waiting for another's
// lock, with a working token in the cache: it stops at once, exits 1 without printing a token,
// and leaves the cache as it was.
func TestSignalMidRefresh(t *testing.T) {
	tests := []struct {
		name    string
		sig     syscall.Signal
		waiting bool // signal a caller waiting for a hung holder's lock
	}{
		{"SIGINT while refreshing", syscall.SIGINT, false},
		{"SIGTERM while refreshing", syscall.SIGTERM, false},
		{"SIGINT while waiting for the lock", syscall.SIGINT, true},
		{"SIGTERM while waiting for the lock", syscall.SIGTERM, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			w := newWorld(t, standin.Options{}, "")
			seeded := seedRenewable(w)
			if tt.waiting {
				startHolder(t, w)
			}
			w.srv.SetDefault(standin.Hang())
			w.env["C3CRED_DEBUG"] = "1"
			r := w.interrupt(t, tt.sig, func(stderr string) bool {
				return strings.Contains(stderr, map[bool]string{
					false: "token request to", true: "waiting for the refresh lock"}[tt.waiting]) ||
					(!tt.waiting && w.requests() == 1)
			})

			if r.code != 1 || r.stdout != "" {
				t.Errorf("want exit 1 and no stdout:\n%v", r)
			}
			if !strings.Contains(r.stderr, `c3cred: profile "test": stopped before a token came`) {
				t.Errorf("want an error saying the refresh was stopped:\n%v", r)
			}
			if r.elapsed > slack {
				t.Errorf("took %v to stop after the signal", r.elapsed)
			}
			mustHoldCached(t, w, seeded)
		})
	}
}

// interrupt starts c3cred token, waits until ready(stderr so far) holds, sends sig, and returns
// the run, its elapsed time counted from the signal.
func (w *world) interrupt(t *testing.T, sig syscall.Signal, ready func(string) bool) *result {
	t.Helper()
	cmd := w.command("token", "--format", "raw")
	var stdout bytes.Buffer
	stderr := &syncBuffer{}
	cmd.Stdout, cmd.Stderr = &stdout, stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "c3cred to get under way", func() bool { return ready(stderr.String()) })

	sent := time.Now()
	cmd.Process.Signal(sig)
	cmd.Wait()
	r := &result{args: []string{"token", "--format", "raw"}, stdout: stdout.String(),
		stderr: stderr.String(), code: cmd.ProcessState.ExitCode(), elapsed: time.Since(sent)}
	w.record(r)
	return r
}

// syncBuffer is a bytes.Buffer safe to write from one goroutine and read from another.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// TestClockJumps seeds entries as a clock that jumped would leave them. The contract: an entry
// obtained "in the future" (beyond a minute of skew) is stale, and is not served even when the
// platform fails; an old entry is judged by its expiry alone.
func TestClockJumps(t *testing.T) {
	const day = 24 * time.Hour
	tests := []struct {
		name              string
		obtained, expires time.Duration // from now
		failing           bool          // the platform answers 503
		want              string        // "cached", "new", or what the error says
	}{
		{"obtained an hour ahead", time.Hour, 2 * time.Hour, false, "new"},
		{"obtained 30s ahead: skew, not a jump", 30 * time.Second, time.Hour, false, "cached"},
		{"obtained two years ago, expired a year ago", -730 * day, -365 * day, false, "new"},
		{"obtained 300 days ago, 65 days left", -300 * day, 65 * day, false, "cached"},
		{"obtained an hour ahead, platform failing", time.Hour, 2 * time.Hour, true, "503"},
		{"expired a minute ago, platform failing", -61 * time.Minute, -time.Minute, true, "503"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			w := newWorld(t, standin.Options{}, "")
			w.edit(`timeout = "5s"`, `timeout = "1s"`)
			if tt.failing {
				w.srv.SetDefault(standin.Status(503))
			}
			now := time.Now()
			seeded := w.srv.Issue(tt.expires)
			w.seed(seeded, now.Add(tt.obtained), now.Add(tt.expires))

			r := w.run("token", "--format", "raw")
			tok := strings.TrimSpace(r.stdout)
			switch tt.want {
			case "cached":
				mustSucceed(t, r)
				if tok != seeded || w.requests() != 0 {
					t.Errorf("want the cached token and no request (%d):\n%v", w.requests(), r)
				}
			case "new":
				mustSucceed(t, r)
				if tok == seeded || !w.srv.Valid(tok) || w.requests() != 1 {
					t.Errorf("want a new token after one request (%d):\n%v", w.requests(), r)
				}
			default:
				mustFail(t, r, 1, tt.want)
				mustHoldCached(t, w, seeded)
			}
		})
	}
}
