package e2e

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"c3cred/cache"
	"c3cred/standin"
)

// The fault cases run with a short timeout, so that those which use it all stay fast. slack is
// what a run may take beyond its timeout: starting the process, the last attempt's
// cancellation, printing the answer.
const (
	faultTimeout = 2 * time.Second
	slack        = time.Second
)

// fault is one way the token endpoint can misbehave, and what c3cred must make of it.
type fault struct {
	name string
	// respond sets the stand-in misbehaving.
	respond func(w *world)
	// wantErr is what the first stderr line says when no token can be had; "" when one comes.
	wantErr string
	// minReq and maxReq bound the token requests of one run.
	minReq, maxReq int
	// minTime and maxTime bound one run's wall time.
	minTime, maxTime time.Duration
	// uncached says a token that comes is printed but not cached.
	uncached bool
	// maxGrowth, when set, bounds how far the run's peak memory may exceed a baseline run's.
	maxGrowth int64
}

// always makes r the stand-in's answer to every token request.
func always(r standin.Response) func(*world) {
	return func(w *world) { w.srv.SetDefault(r) }
}

// first makes r the answer to the first token request; the next ones get a good token.
func first(r standin.Response) func(*world) {
	return func(w *world) { w.srv.Script(r) }
}

// maxTries bounds a run that retries until the timeout: the first try, and at most one per
// backoff step that fits (250ms, 500ms, 1s, …).
const maxTries = 6

var endpointFaults = []fault{
	{name: "connection refused", respond: func(w *world) { w.srv.Close() },
		wantErr: "connection refused", maxReq: 0, maxTime: faultTimeout + slack},
	{name: "reset in the header", respond: always(standin.Reset()),
		wantErr: "could not reach", minReq: 2, maxReq: maxTries, maxTime: faultTimeout + slack},
	{name: "reset in the body", respond: always(standin.ResetInBody()),
		wantErr: "could not reach", minReq: 2, maxReq: maxTries, maxTime: faultTimeout + slack},
	{name: "500 for ever", respond: always(standin.Status(500)),
		wantErr: "500 Internal Server Error", minReq: 2, maxReq: maxTries,
		maxTime: faultTimeout + slack},
	{name: "503 then 200", respond: first(standin.Status(503)),
		minReq: 2, maxReq: 2, maxTime: slack},
	{name: "429 then 200", respond: first(standin.Status(429)),
		minReq: 2, maxReq: 2, maxTime: slack},
	{name: "429 for ever", respond: always(standin.Status(429)),
		wantErr: "429 Too Many Requests", minReq: 2, maxReq: maxTries,
		maxTime: faultTimeout + slack},
	{name: "429 with Retry-After 1s, then 200", respond: first(standin.RetryAfter(429, 1)),
		minReq: 2, maxReq: 2, minTime: time.Second, maxTime: time.Second + slack},
	{name: "429 with Retry-After past the timeout", respond: always(standin.RetryAfter(429, 30)),
		wantErr: "asked to retry in 30s", minReq: 1, maxReq: 1, maxTime: slack},
	{name: "503 with Retry-After 1s for ever", respond: always(standin.RetryAfter(503, 1)),
		wantErr: "503 Service Unavailable", minReq: 2, maxReq: 2, minTime: time.Second,
		maxTime: faultTimeout + slack},
	{name: "accepts and never answers", respond: always(standin.Hang()),
		wantErr: "ran out of time", minReq: 1, maxReq: 1, minTime: faultTimeout,
		maxTime: faultTimeout + slack},
	{name: "slow trickle", respond: always(standin.Trickle(50 * time.Millisecond)),
		wantErr: "ran out of time", minReq: 1, maxReq: 1, minTime: faultTimeout,
		maxTime: faultTimeout + slack},
}

var bodyFaults = []fault{
	{name: "HTML login page", respond: always(standin.HTML()),
		wantErr: "HTML page", minReq: 1, maxReq: 1, maxTime: slack},
	{name: "truncated JSON", respond: always(standin.TruncatedJSON()),
		wantErr: "it is cut short", minReq: 1, maxReq: 1, maxTime: slack},
	{name: "no access_token", respond: always(standin.NoAccessToken()),
		wantErr: "no access_token", minReq: 1, maxReq: 1, maxTime: slack},
	{name: "opaque token with expires_in", respond: always(standin.OKOpaque()),
		minReq: 1, maxReq: 1, maxTime: slack},
	{name: "JWT without exp, with expires_in", respond: always(standin.OKExpiresInOnly()),
		minReq: 1, maxReq: 1, maxTime: slack},
	{name: "JWT without exp or expires_in", respond: always(standin.OKNoExpiry()),
		minReq: 1, maxReq: 1, maxTime: slack, uncached: true},
	{name: "exp already past", respond: always(standin.OKExpired()),
		wantErr: "expired at", minReq: 1, maxReq: 1, maxTime: slack},
	{name: "negative expires_in", respond: always(standin.OKNegativeExpiresIn()),
		wantErr: `expires_in "-3600"`, minReq: 1, maxReq: 1, maxTime: slack},
	{name: "absurd expires_in", respond: always(standin.OKAbsurdExpiresIn()),
		wantErr: `expires_in "1000000000000"`, minReq: 1, maxReq: 1, maxTime: slack},
	{name: "64 MiB body", respond: always(standin.HugeBody(standin.HugeSize)),
		wantErr: "over 1048576 bytes", minReq: 1, maxReq: 1, maxTime: slack, maxGrowth: 16 << 20},
	{name: "wrong Content-Type", respond: always(standin.WrongContentType()),
		minReq: 1, maxReq: 1, maxTime: slack},
}

// TestEndpointFaults and TestBodyFaults run each fault on an empty cache and, where no token
// can be had, again over a cached token that still works but is due for renewal: that token must
// be printed, with a warning naming the fault, and stay in the cache.
func TestEndpointFaults(t *testing.T) { runFaults(t, endpointFaults) }

func TestBodyFaults(t *testing.T) { runFaults(t, bodyFaults) }

func runFaults(t *testing.T, faults []fault) {
	for _, f := range faults {
		t.Run(f.name, func(t *testing.T) {
			t.Parallel()
			t.Run("empty cache", func(t *testing.T) { coldFault(t, f) })
			if f.wantErr != "" {
				t.Run("cached token due for renewal", func(t *testing.T) { warmFault(t, f) })
			}
		})
	}
}

// faultWorld is a world whose profile has the fault timeout, with f set up.
func faultWorld(t *testing.T, f fault) *world {
	t.Helper()
	w := newWorld(t, standin.Options{}, "")
	w.edit(`timeout = "5s"`, `timeout = "`+faultTimeout.String()+`"`)
	f.respond(w)
	return w
}

func coldFault(t *testing.T, f fault) {
	w := faultWorld(t, f)
	r := w.run("token", "--format", "raw")
	checkRun(t, w, f, r)
	if f.wantErr != "" {
		mustFail(t, r, 1, f.wantErr)
		if _, err := os.Stat(w.cacheFile()); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("a failed fetch left a cache entry: %v", err)
		}
		return
	}

	mustSucceed(t, r)
	tok := strings.TrimSpace(r.stdout)
	if !w.srv.Valid(tok) {
		t.Fatalf("printed a token the stand-in does not know:\n%v", r)
	}
	e, err := w.cached()
	switch {
	case f.uncached && err == nil:
		t.Errorf("cached a token with no known expiry until %v", e.ExpiresAt)
	case f.uncached && !strings.HasPrefix(r.stderr, "c3cred: warning: "):
		t.Errorf("want a warning that the token is not cached:\n%v", r)
	case !f.uncached && (err != nil || e.AccessToken != tok):
		t.Errorf("the token was not cached: %v", err)
	case !f.uncached && r.stderr != "":
		t.Errorf("stderr on success: %q", r.stderr)
	}
}

// warmFault runs f over a cached token with three minutes left, inside min_ttl.
func warmFault(t *testing.T, f fault) {
	w := faultWorld(t, f)
	seeded := seedRenewable(w)
	r := w.run("token", "--format", "raw")
	checkRun(t, w, f, r)
	mustSucceed(t, r)
	warning, _, _ := strings.Cut(r.stderr, "\n")
	if r.stdout != seeded+"\n" {
		t.Errorf("want the cached token on stdout:\n%v", r)
	}
	if !strings.HasPrefix(warning, "c3cred: warning: ") || !strings.Contains(warning, f.wantErr) {
		t.Errorf("want a first stderr line \"c3cred: warning: …%s…\":\n%v", f.wantErr, r)
	}
	mustHoldCached(t, w, seeded)
}

// seedRenewable caches a working token with three minutes left of an hour: inside the default
// min_ttl, so a run tries to renew it.
func seedRenewable(w *world) string {
	w.t.Helper()
	obtained := time.Now().Add(-57 * time.Minute)
	tok := w.srv.Issue(3 * time.Minute)
	w.seed(tok, obtained, obtained.Add(time.Hour))
	return tok
}

// mustHoldCached fails unless the cache still holds tok, whole, with no temporary file beside it.
func mustHoldCached(t *testing.T, w *world, tok string) {
	t.Helper()
	if e, err := w.cached(); err != nil || e.AccessToken != tok {
		t.Errorf("the cached token was lost: %v", err)
	}
	leftovers, _ := filepath.Glob(filepath.Join(w.stateDir(), "tokens", ".tmp-*"))
	if len(leftovers) > 0 {
		t.Errorf("half-written entries left behind: %q", leftovers)
	}
}

// checkRun checks what every fault run must keep to: its request count, wall time and memory.
func checkRun(t *testing.T, w *world, f fault, r *result) {
	t.Helper()
	if n := w.requests(); n < f.minReq || n > f.maxReq {
		t.Errorf("%d token requests, want %d to %d", n, f.minReq, f.maxReq)
	}
	if r.elapsed < f.minTime || r.elapsed > f.maxTime {
		t.Errorf("took %v, want %v to %v (timeout %v)", r.elapsed.Round(time.Millisecond),
			f.minTime, f.maxTime, faultTimeout)
	}
	if f.maxGrowth > 0 {
		checkPeakMemory(t, w, r, f.maxGrowth)
	}
}

// checkPeakMemory fails if r's peak memory exceeds that of `c3cred version` by more than growth.
// The baseline is needed because Linux counts in a child's peak the parent's peak at the time
// it started the child (Go starts children with vfork semantics, so the child leaves the
// parent's memory at exec, and the kernel folds its high-water mark in). A child that read a
// 64 MiB body whole would still stand out, its own peak being above 64 MiB.
func checkPeakMemory(t *testing.T, w *world, r *result, growth int64) {
	t.Helper()
	base := w.run("version")
	switch {
	case r.maxRSS < 0 || base.maxRSS < 0:
		t.Logf("peak memory not checked: the OS does not report it here")
	case r.maxRSS > base.maxRSS+growth:
		t.Errorf("peak memory %d MiB, want at most %d MiB over `c3cred version`'s %d MiB",
			r.maxRSS>>20, growth>>20, base.maxRSS>>20)
	default:
		t.Logf("peak memory %d MiB, `c3cred version` %d MiB", r.maxRSS>>20, base.maxRSS>>20)
	}
}

// seedFresh caches a working token with fifty minutes left: a run would print it.
func seedFresh(w *world) string {
	w.t.Helper()
	obtained := time.Now().Add(-10 * time.Minute)
	tok := w.srv.Issue(50 * time.Minute)
	w.seed(tok, obtained, obtained.Add(time.Hour))
	return tok
}

// replaceFile writes data to path with mode, whatever was there.
func replaceFile(t *testing.T, path string, data []byte, mode os.FileMode) {
	t.Helper()
	if err := os.RemoveAll(path); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, mode); err != nil {
		t.Fatal(err)
	}
}

// otherIdentityEntry is a whole, fresh entry written for another profile's key, holding that
// identity's token.
func otherIdentityEntry(t *testing.T, w *world) (data []byte, tok string) {
	t.Helper()
	dir := t.TempDir()
	other := &cache.File{Dir: dir}
	key := cache.Key("other", w.srv.URL, w.srv.TokenURL, w.srv.ClientID)
	tok = w.srv.Issue(time.Hour)
	if err := other.Save(key, cache.Entry{AccessToken: tok, ObtainedAt: time.Now(),
		ExpiresAt: time.Now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(dir, key+".token"))
	if err != nil {
		t.Fatal(err)
	}
	return data, tok
}

// TestCacheFaults damages a cached entry that would otherwise be served, or the place where
// entries live: every run still prints a new, valid token, after one request.
func TestCacheFaults(t *testing.T) {
	tests := []struct {
		name string
		// damage spoils the cache; seeded is the fresh token cached before.
		damage func(t *testing.T, w *world, seeded string)
		// wantWarn is what a warning says; "" for a quiet run.
		wantWarn string
		// uncached says the new token cannot be cached either.
		uncached bool
	}{
		{name: "entry corrupted", damage: func(t *testing.T, w *world, _ string) {
			replaceFile(t, w.cacheFile(), []byte("\x00\xff{not json"), 0o600)
		}},
		{name: "entry truncated", damage: func(t *testing.T, w *world, _ string) {
			data := readFile(t, w.cacheFile())
			replaceFile(t, w.cacheFile(), []byte(data[:len(data)/2]), 0o600)
		}},
		{name: "entry empty", damage: func(t *testing.T, w *world, _ string) {
			replaceFile(t, w.cacheFile(), nil, 0o600)
		}},
		{name: "entry of an older format", damage: func(t *testing.T, w *world, _ string) {
			data := strings.Replace(readFile(t, w.cacheFile()), `"v":1,`, `"v":0,`, 1)
			replaceFile(t, w.cacheFile(), []byte(data), 0o600)
		}},
		{name: "entry of the format before versions",
			damage: func(t *testing.T, w *world, _ string) {
				data := strings.Replace(readFile(t, w.cacheFile()), `"v":1,`, ``, 1)
				replaceFile(t, w.cacheFile(), []byte(data), 0o600)
			}},
		{name: "entry belonging to another key", damage: func(t *testing.T, w *world, _ string) {
			data, _ := otherIdentityEntry(t, w)
			replaceFile(t, w.cacheFile(), data, 0o600)
		}},
		{name: "entry readable by others", wantWarn: "mode 0644 lets others read it",
			damage: func(t *testing.T, w *world, _ string) { chmod(t, w.cacheFile(), 0o644) }},
		{name: "entry readable by its group", wantWarn: "mode 0640 lets others read it",
			damage: func(t *testing.T, w *world, _ string) { chmod(t, w.cacheFile(), 0o640) }},
		{name: "tokens folder is a file", wantWarn: "could not cache the token", uncached: true,
			damage: func(t *testing.T, w *world, _ string) {
				replaceFile(t, filepath.Join(w.stateDir(), "tokens"), nil, 0o600)
			}},
		{name: "state folder is a file", wantWarn: "refreshing without the lock", uncached: true,
			damage: func(t *testing.T, w *world, _ string) {
				replaceFile(t, w.stateDir(), nil, 0o600)
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			w := newWorld(t, standin.Options{}, "")
			seeded := seedFresh(w)
			tt.damage(t, w, seeded)

			r := w.run("token", "--format", "raw")
			mustSucceed(t, r)
			tok := strings.TrimSpace(r.stdout)
			if tok == seeded || !w.srv.Valid(tok) || w.requests() != 1 {
				t.Fatalf("want a new valid token after one request (%d made):\n%v", w.requests(), r)
			}
			checkWarning(t, r, tt.wantWarn)
			e, err := w.cached()
			if got := err == nil && e.AccessToken == tok; got == tt.uncached {
				t.Errorf("new token cached: %v, want %v (%v)", got, !tt.uncached, err)
			}
			if !tt.uncached {
				assertMode(t, w.cacheFile(), 0o600)
			}
		})
	}
}

func chmod(t *testing.T, path string, mode os.FileMode) {
	t.Helper()
	if err := os.Chmod(path, mode); err != nil {
		t.Fatal(err)
	}
}

func assertMode(t *testing.T, path string, want os.FileMode) {
	t.Helper()
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := info.Mode().Perm(); got != want {
		t.Errorf("%s: mode %04o, want %04o", path, got, want)
	}
}

// checkWarning fails unless r's stderr is empty when want is, or holds warnings only, one of
// them saying want.
func checkWarning(t *testing.T, r *result, want string) {
	t.Helper()
	if want == "" {
		if r.stderr != "" {
			t.Errorf("stderr on a quiet run:\n%v", r)
		}
		return
	}
	lines := strings.Split(strings.TrimSuffix(r.stderr, "\n"), "\n")
	for _, line := range lines {
		if !strings.HasPrefix(line, "c3cred: warning: ") {
			t.Errorf("stderr line %q is not a warning:\n%v", line, r)
		}
	}
	if n := strings.Count(r.stderr, want); n != 1 {
		t.Errorf("want one warning saying %q, got %d:\n%v", want, n, r)
	}
}

// TestCacheDiskFull puts the state folder on a tmpfs and fills it: the new token cannot be
// written, which costs a warning, never the token, nor the entry already cached.
func TestCacheDiskFull(t *testing.T) {
	w := newWorld(t, standin.Options{}, "")
	state := w.env["XDG_STATE_HOME"]
	mountTmpfs(t, state)
	seeded := seedRenewable(w)
	if err := os.MkdirAll(filepath.Join(w.stateDir(), "locks"), 0o700); err != nil {
		t.Fatal(err)
	}
	fill(t, filepath.Join(state, "filler"))

	r := w.run("token", "--format", "raw")
	mustSucceed(t, r)
	if tok := strings.TrimSpace(r.stdout); tok == seeded || !w.srv.Valid(tok) {
		t.Errorf("want a new valid token:\n%v", r)
	}
	checkWarning(t, r, "no space left on device")
	if w.requests() != 1 {
		t.Errorf("%d token requests, want 1", w.requests())
	}
	mustHoldCached(t, w, seeded)
}

// mountTmpfs mounts a 1 MiB tmpfs on dir for the test's life. It skips the test where mounting
// is not allowed (not root, or no such file system), saying so.
func mountTmpfs(t *testing.T, dir string) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=1m,mode=0700", "c3cred-test",
		dir).CombinedOutput()
	if err != nil {
		t.Skipf("cannot mount a small tmpfs to fill (needs root on Linux): %v: %s", err,
			strings.TrimSpace(string(out)))
	}
	t.Cleanup(func() {
		if out, err := exec.Command("umount", dir).CombinedOutput(); err != nil {
			t.Errorf("umount %s: %v: %s", dir, err, out)
		}
	})
}

// fill writes to path until the file system has no space left.
func fill(t *testing.T, path string) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	chunk := make([]byte, 4096)
	for range 1024 {
		if _, err := f.Write(chunk); err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				t.Fatalf("filling %s: %v", path, err)
			}
			return
		}
	}
	t.Fatalf("wrote 4 MiB to %s without filling it", path)
}

// keyringFaults are ways the OS keyring can be out of reach. setup points the world at one.
var keyringFaults = []struct {
	name  string
	setup func(t *testing.T, w *world)
	// wantErr is what cache = "keyring" reports.
	wantErr string
	// hangs says the keyring never answers, so each run waits out cache.DefaultKeyringWait.
	hangs bool
}{
	{name: "no D-Bus session", setup: func(*testing.T, *world) {},
		wantErr: "no D-Bus session bus"},
	{name: "bus without a Secret Service", setup: func(t *testing.T, w *world) {
		w.env["DBUS_SESSION_BUS_ADDRESS"] = privateBus(t)
	}, wantErr: "org.freedesktop.secrets was not provided"},
	{name: "locked collection", setup: func(t *testing.T, w *world) {
		bus := privateBus(t)
		lockedKeyring(t, bus)
		w.env["DBUS_SESSION_BUS_ADDRESS"] = bus
	}, wantErr: "failed to unlock"},
	{name: "keyring that does not answer", setup: func(t *testing.T, w *world) {
		w.env["DBUS_SESSION_BUS_ADDRESS"] = silentBus(t)
	}, wantErr: "no answer within " + cache.DefaultKeyringWait.String(), hangs: true},
}

// TestKeyringFaults: with cache = "auto" an unreachable keyring falls back to the file, which
// serves a token cached there and keeps a new one; with cache = "keyring" it is an error that
// says why, before any request. Either way the wait is bounded.
func TestKeyringFaults(t *testing.T) {
	for _, tt := range keyringFaults {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			maxTime := slack
			if tt.hangs {
				maxTime += cache.DefaultKeyringWait
			}
			check := func(t *testing.T, r *result) {
				t.Helper()
				if r.elapsed > maxTime {
					t.Errorf("took %v, want under %v", r.elapsed.Round(time.Millisecond), maxTime)
				}
			}
			t.Run("auto", func(t *testing.T) {
				w := newWorld(t, standin.Options{}, "")
				w.edit(`cache = "file"`, `cache = "auto"`)
				tt.setup(t, w)
				seeded := seedFresh(w)
				r := w.run("token", "--format", "raw")
				check(t, r)
				mustSucceed(t, r)
				if r.stdout != seeded+"\n" || w.requests() != 0 {
					t.Errorf("want the token cached in the file, and no request (%d):\n%v",
						w.requests(), r)
				}

				r = w.run("token", "--format", "raw", "--force")
				check(t, r)
				mustSucceed(t, r)
				if e, err := w.cached(); err != nil || e.AccessToken+"\n" != r.stdout {
					t.Errorf("the new token is not in the file cache: %v", err)
				}
			})
			t.Run("keyring", func(t *testing.T) {
				w := newWorld(t, standin.Options{}, "")
				w.edit(`cache = "file"`, `cache = "keyring"`)
				tt.setup(t, w)
				r := w.run("token")
				check(t, r)
				mustFail(t, r, 1, tt.wantErr)
				if !strings.Contains(r.stderr, `cache = "keyring"`) ||
					!strings.Contains(r.stderr, "c3cred: hint: ") {
					t.Errorf("want the error to name the setting, with a hint:\n%v", r)
				}
				if w.requests() != 0 {
					t.Errorf("%d token requests, want none: the token could not be kept",
						w.requests())
				}
			})
		})
	}
}

// need skips the test when a program is missing, saying why; under C3CRED_TEST_KEYRING=1,
// which promises the keyring's tools, a missing one fails it.
func need(t *testing.T, programs ...string) {
	t.Helper()
	for _, p := range programs {
		if _, err := exec.LookPath(p); err != nil {
			if os.Getenv("C3CRED_TEST_KEYRING") == "1" {
				t.Fatalf("%s not found, though C3CRED_TEST_KEYRING=1", p)
			}
			t.Skipf("%s not found: install Debian's dbus and gnome-keyring (.ci/run does)", p)
		}
	}
}

// shortDir makes a temporary folder with a short path, as a unix socket's path must be.
func shortDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "c3b")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

// busConfig is a session bus that lets everyone talk and own names, and can start no service
// on demand: it knows no service files.
const busConfig = `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path=%s</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
`

// privateBus starts a D-Bus session bus of the test's own, on which nothing serves the Secret
// Service, and returns its address.
func privateBus(t *testing.T) string {
	t.Helper()
	need(t, "dbus-daemon")
	dir := shortDir(t)
	conf := filepath.Join(dir, "bus.conf")
	config := fmt.Appendf(nil, busConfig, filepath.Join(dir, "bus"))
	if err := os.WriteFile(conf, config, 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("dbus-daemon", "--config-file="+conf, "--nofork", "--print-address")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	addr, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatalf("dbus-daemon printed no address: %v", err)
	}
	return strings.TrimSpace(addr)
}

// lockedKeyring starts gnome-keyring-daemon on bus with a login collection, as a desktop
// session would, then locks the collection over D-Bus, as a screen lock does.
func lockedKeyring(t *testing.T, bus string) {
	t.Helper()
	need(t, "gnome-keyring-daemon", "dbus-send")
	home := shortDir(t)
	cmd := exec.Command("gnome-keyring-daemon", "--foreground", "--unlock", "--components=secrets")
	cmd.Env = []string{"HOME=" + home, "XDG_RUNTIME_DIR=" + home, "PATH=" + os.Getenv("PATH"),
		"DBUS_SESSION_BUS_ADDRESS=" + bus}
	cmd.Stdin = strings.NewReader("c3cred-test") // a password: an empty one makes no collection
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })

	locked := func() string {
		return busCall(bus, "--dest=org.freedesktop.secrets",
			"/org/freedesktop/secrets/aliases/default", "org.freedesktop.DBus.Properties.Get",
			"string:org.freedesktop.Secret.Collection", "string:Locked")
	}
	waitFor(t, "gnome-keyring to own org.freedesktop.secrets", func() bool {
		return strings.Contains(busCall(bus, "--dest=org.freedesktop.DBus", "/org/freedesktop/DBus",
			"org.freedesktop.DBus.NameHasOwner", "string:org.freedesktop.secrets"), "true")
	})
	waitFor(t, "an unlocked login collection", func() bool {
		return strings.Contains(locked(), "false")
	})
	busCall(bus, "--dest=org.freedesktop.secrets", "/org/freedesktop/secrets",
		"org.freedesktop.Secret.Service.Lock",
		"array:objpath:/org/freedesktop/secrets/collection/login")
	waitFor(t, "the login collection to lock", func() bool {
		return strings.Contains(locked(), "true")
	})
}

// busCall calls a D-Bus method on bus with dbus-send and returns the reply, or "" on failure.
func busCall(bus string, args ...string) string {
	args = append([]string{"--session", "--print-reply=literal"}, args...)
	cmd := exec.Command("dbus-send", args...)
	cmd.Env = []string{"DBUS_SESSION_BUS_ADDRESS=" + bus}
	out, _ := cmd.Output()
	return string(out)
}

// silentBus listens on a unix socket that takes every connection and reads it without ever
// answering, as a hung bus or keyring daemon would, and returns its address.
func silentBus(t *testing.T) string {
	t.Helper()
	path := filepath.Join(shortDir(t), "bus")
	ln, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go func() { io.Copy(io.Discard, conn); conn.Close() }()
		}
	}()
	return "unix:path=" + path
}

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

// TestDangerousConfigRefused: settings that would expose the secret are refused before any
// request, each with a message naming the setting; the safe form of each works.
func TestDangerousConfigRefused(t *testing.T) {
	tests := []struct {
		name  string
		setup func(t *testing.T, w *world)
		want  string // "" for the safe forms, which must work
	}{
		{"http url to a host that is not loopback", func(t *testing.T, w *world) {
			w.edit(`url = "http://127.0.0.1`, `url = "http://0.0.0.0`)
		}, "plain http to a host that is not loopback"},
		{"http token_url to a host that is not loopback", func(t *testing.T, w *world) {
			w.edit(`cache = "file"`, fmt.Sprintf("cache = \"file\"\ntoken_url = %q",
				strings.Replace(w.srv.TokenURL, "127.0.0.1", "0.0.0.0", 1)))
		}, `token_url: "http://0.0.0.0`},
		{"url carrying a password", func(t *testing.T, w *world) {
			w.edit(`url = "http://`, `url = "https://me:hunter2@`)
		}, "carries credentials"},
		{"url of another scheme", func(t *testing.T, w *world) {
			w.edit(`url = "http://`, `url = "ftp://`)
		}, `scheme "ftp"`},
		{"config writable by others", func(t *testing.T, w *world) {
			chmod(t, w.configPath(), 0o602)
		}, "writable by group or others (mode 0602)"},
		{"config writable by its group", func(t *testing.T, w *world) {
			chmod(t, w.configPath(), 0o620)
		}, "writable by group or others (mode 0620)"},
		{"inline secret in a config others can read", func(t *testing.T, w *world) {
			inlineSecret(w)
			chmod(t, w.configPath(), 0o644)
		}, "client_secret inline but the file is readable by others (mode 0644)"},
		{"inline secret in a private config", func(t *testing.T, w *world) {
			inlineSecret(w)
		}, ""},
		{"secret file readable by others", func(t *testing.T, w *world) {
			secretFile(t, w, 0o604)
		}, "open to group or others (mode 0604)"},
		{"secret file readable by its group", func(t *testing.T, w *world) {
			secretFile(t, w, 0o640)
		}, "open to group or others (mode 0640)"},
		{"private secret file", func(t *testing.T, w *world) { secretFile(t, w, 0o600) }, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			w := newWorld(t, standin.Options{}, "")
			tt.setup(t, w)
			r := w.run("token", "--format", "raw")
			if tt.want == "" {
				mustSucceed(t, r)
				if !w.srv.Valid(strings.TrimSpace(r.stdout)) {
					t.Errorf("the safe form printed no valid token:\n%v", r)
				}
				return
			}
			mustFail(t, r, 1, tt.want)
			if w.requests() != 0 || strings.Contains(r.stderr, "hunter2") {
				t.Errorf("%d token requests, or the URL's password shown:\n%v", w.requests(), r)
			}
		})
	}
}

// inlineSecret moves the client secret into the config file itself.
func inlineSecret(w *world) {
	w.edit(`client_secret_env = "C3_TEST_SECRET"`,
		fmt.Sprintf("client_secret = %q", w.srv.ClientSecret))
	delete(w.env, "C3_TEST_SECRET")
}

// secretFile moves the client secret into a file of the given mode.
func secretFile(t *testing.T, w *world, mode os.FileMode) {
	t.Helper()
	path := filepath.Join(w.root, "secret")
	if err := os.WriteFile(path, []byte(w.srv.ClientSecret+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	chmod(t, path, mode)
	w.edit(`client_secret_env = "C3_TEST_SECRET"`, fmt.Sprintf("client_secret_file = %q", path))
	delete(w.env, "C3_TEST_SECRET")
}
