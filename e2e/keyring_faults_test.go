package e2e

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"c3cred/cache"
	"c3cred/standin"
)

// keyringFaults are ways the OS keyring can be out of reach. setup points the world at one.
var keyringFaults = []struct {
	name  string
	setup func(t *testing.T, w *world)
	// wantErr is what cache = "keyring" reports.
	wantErr string
	// hangs says the keyring never answers, so each run waits out cache.DefaultKeyringWait.
	hangs bool
}{
	{name: "no D-Bus session", setup: func(*testing.T, *world) {},
		wantErr: "no D-Bus session bus"},
	{name: "bus without a Secret Service", setup: func(t *testing.T, w *world) {
		w.env["DBUS_SESSION_BUS_ADDRESS"] = privateBus(t)
	}, wantErr: "org.freedesktop.secrets was not provided"},
	{name: "locked collection", setup: func(t *testing.T, w *world) {
		bus := privateBus(t)
		lockedKeyring(t, bus)
		w.env["DBUS_SESSION_BUS_ADDRESS"] = bus
	}, wantErr: "failed to unlock"},
	{name: "keyring that does not answer", setup: func(t *testing.T, w *world) {
		w.env["DBUS_SESSION_BUS_ADDRESS"] = silentBus(t)
	}, wantErr: "no answer within " + cache.DefaultKeyringWait.String(), hangs: true},
}

// TestKeyringFaults: with cache = "auto" an unreachable keyring falls back to the file, which
// serves a token cached there and keeps a new one; with cache = "keyring" it is an error that
// says why, before any request. Either way the wait is bounded.
func TestKeyringFaults(t *testing.T) {
	for _, tt := range keyringFaults {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			maxTime := slack
			if tt.hangs {
				maxTime += cache.DefaultKeyringWait
			}
			check := func(t *testing.T, r *result) {
				t.Helper()
				if r.elapsed > maxTime {
					t.Errorf("took %v, want under %v", r.elapsed.Round(time.Millisecond), maxTime)
				}
			}
			t.Run("auto", func(t *testing.T) {
				w := newWorld(t, standin.Options{}, "")
				w.edit(`cache = "file"`, `cache = "auto"`)
				tt.setup(t, w)
				seeded := seedFresh(w)
				r := w.run("token", "--format", "raw")
				check(t, r)
				mustSucceed(t, r)
				if r.stdout != seeded+"\n" || w.requests() != 0 {
					t.Errorf("want the token cached in the file, and no request (%d):\n%v",
						w.requests(), r)
				}

				r = w.run("token", "--format", "raw", "--force")
				check(t, r)
				mustSucceed(t, r)
				if e, err := w.cached(); err != nil || e.AccessToken+"\n" != r.stdout {
					t.Errorf("the new token is not in the file cache: %v", err)
				}
			})
			t.Run("keyring", func(t *testing.T) {
				w := newWorld(t, standin.Options{}, "")
				w.edit(`cache = "file"`, `cache = "keyring"`)
				tt.setup(t, w)
				r := w.run("token")
				check(t, r)
				mustFail(t, r, 1, tt.wantErr)
				if !strings.Contains(r.stderr, `cache = "keyring"`) ||
					!strings.Contains(r.stderr, "c3cred: hint: ") {
					t.Errorf("want the error to name the setting, with a hint:\n%v", r)
				}
				if w.requests() != 0 {
					t.Errorf("%d token requests, want none: the token could not be kept",
						w.requests())
				}
			})
		})
	}
}

// need skips the test when a program is missing, saying why; under C3CRED_TEST_KEYRING=1,
// which promises the keyring's tools, a missing one fails it.
func need(t *testing.T, programs ...string) {
	t.Helper()
	for _, p := range programs {
		if _, err := exec.LookPath(p); err != nil {
			if os.Getenv("C3CRED_TEST_KEYRING") == "1" {
				t.Fatalf("%s not found, though C3CRED_TEST_KEYRING=1", p)
			}
			t.Skipf("%s not found: install Debian's dbus and gnome-keyring (.ci/run does)", p)
		}
	}
}

// shortDir makes a temporary folder with a short path, as a unix socket's path must be.
func shortDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "c3b")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

// busConfig is a session bus that lets everyone talk and own names, and can start no service
// on demand: it knows no service files.
const busConfig = `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path=%s</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
`

// privateBus starts a D-Bus session bus of the test's own, on which nothing serves the Secret
// Service, and returns its address.
func privateBus(t *testing.T) string {
	t.Helper()
	need(t, "dbus-daemon")
	dir := shortDir(t)
	conf := filepath.Join(dir, "bus.conf")
	config := fmt.Appendf(nil, busConfig, filepath.Join(dir, "bus"))
	if err := os.WriteFile(conf, config, 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("dbus-daemon", "--config-file="+conf, "--nofork", "--print-address")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	addr, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatalf("dbus-daemon printed no address: %v", err)
	}
	return strings.TrimSpace(addr)
}

// lockedKeyring starts gnome-keyring-daemon on bus with a login collection, as a desktop
// session would, then locks the collection over D-Bus, as a screen lock does.
func lockedKeyring(t *testing.T, bus string) {
	t.Helper()
	need(t, "gnome-keyring-daemon", "dbus-send")
	home := shortDir(t)
	cmd := exec.Command("gnome-keyring-daemon", "--foreground", "--unlock", "--components=secrets")
	cmd.Env = []string{"HOME=" + home, "XDG_RUNTIME_DIR=" + home, "PATH=" + os.Getenv("PATH"),
		"DBUS_SESSION_BUS_ADDRESS=" + bus}
	cmd.Stdin = strings.NewReader("c3cred-test") // a password: an empty one makes no collection
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })

	locked := func() string {
		return busCall(bus, "--dest=org.freedesktop.secrets",
			"/org/freedesktop/secrets/aliases/default", "org.freedesktop.DBus.Properties.Get",
			"string:org.freedesktop.Secret.Collection", "string:Locked")
	}
	waitFor(t, "gnome-keyring to own org.freedesktop.secrets", func() bool {
		return strings.Contains(busCall(bus, "--dest=org.freedesktop.DBus", "/org/freedesktop/DBus",
			"org.freedesktop.DBus.NameHasOwner", "string:org.freedesktop.secrets"), "true")
	})
	waitFor(t, "an unlocked login collection", func() bool {
		return strings.Contains(locked(), "false")
	})
	busCall(bus, "--dest=org.freedesktop.secrets", "/org/freedesktop/secrets",
		"org.freedesktop.Secret.Service.Lock",
		"array:objpath:/org/freedesktop/secrets/collection/login")
	waitFor(t, "the login collection to lock", func() bool {
		return strings.Contains(locked(), "true")
	})
}

// busCall calls a D-Bus method on bus with dbus-send and returns the reply, or "" on failure.
func busCall(bus string, args ...string) string {
	args = append([]string{"--session", "--print-reply=literal"}, args...)
	cmd := exec.Command("dbus-send", args...)
	cmd.Env = []string{"DBUS_SESSION_BUS_ADDRESS=" + bus}
	out, _ := cmd.Output()
	return string(out)
}

// silentBus listens on a unix socket that takes every connection and reads it without ever
// answering, as a hung bus or keyring daemon would, and returns its address.
func silentBus(t *testing.T) string {
	t.Helper()
	path := filepath.Join(shortDir(t), "bus")
	ln, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go func() { io.Copy(io.Discard, conn); conn.Close() }()
		}
	}()
	return "unix:path=" + path
}
