package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"c3cred/standin"
)

// tokenJSON is the JSON form c3cred token prints.
type tokenJSON struct {
	AccessToken string `json:"access_token"`
	TokenType   string `json:"token_type"`
	ExpiresAt   string `json:"expires_at"`
}

func parseTokenJSON(t *testing.T, r *result) tokenJSON {
	t.Helper()
	var tj tokenJSON
	dec := json.NewDecoder(strings.NewReader(r.stdout))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&tj); err != nil {
		t.Fatalf("stdout is not the token JSON: %v\n%v", err, r)
	}
	return tj
}

func TestFirstCallFetchesThenCaches(t *testing.T) {
	w := newWorld(t, standin.Options{}, "")
	first := w.run("token")
	mustSucceed(t, first)
	tj := parseTokenJSON(t, first)
	if !w.srv.Valid(tj.AccessToken) || tj.TokenType != "Bearer" {
		t.Fatalf("got %+v, want a valid Bearer token", tj)
	}
	exp, err := time.Parse(time.RFC3339, tj.ExpiresAt)
	if err != nil || !strings.HasSuffix(tj.ExpiresAt, "Z") {
		t.Fatalf("expires_at %q is not RFC 3339 UTC: %v", tj.ExpiresAt, err)
	}
	if d := time.Until(exp); d < 58*time.Minute || d > 61*time.Minute {
		t.Errorf("expires_at is %v away, want about the stand-in's hour (exp read in ms)", d)
	}
	if got := w.requests(); got != 1 {
		t.Fatalf("first call made %d token requests, want 1", got)
	}
	if first.stderr != "" {
		t.Errorf("stderr on success: %q", first.stderr)
	}

	second := w.run("token")
	mustSucceed(t, second)
	if second.stdout != first.stdout {
		t.Errorf("cached call printed %q, want %q", second.stdout, first.stdout)
	}
	if got := w.requests(); got != 1 {
		t.Errorf("cached call made a request: %d in all, want 1", got)
	}
	info, err := os.Stat(w.cacheFile())
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Errorf("cache file: %v, mode %v; want 0600", err, info.Mode().Perm())
	}
}

func TestFormats(t *testing.T) {
	w := newWorld(t, standin.Options{}, "")
	tok := parseTokenJSON(t, w.run("token")).AccessToken
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"token", "--format", "raw"}, tok + "\n"},
		{[]string{"token", "--format=header"}, "Authorization: Bearer " + tok + "\n"},
		{[]string{"token", "--profile", profileName, "--format", "raw"}, tok + "\n"},
	}
	for _, tt := range tests {
		r := w.run(tt.args...)
		mustSucceed(t, r)
		if r.stdout != tt.want {
			t.Errorf("%v: stdout %q, want %q", tt.args, r.stdout, tt.want)
		}
	}
	if got := w.requests(); got != 1 {
		t.Errorf("%d token requests, want 1", got)
	}
}

func TestRenewal(t *testing.T) {
	now := time.Now()
	tests := []struct {
		name        string
		obtained    time.Duration // relative to now
		lifetime    time.Duration
		args        []string
		wantRequest bool
	}{
		{"plenty left", -10 * time.Minute, time.Hour, nil, false},
		{"inside min_ttl", -56 * time.Minute, time.Hour, nil, true},
		{"expired", -2 * time.Hour, time.Hour, nil, true},
		{"--min-ttl asks for more", -30 * time.Minute, time.Hour,
			[]string{"--min-ttl", "45m"}, true},
		{"--min-ttl near the lifetime", -5 * time.Minute, time.Hour,
			[]string{"--min-ttl", "59m"}, true},
		{"--force", -time.Minute, time.Hour, []string{"--force"}, true},
		// A token living 4m, no longer than min_ttl (5m), is renewed at half-life, not on
		// every call.
		{"short-lived, before half-life", -time.Minute, 4 * time.Minute, nil, false},
		{"short-lived, after half-life", -3 * time.Minute, 4 * time.Minute, nil, true},
		{"obtained in the future: clock went back", time.Hour, 2 * time.Hour, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t, standin.Options{}, "")
			obtained := now.Add(tt.obtained)
			expires := obtained.Add(tt.lifetime)
			seeded := w.srv.Issue(time.Until(expires))
			w.seed(seeded, obtained, expires)

			r := w.run(append([]string{"token", "--format", "raw"}, tt.args...)...)
			mustSucceed(t, r)
			got := strings.TrimSpace(r.stdout)
			if fetched := w.requests() == 1; fetched != tt.wantRequest {
				t.Fatalf("token requests %d, want a request: %v", w.requests(), tt.wantRequest)
			}
			if tt.wantRequest && (got == seeded || !w.srv.Valid(got)) {
				t.Errorf("printed the seeded token, or an invalid one, after a renewal")
			}
			if !tt.wantRequest && got != seeded {
				t.Errorf("printed a new token, want the cached one")
			}
		})
	}
}

func TestExpiryForms(t *testing.T) {
	tests := []struct {
		name       string
		resp       standin.Response
		wantCached bool
	}{
		{"exp in seconds", standin.OKSecondsExp(), true},
		{"expires_in only", standin.OKExpiresInOnly(), true},
		{"opaque token with expires_in", standin.OKOpaque(), true},
		{"no expiry at all", standin.OKNoExpiry(), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t, standin.Options{}, "")
			w.srv.Script(tt.resp)
			r := w.run("token")
			mustSucceed(t, r)
			tj := parseTokenJSON(t, r)
			if tt.wantCached {
				exp, err := time.Parse(time.RFC3339, tj.ExpiresAt)
				if d := time.Until(exp); err != nil || d < 58*time.Minute || d > 61*time.Minute {
					t.Errorf("expires_at %q, want about an hour away", tj.ExpiresAt)
				}
			} else {
				if tj.ExpiresAt != "" || !strings.Contains(r.stderr, "c3cred: warning: ") {
					t.Errorf("want no expires_at and a warning:\n%v", r)
				}
			}
			mustSucceed(t, w.run("token"))
			wantRequests := map[bool]int{true: 1, false: 2}[tt.wantCached]
			if got := w.requests(); got != wantRequests {
				t.Errorf("two calls made %d requests, want %d", got, wantRequests)
			}
		})
	}
}

func TestWrongSecret(t *testing.T) {
	w := newWorld(t, standin.Options{}, "")
	w.env["C3_TEST_SECRET"] = "not-the-secret"
	r := w.run("token")
	mustFail(t, r, 1, "invalid_client")
	if !strings.Contains(r.stderr, "c3cred: hint: ") {
		t.Errorf("want a hint about the secret:\n%v", r)
	}
	if strings.Contains(r.stderr, "not-the-secret") {
		t.Errorf("the wrong secret was printed:\n%v", r)
	}
	if got := w.requests(); got != 1 {
		t.Errorf("%d requests, want 1: a 401 is not retried", got)
	}
}

func TestTransientThenSuccess(t *testing.T) {
	w := newWorld(t, standin.Options{}, "")
	w.srv.Script(standin.Status(503), standin.Reset())
	r := w.run("token", "--format", "raw")
	mustSucceed(t, r)
	if !w.srv.Valid(strings.TrimSpace(r.stdout)) {
		t.Errorf("printed an invalid token")
	}
	if got := w.requests(); got != 3 {
		t.Errorf("%d requests, want 3 (503, reset, success)", got)
	}
}

func TestPersistentFailureEndsWithinTimeout(t *testing.T) {
	w := newWorld(t, standin.Options{}, "")
	w.edit(`timeout = "5s"`, `timeout = "2s"`)
	w.srv.SetDefault(standin.Status(500))
	r := w.run("token")
	mustFail(t, r, 1, "500")
	if r.elapsed > 3*time.Second {
		t.Errorf("took %v with a 2s timeout", r.elapsed)
	}
	if got := w.requests(); got < 2 {
		t.Errorf("%d requests, want retries", got)
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// TestParallelColdCallers starts 20, then 50, processes at once on an empty cache while the
// platform takes 300ms to answer: one token request between them, every one prints that token,
// and none waits past its timeout.
func TestParallelColdCallers(t *testing.T) {
	for _, n := range []int{20, 50} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			w := newWorld(t, standin.Options{}, "")
			w.srv.Script(standin.Delay(300*time.Millisecond, standin.OK()))
			results := make([]*result, n)
			var wg sync.WaitGroup
			for i := range n {
				wg.Go(func() { results[i] = w.run("token", "--format", "raw") })
			}
			wg.Wait()

			for _, r := range results {
				mustSucceed(t, r)
				if r.stdout != results[0].stdout || r.stderr != "" {
					t.Fatalf("callers differ: %q, then:\n%v", results[0].stdout, r)
				}
				if r.elapsed > 5*time.Second {
					t.Errorf("a caller took %v, past its timeout", r.elapsed)
				}
			}
			if !w.srv.Valid(strings.TrimSpace(results[0].stdout)) {
				t.Errorf("the callers printed a token the stand-in does not know")
			}
			if got := w.requests(); got != 1 {
				t.Errorf("%d callers made %d token requests, want 1", n, got)
			}
		})
	}
}

// TestKilledHolder kills, with SIGKILL, a c3cred that holds the lock while its request hangs; the
// next caller must not wait for it.
func TestKilledHolder(t *testing.T) {
	w := newWorld(t, standin.Options{}, "")
	w.srv.Script(standin.Hang())
	holder := w.command("token")
	if err := holder.Start(); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(5 * time.Second); w.requests() == 0; {
		if time.Now().After(deadline) {
			t.Fatal("the holder never reached the token endpoint")
		}
		time.Sleep(10 * time.Millisecond)
	}
	holder.Process.Signal(syscall.SIGKILL)
	holder.Wait()

	r := w.run("token", "--format", "raw")
	mustSucceed(t, r)
	if r.elapsed > 2*time.Second {
		t.Errorf("the next caller took %v after the holder died", r.elapsed)
	}
	if got := w.requests(); got != 2 {
		t.Errorf("%d requests, want 2", got)
	}
}

func TestCorruptCacheIsAMiss(t *testing.T) {
	w := newWorld(t, standin.Options{}, "")
	mustSucceed(t, w.run("token"))
	if err := os.WriteFile(w.cacheFile(), []byte("{\"v\":1,\"key\":"), 0o600); err != nil {
		t.Fatal(err)
	}
	r := w.run("token", "--format", "raw")
	mustSucceed(t, r)
	if !w.srv.Valid(strings.TrimSpace(r.stdout)) || w.requests() != 2 {
		t.Errorf("want a fresh valid token after a corrupt entry; requests %d", w.requests())
	}
	mustSucceed(t, w.run("token"))
	if w.requests() != 2 {
		t.Errorf("the repaired entry was not used: %d requests", w.requests())
	}
}

// TestStaleWhileFailing: the cached token is inside min_ttl but unexpired and the platform fails:
// the cached token is printed with a warning, exit 0.
func TestStaleWhileFailing(t *testing.T) {
	w := newWorld(t, standin.Options{}, "")
	w.srv.SetDefault(standin.Status(503))
	obtained := time.Now().Add(-57 * time.Minute)
	seeded := w.srv.Issue(3 * time.Minute)
	w.seed(seeded, obtained, obtained.Add(time.Hour))
	w.edit(`timeout = "5s"`, `timeout = "1s"`)

	r := w.run("token", "--format", "raw")
	mustSucceed(t, r)
	if strings.TrimSpace(r.stdout) != seeded {
		t.Errorf("want the cached token on stdout:\n%v", r)
	}
	if !strings.Contains(r.stderr, "c3cred: warning: ") || !strings.Contains(r.stderr, "503") {
		t.Errorf("want a warning naming the failure:\n%v", r)
	}
}

// TestNoSessionBusFallsBackToFile: with auto and a bus address that leads nowhere, the file cache
// serves; with cache = "keyring" the same is an error.
func TestNoSessionBusFallsBackToFile(t *testing.T) {
	w := newWorld(t, standin.Options{}, "")
	w.edit(`cache = "file"`, `cache = "auto"`)
	w.env["DBUS_SESSION_BUS_ADDRESS"] = "unix:path=" + w.root + "/no-such-bus"
	mustSucceed(t, w.run("token"))
	mustSucceed(t, w.run("token"))
	if got := w.requests(); got != 1 {
		t.Errorf("%d requests, want 1: the file fallback should cache", got)
	}
	if _, err := os.Stat(w.cacheFile()); err != nil {
		t.Errorf("no file cache entry: %v", err)
	}

	w.edit(`cache = "auto"`, `cache = "keyring"`)
	mustFail(t, w.run("token", "--force"), 1, "keyring is unavailable")
}

// TestRealKeyring caches in the session's Secret Service and reads the secret from it.
func TestRealKeyring(t *testing.T) {
	w := newWorld(t, standin.Options{}, "")
	w.useKeyring()
	w.edit(`cache = "file"`, `cache = "keyring"`, `client_secret_env = "C3_TEST_SECRET"`, "")
	delete(w.env, "C3_TEST_SECRET")
	t.Cleanup(func() { w.run("secret", "delete"); w.run("logout") })

	mustFail(t, w.run("token"), 1, "no client secret")
	mustSucceed(t, w.runIn(w.srv.ClientSecret+"\n", "secret", "set"))

	mustSucceed(t, w.run("token"))
	mustSucceed(t, w.run("token"))
	if got := w.requests(); got != 1 {
		t.Errorf("%d requests, want 1", got)
	}
	if _, err := os.Stat(w.cacheFile()); !os.IsNotExist(err) {
		t.Errorf("a file cache entry exists with cache = keyring: %v", err)
	}
	status := w.run("status")
	mustSucceed(t, status)
	if !strings.Contains(status.stdout, "keyring") || !strings.Contains(status.stdout, "left") {
		t.Errorf("status does not show the keyring entry:\n%v", status)
	}

	mustSucceed(t, w.run("logout"))
	mustSucceed(t, w.run("token"))
	if got := w.requests(); got != 2 {
		t.Errorf("after logout: %d requests, want 2", got)
	}
	mustSucceed(t, w.run("secret", "delete"))
	mustSucceed(t, w.run("logout"))
	mustFail(t, w.run("token"), 1, "no client secret")
}

func TestEnvironmentProfile(t *testing.T) {
	w := newWorld(t, standin.Options{}, "")
	os.Remove(w.configPath())
	w.env["C3CRED_URL"] = w.srv.URL
	w.env["C3CRED_CLIENT_ID"] = w.srv.ClientID
	w.env["C3CRED_CLIENT_SECRET"] = w.srv.ClientSecret
	r := w.run("token", "--format", "raw")
	mustSucceed(t, r)
	if !w.srv.Valid(strings.TrimSpace(r.stdout)) {
		t.Errorf("invalid token from the environment profile")
	}
}

func TestUsageAndFailures(t *testing.T) {
	w := newWorld(t, standin.Options{}, "")
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"no command", nil, 2, "no command"},
		{"unknown command", []string{"tokn"}, 2, `unknown command "tokn"`},
		{"unknown flag", []string{"token", "--frmat", "raw"}, 2, "frmat"},
		{"bad format", []string{"token", "--format", "xml"}, 2, `unknown format "xml"`},
		{"stray argument", []string{"token", "extra"}, 2, "no arguments"},
		{"unknown profile", []string{"token", "--profile", "nope"}, 1, `unknown profile "nope"`},
		{"missing config", []string{"token", "--config", "/nonexistent/c.toml"}, 1,
			"/nonexistent/c.toml"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mustFail(t, w.run(tt.args...), tt.code, tt.want)
		})
	}
	if w.requests() != 0 {
		t.Errorf("usage errors made %d token requests", w.requests())
	}
}

func TestHelpEverywhere(t *testing.T) {
	w := newWorld(t, standin.Options{}, "")
	for _, args := range [][]string{{"help"}, {"--help"}, {"token", "--help"}, {"help", "token"}} {
		r := w.run(args...)
		mustSucceed(t, r)
		if !strings.Contains(r.stdout, "usage: c3cred") {
			t.Errorf("%v: no usage on stdout:\n%v", args, r)
		}
	}
}

// TestVerboseKeepsSecrets runs a verbose fetch and a verbose cache hit; the leak scan at cleanup
// checks stderr, and here the steps must be there.
func TestVerboseLogsSteps(t *testing.T) {
	w := newWorld(t, standin.Options{}, "")
	first := w.run("token", "--verbose")
	mustSucceed(t, first)
	w.env["C3CRED_DEBUG"] = "1"
	second := w.run("token")
	mustSucceed(t, second)
	for _, want := range []string{"cache miss", "lock", "token request", "200"} {
		if !strings.Contains(first.stderr, want) {
			t.Errorf("verbose fetch does not log %q:\n%s", want, first.stderr)
		}
	}
	if !strings.Contains(second.stderr, "cache hit") {
		t.Errorf("C3CRED_DEBUG=1 does not log the cache hit:\n%s", second.stderr)
	}
}
