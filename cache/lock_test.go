package cache

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestLockExcludes(t *testing.T) {
	dir := t.TempDir()
	var inside, most atomic.Int32
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			unlock, err := Lock(ctx, dir, "k")
			if err != nil {
				t.Error(err)
				return
			}
			n := inside.Add(1)
			if n > most.Load() {
				most.Store(n)
			}
			time.Sleep(5 * time.Millisecond)
			inside.Add(-1)
			unlock()
		}()
	}
	wg.Wait()
	if got := most.Load(); got != 1 {
		t.Errorf("%d holders at once, want 1", got)
	}
}

func TestLockWaitIsBounded(t *testing.T) {
	dir := t.TempDir()
	unlock, err := Lock(context.Background(), dir, "k")
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err = Lock(ctx, dir, "k")
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("got %v, want a deadline error", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("waited %v for a 100ms deadline", d)
	}
	other, err := Lock(context.Background(), dir, "other")
	if err != nil {
		t.Fatalf("a different key is blocked: %v", err)
	}
	other()
}

// TestLockSurvivesKilledHolder starts a process that takes the lock and is then killed with
// SIGKILL; the next caller must get the lock at once.
func TestLockSurvivesKilledHolder(t *testing.T) {
	if os.Getenv("C3CRED_LOCK_HOLDER") != "" {
		holdLockForever(os.Getenv("C3CRED_LOCK_HOLDER"))
		return
	}
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestLockSurvivesKilledHolder$")
	cmd.Env = append(os.Environ(), "C3CRED_LOCK_HOLDER="+dir)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	ready := make([]byte, 1)
	if _, err := stdout.Read(ready); err != nil {
		t.Fatalf("holder did not report the lock: %v", err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	_, err = Lock(ctx, dir, "k")
	cancel()
	if err == nil {
		t.Fatal("took the lock while the holder lives")
	}
	cmd.Process.Kill()
	cmd.Wait()

	ctx, cancel = context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	unlock, err := Lock(ctx, dir, "k")
	if err != nil {
		t.Fatalf("lock after the holder was killed: %v", err)
	}
	unlock()
	if _, err := os.Stat(filepath.Join(dir, "k.lock")); err != nil {
		t.Errorf("lock file: %v", err)
	}
}

func holdLockForever(dir string) {
	if _, err := Lock(context.Background(), dir, "k"); err != nil {
		os.Exit(3)
	}
	os.Stdout.Write([]byte("L"))
	time.Sleep(time.Minute)
	os.Exit(4)
}
