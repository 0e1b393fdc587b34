package cache

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/gofrs/flock"
)

// lockPoll is how often a waiting process retries the lock. The holder is making one HTTP request,
// so waiters learn of the new token within a few milliseconds of it being saved.
const lockPoll = 10 * time.Millisecond

// Lock takes the lock file for key in dir, waiting until ctx is done. The lock lives in the kernel,
// not in the file's contents, so it is released when the holder exits or is killed, and a stale
// file never blocks anyone. Call the returned function to release it.
func Lock(ctx context.Context, dir, key string) (unlock func(), err error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("could not create lock folder: %w", err)
	}
	fl := flock.New(filepath.Join(dir, key+".lock"), flock.SetPermissions(0o600))
	ok, err := fl.TryLockContext(ctx, lockPoll)
	if err != nil && ctx.Err() == nil {
		return nil, fmt.Errorf("could not lock %s: %w", fl.Path(), err)
	}
	if !ok {
		return nil, fmt.Errorf("gave up waiting for another c3cred to finish: %w", ctx.Err())
	}
	return func() { fl.Unlock() }, nil
}
