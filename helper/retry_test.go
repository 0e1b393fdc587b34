package helper

import (
	"context"
	"errors"
	"io"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestRetry runs retry against scripted attempts and checks how many ran and what it reports.
func TestRetry(t *testing.T) {
	reset := &netError{host: "h", msg: "connection reset by peer", err: syscall.ECONNRESET}
	refused := &TokenError{Status: 401, Code: "invalid_client"}
	unavailable := &TokenError{Status: 503}
	tests := []struct {
		name     string
		timeout  time.Duration
		script   []error // one per attempt; an attempt past the script waits for the deadline
		attempts int
		want     error  // errors.Is target; nil for success
		wantText string // in the error's text
	}{
		{"success at once", time.Second, []error{nil}, 1, nil, ""},
		{"reset, then success", 2 * time.Second, []error{reset, nil}, 2, nil, ""},
		{"503, then success", 2 * time.Second, []error{unavailable, nil}, 2, nil, ""},
		{"401 is not retried", 2 * time.Second, []error{refused, nil}, 1, refused, "401"},
		{"time runs out during an attempt: the last failure is reported", 600 * time.Millisecond,
			[]error{reset}, 2, syscall.ECONNRESET, "gave up after 2 attempts"},
		{"no time for the next wait", 100 * time.Millisecond, []error{reset, reset}, 1,
			syscall.ECONNRESET, "no time left to retry"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), tt.timeout)
			defer cancel()
			n := 0
			_, err := retry(ctx, &Log{W: io.Discard}, func(ctx context.Context) (int, error) {
				n++
				if n > len(tt.script) {
					<-ctx.Done()
					return 0, ctx.Err()
				}
				return n, tt.script[n-1]
			})
			switch {
			case n != tt.attempts:
				t.Errorf("%d attempts, want %d", n, tt.attempts)
			case tt.want == nil && err != nil:
				t.Errorf("got %v, want success", err)
			case tt.want != nil && (!errors.Is(err, tt.want) ||
				!strings.Contains(err.Error(), tt.wantText)):
				t.Errorf("got %v, want %v saying %q", err, tt.want, tt.wantText)
			}
		})
	}
}
