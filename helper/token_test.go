package helper

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/zalando/go-keyring"

	"c3cred/cache"
)

// flow is a Helper under test: a clock the test sets, a state folder of its own, a log kept in
// a buffer, and a token endpoint that counts its requests.
type flow struct {
	t        *testing.T
	h        *Helper
	p        *Profile
	now      time.Time
	log      bytes.Buffer
	requests atomic.Int32
}

// newFlow starts a token endpoint that answers with serve, or with an opaque token living an
// hour when serve is nil, and a profile using cacheMode for it.
func newFlow(t *testing.T, cacheMode string, serve http.HandlerFunc) *flow {
	t.Helper()
	f := &flow{t: t, now: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
	if serve == nil {
		serve = func(w http.ResponseWriter, _ *http.Request) {
			fmt.Fprintf(w, `{"access_token":"tok-%d","token_type":"bearer","expires_in":3600}`,
				f.requests.Load())
		}
	}
	f.p = tokenServer(t, func(w http.ResponseWriter, r *http.Request) {
		f.requests.Add(1)
		r.ParseForm() // read the body whole, so that the server notices the client leaving
		serve(w, r)
	})
	f.p.ClientSecret, f.p.Cache, f.p.Timeout = "s", cacheMode, Duration(5*time.Second)
	if err := f.p.normalize(); err != nil {
		t.Fatal(err)
	}
	noBus := &cache.Keyring{Getenv: func(string) string { return "" }}
	f.h = &Helper{Getenv: func(string) string { return "" }, Stderr: &f.log,
		Log: &Log{W: &f.log}, StateDir: t.TempDir(), Keyring: noBus,
		Now: func() time.Time { return f.now }}
	return f
}

// token runs the flow once and fails the test on an error.
func (f *flow) token() *Token {
	f.t.Helper()
	tok, err := f.h.Token(context.Background(), f.p, Options{})
	if err != nil {
		f.t.Fatalf("Token: %v", err)
	}
	return tok
}

// TestTokenAcrossClockJumps moves the clock of one cache back and forth between runs.
func TestTokenAcrossClockJumps(t *testing.T) {
	f := newFlow(t, "file", nil)
	steps := []struct {
		name      string
		move      time.Duration
		wantFetch bool
	}{
		{"first call", 0, true},
		{"ten minutes on", 10 * time.Minute, false},
		{"clock set back two hours", -2 * time.Hour, true},
		{"clock back where the entry was made", 0, false},
		{"clock jumps a year ahead", 365 * 24 * time.Hour, true},
		{"a minute on", time.Minute, false},
	}
	for _, s := range steps {
		f.now = f.now.Add(s.move)
		before := f.requests.Load()
		tok := f.token()
		if fetched := f.requests.Load() > before; fetched != s.wantFetch || tok.Cached == fetched {
			t.Errorf("%s: fetched %v (token cached %v), want a fetch: %v", s.name, fetched,
				tok.Cached, s.wantFetch)
		}
		if want := f.now.Add(time.Hour); s.wantFetch && !tok.ExpiresAt.Equal(want) {
			t.Errorf("%s: expires at %v, want an hour from the clock's now, %v", s.name,
				tok.ExpiresAt, want)
		}
	}
}

// TestRetriesStopAtCachedExpiry: with the platform failing and a cached token 400ms from expiry,
// the retries stop by then, although the timeout is 5s, and the cached token answers.
func TestRetriesStopAtCachedExpiry(t *testing.T) {
	f := newFlow(t, "file", func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, `{"error":"temporarily_unavailable"}`, http.StatusServiceUnavailable)
	})
	store := f.h.Store(f.p)
	e := cache.Entry{AccessToken: "cached", ObtainedAt: f.now.Add(-time.Hour),
		ExpiresAt: f.now.Add(400 * time.Millisecond)}
	if err := store.Save(f.p.CacheKey(), e); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	tok := f.token()
	if took := time.Since(start); took > time.Second {
		t.Errorf("retried for %v, past the cached token's expiry", took)
	}
	if tok.AccessToken != "cached" || !strings.Contains(f.log.String(), "warning: ") {
		t.Errorf("got %q with log %q; want the cached token and a warning", tok.AccessToken, &f.log)
	}
}

// TestTokenStoppedByCaller cancels the caller's context (a signal, at the CLI) mid-request with
// a working token cached: the flow fails, naming the cause, instead of answering.
func TestTokenStoppedByCaller(t *testing.T) {
	arrived := make(chan struct{}, 1)
	f := newFlow(t, "file", func(_ http.ResponseWriter, r *http.Request) {
		arrived <- struct{}{}
		<-r.Context().Done()
	})
	store := f.h.Store(f.p)
	e := cache.Entry{AccessToken: "cached", ObtainedAt: f.now.Add(-57 * time.Minute),
		ExpiresAt: f.now.Add(3 * time.Minute)}
	if err := store.Save(f.p.CacheKey(), e); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancelCause(context.Background())
	go func() { <-arrived; cancel(errors.New("interrupt signal received")) }()

	tok, err := f.h.Token(ctx, f.p, Options{})
	if err == nil || !strings.Contains(err.Error(), "stopped before a token came: interrupt") {
		t.Fatalf("got %v, %v; want an error naming the interrupt", tok, err)
	}
	if got, err := store.Load(f.p.CacheKey()); err != nil || got.AccessToken != "cached" {
		t.Errorf("the cached entry was lost: %+v, %v", got, err)
	}
}

// TestTokenTooBigForKeyring: a keyring that refuses the entry for its size (Windows, macOS) sends
// it to the file under cache = "auto", which then serves it; under cache = "keyring" the token is
// still handed out, with a warning that it could not be cached.
func TestTokenTooBigForKeyring(t *testing.T) {
	keyring.MockInitWithError(keyring.ErrSetDataTooBig)
	t.Cleanup(keyring.MockInit)
	tests := []struct {
		cache    string
		wantWarn string
		cached   bool
	}{
		{"auto", "refused the token for its size; cached it in a file", true},
		{"keyring", "could not cache the token in the keyring: token too large", false},
	}
	for _, tt := range tests {
		t.Run(tt.cache, func(t *testing.T) {
			f := newFlow(t, tt.cache, nil)
			f.h.Keyring = &cache.Keyring{Getenv: func(k string) string {
				return map[string]string{"DBUS_SESSION_BUS_ADDRESS": "unix:path=/mock"}[k]
			}}
			first, second := f.token(), f.token()
			if !strings.Contains(f.log.String(), tt.wantWarn) {
				t.Errorf("log %q, want a warning saying %q", &f.log, tt.wantWarn)
			}
			wantRequests := map[bool]int32{true: 1, false: 2}[tt.cached]
			if second.Cached != tt.cached || f.requests.Load() != wantRequests {
				t.Errorf("second call cached %v after %d requests, want cached %v", second.Cached,
					f.requests.Load(), tt.cached)
			}
			if tt.cached && second.AccessToken != first.AccessToken {
				t.Errorf("second call answered %q, want the first token %q", second.AccessToken,
					first.AccessToken)
			}
		})
	}
}
