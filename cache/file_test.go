package cache

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func testEntry(token string) Entry {
	now := time.Now().UTC().Truncate(time.Second)
	return Entry{AccessToken: token, ExpiresAt: now.Add(time.Hour), ObtainedAt: now}
}

func TestFileRoundTrip(t *testing.T) {
	f := &File{Dir: filepath.Join(t.TempDir(), "state", "tokens")}
	key := Key("prod", "https://h/a", "https://h/a/oauth/token", "id")
	if _, err := f.Load(key); !errors.Is(err, ErrMiss) {
		t.Fatalf("Load on empty store: got %v, want ErrMiss", err)
	}
	want := testEntry("tok-1")
	if err := f.Save(key, want); err != nil {
		t.Fatalf("Save: %v", err)
	}
	got, err := f.Load(key)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if got.AccessToken != want.AccessToken || !got.ExpiresAt.Equal(want.ExpiresAt) {
		t.Errorf("got %+v, want %+v", got, want)
	}
	assertMode(t, f.Dir, 0o700)
	assertMode(t, f.path(key), 0o600)

	if err := f.Delete(key); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if err := f.Delete(key); err != nil {
		t.Fatalf("second Delete: %v", err)
	}
	if _, err := f.Load(key); !errors.Is(err, ErrMiss) {
		t.Fatalf("Load after Delete: got %v, want ErrMiss", err)
	}
}

func assertMode(t *testing.T, path string, want os.FileMode) {
	t.Helper()
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := info.Mode().Perm(); got != want {
		t.Errorf("%s: mode %v, want %v", path, got, want)
	}
}

func TestFileBadEntriesMiss(t *testing.T) {
	key := Key("p", "u", "t", "c")
	good, _ := encode(key, testEntry("tok"))
	other, _ := encode(Key("q", "u", "t", "c"), testEntry("tok"))
	tests := []struct {
		name string
		data string
	}{
		{"garbage", "\x00\x01not json"},
		{"truncated", string(good[:len(good)/2])},
		{"empty", ""},
		{"older format", strings.Replace(string(good), `"v":1`, `"v":0`, 1)},
		{"another key", string(other)},
		{"no token", strings.Replace(string(good), `"access_token":"tok"`, `"access_token":""`, 1)},
		{"huge", strings.Repeat("x", 1<<20)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &File{Dir: t.TempDir()}
			if err := os.WriteFile(f.path(key), []byte(tt.data), 0o600); err != nil {
				t.Fatal(err)
			}
			if _, err := f.Load(key); !errors.Is(err, ErrMiss) {
				t.Errorf("got %v, want ErrMiss", err)
			}
			if err := f.Save(key, testEntry("new")); err != nil {
				t.Fatalf("Save over a bad entry: %v", err)
			}
			if e, err := f.Load(key); err != nil || e.AccessToken != "new" {
				t.Errorf("after Save: got %+v, %v", e, err)
			}
		})
	}
}

func TestFileLoosePermissions(t *testing.T) {
	var warned []string
	dir := filepath.Join(t.TempDir(), "tokens")
	f := &File{Dir: dir, Warn: func(format string, args ...any) {
		warned = append(warned, fmt.Sprintf(format, args...))
	}}
	key := Key("p", "u", "t", "c")
	if err := f.Save(key, testEntry("tok")); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(f.path(key), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Load(key); !errors.Is(err, ErrMiss) {
		t.Fatalf("Load of a world-readable entry: got %v, want ErrMiss", err)
	}
	if len(warned) != 1 || !strings.Contains(warned[0], "lets others read it") {
		t.Errorf("warnings %q, want one about the mode", warned)
	}

	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := f.Save(key, testEntry("tok2")); err != nil {
		t.Fatal(err)
	}
	assertMode(t, dir, 0o700)
	assertMode(t, f.path(key), 0o600)
}

// TestFileSaveFailsCleanly saves where the folder path is a file, which fails even for root (who
// writes through folder permissions): the write fails with an error and leaves no temporary
// file behind.
func TestFileSaveFailsCleanly(t *testing.T) {
	parent := t.TempDir()
	blocker := filepath.Join(parent, "tokens")
	if err := os.WriteFile(blocker, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	f := &File{Dir: blocker}
	if err := f.Save("k", testEntry("tok")); err == nil {
		t.Fatal("Save succeeded with a file in place of the folder")
	}
	entries, _ := os.ReadDir(parent)
	if len(entries) != 1 {
		t.Errorf("folder holds %d entries after a failed Save, want 1", len(entries))
	}
}

func TestKeySeparatesIdentities(t *testing.T) {
	base := Key("prod", "https://h/a", "https://h/a/oauth/token", "id")
	variants := []string{
		Key("dev", "https://h/a", "https://h/a/oauth/token", "id"),
		Key("prod", "https://h/b", "https://h/a/oauth/token", "id"),
		Key("prod", "https://h/a", "https://h/a/other", "id"),
		Key("prod", "https://h/a", "https://h/a/oauth/token", "id2"),
		Key("prod", "https://h/a", "https://h/a/oauth/tokenid", ""),
	}
	for i, v := range variants {
		if v == base {
			t.Errorf("variant %d has the same key as the base", i)
		}
	}
	if again := Key("prod", "https://h/a", "https://h/a/oauth/token", "id"); again != base {
		t.Errorf("Key is not stable: %s then %s", base, again)
	}
}
