package e2e

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
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
