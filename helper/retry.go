package helper

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"
)

// Backoff between attempts: the first wait, its growth cap.
const (
	firstBackoff = 250 * time.Millisecond
	maxBackoff   = 2 * time.Second
)

// retry calls attempt until it succeeds, fails for good, or ctx leaves no time for another try.
// Connection failures, 429 and 5xx are worth another try; a Retry-After header sets the wait.
// When time runs out during an attempt, the failure reported is the previous attempt's: "ran out
// of time" would hide what the server kept doing.
func retry[T any](ctx context.Context, log *Log,
	attempt func(context.Context) (T, error)) (T, error) {
	backoff := firstBackoff
	var last error
	for n := 1; ; n++ {
		v, err := attempt(ctx)
		if last != nil && errors.Is(err, context.DeadlineExceeded) {
			return v, fmt.Errorf("%w (gave up after %d attempts: no time left)", last, n)
		}
		if err == nil || !transient(err) {
			return v, err
		}
		last = err

		wait, asked := jitter(backoff), false
		var terr *TokenError
		if errors.As(err, &terr) && terr.RetryAfter > 0 {
			wait, asked = terr.RetryAfter, true
		}
		if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) < wait {
			return v, giveUp(err, n, wait, asked)
		}
		log.Debugf("attempt %d failed, retrying in %v", n, wait.Round(time.Millisecond))
		select {
		case <-ctx.Done():
			return v, err
		case <-time.After(wait):
		}
		backoff = min(2*backoff, maxBackoff)
	}
}

// giveUp explains a retry that would end past the deadline: a server's Retry-After is honoured,
// never slept through beyond the time left.
func giveUp(err error, attempts int, wait time.Duration, asked bool) error {
	if asked {
		return fmt.Errorf("%w (it asked to retry in %v, more than the time left)", err, wait)
	}
	return fmt.Errorf("%w (gave up after %d attempts: no time left to retry)", err, attempts)
}

// transient reports whether err may clear up on its own.
func transient(err error) bool {
	var terr *TokenError
	if errors.As(err, &terr) {
		return terr.Temporary()
	}
	var nerr *netError
	return errors.As(err, &nerr)
}

// jitter spreads d by ±20% so that many callers retrying at once do not stay in step.
func jitter(d time.Duration) time.Duration {
	return time.Duration(float64(d) * (0.8 + 0.4*rand.Float64()))
}
