package cache

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/zalando/go-keyring"
)

func TestSessionBus(t *testing.T) {
	runtimeDir := t.TempDir()
	withBus := t.TempDir()
	if err := os.WriteFile(filepath.Join(withBus, "bus"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		env  map[string]string
		want bool
	}{
		{"nothing", map[string]string{}, false},
		{"address", map[string]string{"DBUS_SESSION_BUS_ADDRESS": "unix:path=/run/bus"}, true},
		{"autolaunch", map[string]string{"DBUS_SESSION_BUS_ADDRESS": "autolaunch:"}, false},
		{"runtime dir without bus", map[string]string{"XDG_RUNTIME_DIR": runtimeDir}, false},
		{"runtime dir with bus", map[string]string{"XDG_RUNTIME_DIR": withBus}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := sessionBus(func(k string) string { return tt.env[k] })
			if got != tt.want {
				t.Errorf("sessionBus = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestKeyringNoBus(t *testing.T) {
	k := &Keyring{Getenv: func(string) string { return "" }}
	if _, err := k.Load("k"); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("Load with no bus: got %v, want ErrUnavailable", err)
	}
	if err := k.Save("k", testEntry("t")); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("Save with no bus: got %v, want ErrUnavailable", err)
	}
}

// TestAutoFallsBackToFile checks that with no session bus, auto keeps tokens in the file.
func TestAutoFallsBackToFile(t *testing.T) {
	file := &File{Dir: t.TempDir()}
	a := &Auto{Keyring: &Keyring{Getenv: func(string) string { return "" }}, File: file}
	if got := a.Name(); got != "file" {
		t.Errorf("Name = %q, want file", got)
	}
	if err := a.Save("k", testEntry("tok")); err != nil {
		t.Fatalf("Save: %v", err)
	}
	if e, err := file.Load("k"); err != nil || e.AccessToken != "tok" {
		t.Fatalf("file holds %+v, %v; want the token", e, err)
	}
	if e, err := a.Load("k"); err != nil || e.AccessToken != "tok" {
		t.Fatalf("Load: %+v, %v", e, err)
	}
	if err := a.Delete("k"); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if _, err := a.Load("k"); !errors.Is(err, ErrMiss) {
		t.Fatalf("Load after Delete: %v, want ErrMiss", err)
	}
}

// mockKeyring swaps go-keyring's backend for its in-memory mock, behind a session bus address
// that only passes the availability check.
func mockKeyring(t *testing.T) *Keyring {
	t.Helper()
	keyring.MockInit()
	return &Keyring{Getenv: func(k string) string {
		if k == "DBUS_SESSION_BUS_ADDRESS" {
			return "unix:path=/nonexistent"
		}
		return ""
	}}
}

func TestAutoPrefersKeyring(t *testing.T) {
	kr := mockKeyring(t)
	file := &File{Dir: t.TempDir()}
	a := &Auto{Keyring: kr, File: file}
	if err := file.Save("k", testEntry("stale-file")); err != nil {
		t.Fatal(err)
	}
	if err := a.Save("k", testEntry("tok")); err != nil {
		t.Fatalf("Save: %v", err)
	}
	if _, err := file.Load("k"); !errors.Is(err, ErrMiss) {
		t.Errorf("file entry survived a keyring save: %v", err)
	}
	if e, err := kr.Load("k"); err != nil || e.AccessToken != "tok" {
		t.Fatalf("keyring holds %+v, %v", e, err)
	}
	if got := a.Name(); got != "keyring" {
		t.Errorf("Name = %q, want keyring", got)
	}
}

func TestKeyringTranslatesErrors(t *testing.T) {
	tests := []struct {
		in   error
		want error
	}{
		{keyring.ErrNotFound, ErrMiss},
		{keyring.ErrSetDataTooBig, ErrTooBig},
		{errors.New("failed to unlock correct collection"), ErrUnavailable},
	}
	for _, tt := range tests {
		if got := translate(tt.in); !errors.Is(got, tt.want) {
			t.Errorf("translate(%v) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

// TestKeyringBoundedWait checks that a keyring call that never returns is abandoned within the
// wait, and that later calls fail at once instead of waiting again.
func TestKeyringBoundedWait(t *testing.T) {
	bus := func(string) string { return "unix:path=/x" }
	k := &Keyring{Wait: 50 * time.Millisecond, Getenv: bus}
	block := make(chan struct{})
	defer close(block)
	start := time.Now()
	err := k.call(func() error { <-block; return nil })
	if !errors.Is(err, ErrUnavailable) || !strings.Contains(err.Error(), "no answer") {
		t.Fatalf("got %v, want ErrUnavailable for no answer", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("call took %v, want about the 50ms wait", d)
	}
	start = time.Now()
	if err := k.call(func() error { return nil }); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("second call: got %v, want ErrUnavailable", err)
	}
	if d := time.Since(start); d > 20*time.Millisecond {
		t.Errorf("second call took %v, want immediate", d)
	}
}

// TestRealSecretService round-trips an entry through the session's real Secret Service. CI runs
// it under .ci/with-keyring, which starts gnome-keyring and sets C3CRED_TEST_KEYRING=1.
func TestRealSecretService(t *testing.T) {
	if os.Getenv("C3CRED_TEST_KEYRING") != "1" {
		t.Skip("no Secret Service promised: run under .ci/with-keyring (CI does)")
	}
	k := &Keyring{}
	key := Key("real-"+t.Name(), "https://h/a", "https://h/a/oauth/token", "id")
	t.Cleanup(func() { k.Delete(key) })
	if err := k.Save(key, testEntry("real-tok")); err != nil {
		t.Fatalf("Save: %v", err)
	}
	if e, err := k.Load(key); err != nil || e.AccessToken != "real-tok" {
		t.Fatalf("Load: %+v, %v", e, err)
	}
	if err := k.Delete(key); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if _, err := k.Load(key); !errors.Is(err, ErrMiss) {
		t.Fatalf("Load after Delete: %v, want ErrMiss", err)
	}
}
