package e2e

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"c3cred/standin"
)

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
