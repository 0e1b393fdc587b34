package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"

	"c3cred/cache"
	"c3cred/standin"
)

// keyringWhat names the keyring row.
const keyringWhat = "`token`, cached, keyring"

// sessionReport is what the keyring session hands back to the bench that started it.
type sessionReport struct {
	Rows []row
}

// keyringRows measures the keyring rows on a Secret Service of their own: the bench runs itself
// again under .ci/with-keyring, which starts a private D-Bus session with an unlocked
// gnome-keyring, and reads back the rows measured there.
func keyringRows(t *table, scratch string, b *binaries, n int) error {
	script := filepath.Join(b.root, ".ci", "with-keyring")
	if why := noSession(script); why != "" {
		t.skip(keyringWhat, why)
		return nil
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	progress("token, cached, keyring: running again under .ci/with-keyring")
	report := filepath.Join(scratch, "keyring-rows.json")
	cmd := exec.Command("bash", script, self, "-keyring-session", report, "-bin", b.copyDir,
		"-n", strconv.Itoa(n))
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("the run under .ci/with-keyring failed: %v", err)
	}

	data, err := os.ReadFile(report)
	if err != nil {
		return err
	}
	var got sessionReport
	if err := json.Unmarshal(data, &got); err != nil {
		return fmt.Errorf("the keyring session's report: %v", err)
	}
	t.add(got.Rows...)
	return nil
}

// noSession says why no private Secret Service can be started here, or "" when one can.
func noSession(script string) string {
	if runtime.GOOS != "linux" {
		return "the private Secret Service session is made for Linux"
	}
	if _, err := os.Stat(script); err != nil {
		return "no " + script
	}
	for _, tool := range []string{"bash", "dbus-run-session", "dbus-send", "gnome-keyring-daemon"} {
		if _, err := exec.LookPath(tool); err != nil {
			return tool + " not found; install it with apt-get install -y " +
				"--no-install-recommends gnome-keyring dbus"
		}
	}
	return ""
}

// keyringSession runs inside .ci/with-keyring: it times a cached `token` on the keyring backend
// against the go-keyring floor reading the same item, and writes the rows to s.session.
func keyringSession(s settings) error {
	if os.Getenv("C3CRED_TEST_KEYRING") != "1" {
		return errors.New("-keyring-session runs only under .ci/with-keyring")
	}
	scratch, err := os.MkdirTemp("", "c3cred-bench-keyring-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(scratch)
	srv, err := standin.Start(standin.Options{})
	if err != nil {
		return err
	}
	defer srv.Close()

	w, floor, err := keyringWorld(scratch, s.binDir, srv)
	if err != nil {
		return err
	}
	rows, err := timeKeyring(w, floor, s.pairs)
	if err != nil {
		return err
	}
	data, err := json.Marshal(sessionReport{Rows: rows})
	if err != nil {
		return err
	}
	return os.WriteFile(s.session, data, 0o600)
}

// keyringWorld makes a world caching in the session's keyring, with a token cached there, and
// the floor that reads that token's item.
func keyringWorld(scratch, copyDir string, srv *standin.Server) (*world, proc, error) {
	c3cred, err := copiesIn(copyDir, c3credName)
	if err != nil {
		return nil, proc{}, err
	}
	floors, err := copiesIn(copyDir, keyringName)
	if err != nil {
		return nil, proc{}, err
	}
	session := map[string]string{}
	for _, name := range []string{"DBUS_SESSION_BUS_ADDRESS", "XDG_RUNTIME_DIR"} {
		session[name] = os.Getenv(name)
	}
	w, err := newWorld(scratch, c3cred[0], c3cred, srv, "keyring", session)
	if err == nil {
		err = w.seed()
	}
	if err != nil {
		return nil, proc{}, err
	}

	floor := proc{path: floors[0], copies: floors,
		argv: []string{"keyringget", cache.Service, w.keyringItem()}, env: w.env}
	return w, floor, checkFloor(w, floor)
}

// timeKeyring times a cached `token` against the floor, and reads both one's peak RSS.
func timeKeyring(w *world, floor proc, n int) ([]row, error) {
	progress("token, cached, keyring: against one go-keyring Get, %d pairs", n)
	fs, ss, err := versus(w, floor, w.c3cred("token"), n)
	if err != nil {
		return nil, err
	}
	rss, err := rssRow("peak RSS, cached `token`, keyring", "keyring Get", floor,
		w.c3cred("token"), n, nil)
	if err != nil {
		return nil, err
	}
	return []row{ratioRow(keyringWhat, "keyring Get", fs, ss, keyringBudget), rss}, nil
}

// checkFloor makes sure the floor reads the item c3cred cached the token in; otherwise it would
// time a miss.
func checkFloor(w *world, floor proc) error {
	stdout, _, err := floor.output()
	if err != nil {
		return fmt.Errorf("the keyring floor: %v", err)
	}
	if !strings.Contains(stdout, w.token) {
		return fmt.Errorf("the keyring item %s does not hold c3cred's cached token; "+
			"has package cache renamed its items?", w.keyringItem())
	}
	return nil
}
