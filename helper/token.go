package helper

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"time"

	"c3cred/cache"
	"c3cred/jwtinfo"
)

// Helper gets tokens for profiles. Its fields are what the flow needs from the world outside the
// profile; tests replace them.
type Helper struct {
	// Getenv reads the environment.
	Getenv func(string) string
	// Stderr receives what a client_secret_command writes to its stderr.
	Stderr io.Writer
	// Log receives warnings and, when verbose, the steps of the flow.
	Log *Log
	// StateDir holds the file cache and the lock files.
	StateDir string
	// Keyring is the keyring shared by the token cache and the secret store.
	Keyring *cache.Keyring
	// Now is the clock.
	Now func() time.Time
	// Interrupt, if set, derives the context of a refresh (the lock wait and the token request)
	// from Token's; the CLI makes it end on SIGINT or SIGTERM. It is called only when the cache
	// cannot answer, so that a cached token costs no signal handling.
	Interrupt func(context.Context) (context.Context, context.CancelFunc)
}

// Options adjust one token request.
type Options struct {
	// MinTTL, if set, overrides the profile's min_ttl.
	MinTTL time.Duration
	// Force skips the cache and fetches a new token.
	Force bool
}

// Token is an access token and what is known of its life.
type Token struct {
	// AccessToken is the bearer token.
	AccessToken string
	// ExpiresAt is when it stops working, or the zero time if that is unknown.
	ExpiresAt time.Time
	// Cached reports that it came from the cache.
	Cached bool
}

// Token returns a token for p: the cached one while it has enough life left, else a new one.
//
// Concurrent callers for one profile make one request: each takes the profile's lock and reads the
// cache again before fetching, so all but the first find the token the first one saved. When a
// refresh fails while the cached token still works, the cached token is returned with a warning.
func (h *Helper) Token(parent context.Context, p *Profile, opt Options) (*Token, error) {
	if h.Keyring != nil {
		// The timeout bounds the whole call, so no keyring call may wait longer.
		h.Keyring.Wait = min(cache.DefaultKeyringWait, time.Duration(p.Timeout))
	}
	store := h.Store(p)
	key := p.CacheKey()
	minTTL := time.Duration(p.MinTTL)
	if opt.MinTTL > 0 {
		minTTL = opt.MinTTL
	}

	if !opt.Force {
		e, fresh, err := h.lookup(store, key, minTTL)
		if err != nil {
			return nil, fmt.Errorf("profile %q: %w", p.Name, err)
		}
		if fresh {
			return cachedToken(e), nil
		}
	}
	return h.refresh(parent, p, opt, store, key, minTTL)
}

// refresh gets a new token for p under the profile's lock, unless another process has just saved
// one, and caches it. The timeout and the signal watch start here, after the cache has had its
// say: a timer and a signal handler each start runtime machinery a cache hit has no use for.
func (h *Helper) refresh(parent context.Context, p *Profile, opt Options, store cache.Store,
	key string, minTTL time.Duration) (*Token, error) {
	start := h.Now()
	if h.Interrupt != nil {
		var stop context.CancelFunc
		parent, stop = h.Interrupt(parent)
		defer stop()
	}
	ctx, cancel := context.WithTimeout(parent, time.Duration(p.Timeout))
	defer cancel()

	h.Log.Debugf("profile %s: waiting for the refresh lock", p.Name)
	unlock, err := h.lock(ctx, p, key)
	if err != nil {
		return h.fallBack(parent, p, store, key, fmt.Errorf("profile %q: %w", p.Name, err))
	}
	defer unlock()
	h.Log.Debugf("profile %s: took the lock after %v", p.Name,
		h.Now().Sub(start).Round(time.Millisecond))

	e, fresh, err := h.lookup(store, key, minTTL)
	if err != nil {
		return nil, fmt.Errorf("profile %q: %w", p.Name, err)
	}
	if fresh && (!opt.Force || e.ObtainedAt.After(start)) {
		return cachedToken(e), nil
	}

	tok, err := h.fetch(ctx, p, e)
	if err != nil {
		return h.fallBack(parent, p, store, key, err)
	}

	if tok.ExpiresAt.IsZero() {
		h.Log.Warnf("profile %s: the token says nothing of its expiry (no exp claim, no expires_in); "+
			"it is not cached", p.Name)
		return tok, nil
	}
	entry := cache.Entry{AccessToken: tok.AccessToken, ExpiresAt: tok.ExpiresAt,
		ObtainedAt: h.Now()}
	if err := store.Save(key, entry); err != nil {
		h.Log.Warnf("profile %s: could not cache the token in the %s: %v", p.Name, store.Name(),
			err)
	}
	return tok, nil
}

// lookup reads the cache. It reports the entry it found, if any, and whether it is fresh enough
// to hand out. Its only error is a keyring that cannot be reached when cache = "keyring" asks for
// nothing else: then fetching would only make a token that cannot be kept.
func (h *Helper) lookup(store cache.Store, key string,
	minTTL time.Duration) (cache.Entry, bool, error) {
	e, err := store.Load(key)
	_, keyringOnly := store.(*cache.Keyring)
	if keyringOnly && errors.Is(err, cache.ErrUnavailable) {
		return e, false, withHint(fmt.Errorf("cache = \"keyring\", but the %w", err),
			`set cache = "auto" to fall back to a file where no keyring runs`)
	}
	if err != nil {
		h.Log.Debugf("cache miss (%s): %v", store.Name(), err)
		return e, false, nil
	}
	fresh := Fresh(e, minTTL, h.Now())
	if h.Log.Debugging() { // the fingerprint hashes the token: not work for every cache hit
		h.Log.Debugf("cache hit (%s): token %s, %v left, fresh=%v", store.Name(),
			Fingerprint(e.AccessToken), e.ExpiresAt.Sub(h.Now()).Round(time.Second), fresh)
	}
	return e, fresh, nil
}

// Fresh reports whether a cached token may be handed out at now: it must have more than minTTL
// left. A token whose whole life is no longer than minTTL could never pass that, and would be
// fetched again on every call; it is renewed at half-life instead.
// An entry obtained in the future means the clock went back: its age is unknown, so it is stale.
func Fresh(e cache.Entry, minTTL time.Duration, now time.Time) bool {
	if clockWentBack(e, now) {
		return false
	}
	margin := minTTL
	if life := e.ExpiresAt.Sub(e.ObtainedAt); life <= minTTL {
		margin = life / 2
	}
	return e.ExpiresAt.Sub(now) > margin
}

// clockWentBack reports whether e was obtained later than now, beyond a minute's skew: the clock
// was set back since, and how long the token has left is not known.
func clockWentBack(e cache.Entry, now time.Time) bool {
	return now.Before(e.ObtainedAt.Add(-time.Minute))
}

// lock takes the profile's refresh lock. A lock that cannot be made at all, in a state folder that
// cannot be written, costs only single flight: the refresh goes ahead without it, with a warning.
func (h *Helper) lock(ctx context.Context, p *Profile, key string) (unlock func(), err error) {
	unlock, err = cache.Lock(ctx, filepath.Join(h.StateDir, "locks"), key)
	if err != nil && ctx.Err() == nil {
		h.Log.Warnf("profile %s: %v; refreshing without the lock", p.Name, err)
		return func() {}, nil
	}
	return unlock, err
}

// fallBack answers a failed refresh: with the cached token, if it has not yet expired, else
// with the failure. A refresh stopped by the caller (SIGINT, SIGTERM) is a failure whatever the
// cache holds: the user asked c3cred to stop, not to answer.
func (h *Helper) fallBack(parent context.Context, p *Profile, store cache.Store, key string,
	cause error) (*Token, error) {
	if parent.Err() != nil {
		return nil, fmt.Errorf("profile %q: stopped before a token came: %v", p.Name,
			context.Cause(parent))
	}
	e, err := store.Load(key)
	if now := h.Now(); err != nil || !now.Before(e.ExpiresAt) || clockWentBack(e, now) {
		return nil, cause
	}
	h.Log.Warnf("%v; using the cached token, which expires in %v", cause,
		e.ExpiresAt.Sub(h.Now()).Round(time.Second))
	return cachedToken(e), nil
}

func cachedToken(e cache.Entry) *Token {
	return &Token{AccessToken: e.AccessToken, ExpiresAt: e.ExpiresAt, Cached: true}
}

// fetch gets a new token, retrying transient failures with backoff until ctx ends. When a cached
// entry still works it is the answer should the refresh fail, so the refresh may not outlast it.
func (h *Helper) fetch(ctx context.Context, p *Profile, cached cache.Entry) (*Token, error) {
	if left := cached.ExpiresAt.Sub(h.Now()); cached.AccessToken != "" && left > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, left)
		defer cancel()
	}
	secret, err := h.secret(ctx, p)
	if err != nil {
		return nil, err
	}
	client, err := newHTTPClient(p)
	if err != nil {
		return nil, err
	}

	reply, err := retry(ctx, h.Log, func(ctx context.Context) (*tokenReply, error) {
		began := time.Now()
		reply, err := requestToken(ctx, client, p, secret)
		h.Log.Debugf("token request to %s: %s in %v", p.TokenURL, outcome(err),
			time.Since(began).Round(time.Millisecond))
		return reply, err
	})
	if err != nil {
		return nil, explain(p, err)
	}
	return h.newToken(p, reply)
}

// newToken reads a fresh token's expiry: the JWT's exp, else expires_in, else unknown.
func (h *Helper) newToken(p *Profile, reply *tokenReply) (*Token, error) {
	now := h.Now()
	tok := &Token{AccessToken: reply.AccessToken}
	info, err := jwtinfo.Parse(reply.AccessToken)
	switch {
	case err == nil && info.ExpUnit != jwtinfo.NoExp:
		tok.ExpiresAt = info.Expiry
		h.Log.Debugf("token %s: exp read in %s", Fingerprint(tok.AccessToken), info.ExpUnit)
	case err != nil && !errors.Is(err, jwtinfo.ErrNotJWT):
		return nil, fmt.Errorf("profile %q: the new token's %v", p.Name, err)
	case reply.ExpiresIn != "":
		secs, err := reply.ExpiresIn.Int64()
		if err != nil || secs <= 0 || secs > 10*365*24*3600 {
			return nil, fmt.Errorf("profile %q: token endpoint sent expires_in %.20q, "+
				"not a positive number of seconds", p.Name, reply.ExpiresIn.String())
		}
		tok.ExpiresAt = now.Add(time.Duration(secs) * time.Second)
	}
	if !tok.ExpiresAt.IsZero() && !tok.ExpiresAt.After(now) {
		return nil, withHint(fmt.Errorf("profile %q: the new token expired at %s, before it arrived",
			p.Name, tok.ExpiresAt.Format(time.RFC3339)), "check this machine's clock")
	}
	return tok, nil
}

// explain adds the profile and, where it helps, a hint to a fetch failure.
func explain(p *Profile, err error) error {
	err = fmt.Errorf("profile %q: %w", p.Name, err)
	var terr *TokenError
	if errors.As(err, &terr) && terr.Code == "invalid_client" {
		return withHint(err, fmt.Sprintf("the platform refused client id %s and its secret; "+
			"check the secret (c3cred secret set --profile %s)", p.ClientID, p.Name))
	}
	return err
}

func outcome(err error) string {
	var terr *TokenError
	switch {
	case err == nil:
		return "200 OK"
	case errors.As(err, &terr):
		return fmt.Sprintf("%d", terr.Status)
	}
	return "failed"
}
