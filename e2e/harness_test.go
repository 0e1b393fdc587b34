// Package e2e drives the built c3cred binary end to end: each test gets its own HOME and XDG
// folders and a stand-in of the platform on 127.0.0.1 (package standin), runs c3cred as a user or
// a client program would, and checks its exit status, stdout, stderr and the requests it made.
//
// Every world scans, when its test ends, all that c3cred wrote to stderr for the client secret
// and for every token the stand-in issued, and stdout for the secret.
package e2e

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"c3cred/cache"
	"c3cred/standin"
)

// binDir holds the c3cred binary built for this run, and its git-credential-c3 link.
var binDir string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "c3cred-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := 1
	if err := build(dir); err != nil {
		fmt.Fprintln(os.Stderr, err)
	} else {
		binDir = dir
		code = m.Run()
	}
	os.RemoveAll(dir)
	os.Exit(code)
}

// build compiles c3cred as install.sh does, with the git helper link beside it.
func build(dir string) error {
	cmd := exec.Command("go", "build", "-o", filepath.Join(dir, "c3cred"), "c3cred")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build: %v\n%s", err, out)
	}
	return os.Symlink("c3cred", filepath.Join(dir, "git-credential-c3"))
}

// world is one user's machine: a home folder, a config, and the platform's stand-in.
type world struct {
	t   *testing.T
	srv *standin.Server
	// root is the temporary folder holding home, config and state.
	root string
	// env is the environment c3cred runs with; tests may change it before a run.
	env map[string]string

	mu      sync.Mutex
	outputs []*result
}

// profileName is the name of the profile every world's config defines.
const profileName = "test"

// newWorld starts a stand-in with opts and writes a config with one profile for it, using the
// file cache; extra is appended to the profile's TOML table.
func newWorld(t *testing.T, opts standin.Options, extra string) *world {
	t.Helper()
	srv, err := standin.Start(opts)
	if err != nil {
		t.Fatalf("start stand-in: %v", err)
	}
	t.Cleanup(srv.Close)
	root := t.TempDir()
	w := &world{t: t, srv: srv, root: root, env: map[string]string{
		"HOME":            filepath.Join(root, "home"),
		"XDG_CONFIG_HOME": filepath.Join(root, "config"),
		"XDG_CONFIG_DIRS": filepath.Join(root, "etc-xdg"),
		"XDG_STATE_HOME":  filepath.Join(root, "state"),
		"XDG_CACHE_HOME":  filepath.Join(root, "cache"),
		"XDG_DATA_HOME":   filepath.Join(root, "data"),
		"PATH":            binDir + string(os.PathListSeparator) + os.Getenv("PATH"),
		"C3_TEST_SECRET":  srv.ClientSecret,
	}}
	w.writeConfig(fmt.Sprintf("[profiles.%s]\nurl = %q\nclient_id = %q\n"+
		"client_secret_env = \"C3_TEST_SECRET\"\ncache = \"file\"\ntimeout = \"5s\"\n%s",
		profileName, srv.URL, srv.ClientID, extra))
	t.Cleanup(w.scanForLeaks)
	return w
}

// writeConfig replaces the config file, private to its owner.
func (w *world) writeConfig(toml string) {
	w.t.Helper()
	path := w.configPath()
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		w.t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(toml), 0o600); err != nil {
		w.t.Fatal(err)
	}
}

func (w *world) configPath() string {
	return filepath.Join(w.env["XDG_CONFIG_HOME"], "c3cred", "config.toml")
}

// stateDir is c3cred's state folder: file cache and locks.
func (w *world) stateDir() string { return filepath.Join(w.env["XDG_STATE_HOME"], "c3cred") }

// useKeyring lets c3cred reach the session's Secret Service. Without C3CRED_TEST_KEYRING=1 (set
// by .ci/with-keyring) the test is skipped, saying why.
func (w *world) useKeyring() {
	w.t.Helper()
	if os.Getenv("C3CRED_TEST_KEYRING") != "1" {
		w.t.Skip("no Secret Service promised: run under .ci/with-keyring (CI does)")
	}
	for _, name := range []string{"DBUS_SESSION_BUS_ADDRESS", "XDG_RUNTIME_DIR"} {
		if v := os.Getenv(name); v != "" {
			w.env[name] = v
		}
	}
}

// result is what one run of c3cred did.
type result struct {
	args    []string
	stdout  string
	stderr  string
	code    int
	elapsed time.Duration
	// maxRSS is the process's peak resident memory in bytes, or -1 where the OS does not say.
	maxRSS int64
}

func (r *result) String() string {
	return fmt.Sprintf("c3cred %s: exit %d\nstdout: %q\nstderr: %q", strings.Join(r.args, " "),
		r.code, r.stdout, r.stderr)
}

// run runs c3cred with args and no stdin.
func (w *world) run(args ...string) *result { return w.runIn("", args...) }

// runIn runs c3cred with args and stdin.
func (w *world) runIn(stdin string, args ...string) *result {
	w.t.Helper()
	cmd := w.command(args...)
	cmd.Stdin = strings.NewReader(stdin)
	return w.finish(cmd, args)
}

// command prepares c3cred with the world's environment, bounded to a minute.
func (w *world) command(args ...string) *exec.Cmd {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	w.t.Cleanup(cancel)
	cmd := exec.CommandContext(ctx, filepath.Join(binDir, "c3cred"), args...)
	cmd.Env = w.environ()
	return cmd
}

// environ renders the world's environment for exec.
func (w *world) environ() []string {
	env := make([]string, 0, len(w.env))
	for k, v := range w.env {
		env = append(env, k+"="+v)
	}
	if runtime.GOOS == "windows" {
		env = append(env, "SYSTEMROOT="+os.Getenv("SYSTEMROOT"))
	}
	return env
}

// finish runs cmd, records its outputs for the leak scan, and returns them.
func (w *world) finish(cmd *exec.Cmd, args []string) *result {
	w.t.Helper()
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err := cmd.Run()
	if err != nil && cmd.ProcessState == nil {
		w.t.Fatalf("run c3cred: %v", err)
	}
	r := &result{args: args, stdout: stdout.String(), stderr: stderr.String(),
		elapsed: time.Since(start), code: cmd.ProcessState.ExitCode(),
		maxRSS: maxRSS(cmd.ProcessState)}
	w.record(r)
	return r
}

func (w *world) record(r *result) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.outputs = append(w.outputs, r)
}

// scanForLeaks fails the test if any run wrote the secret anywhere, or a token the stand-in
// issued to stderr.
func (w *world) scanForLeaks() {
	w.mu.Lock()
	defer w.mu.Unlock()
	tokens := w.srv.Issued()
	for _, r := range w.outputs {
		if strings.Contains(r.stdout+r.stderr, w.srv.ClientSecret) {
			w.t.Errorf("the client secret leaked:\n%v", r)
		}
		for _, tok := range tokens {
			if strings.Contains(r.stderr, tok) {
				w.t.Errorf("a token leaked to stderr:\n%v", r)
			}
		}
	}
}

// mustSucceed fails the test unless r exited 0 and every line it wrote to stderr, if any (a
// warning, a debug line), starts "c3cred: ".
func mustSucceed(t *testing.T, r *result) {
	t.Helper()
	if r.code != 0 {
		t.Fatalf("want exit 0:\n%v", r)
	}
	for _, line := range strings.Split(strings.TrimSuffix(r.stderr, "\n"), "\n") {
		if line != "" && !strings.HasPrefix(line, "c3cred: ") {
			t.Fatalf("a stderr line does not start \"c3cred: \":\n%v", r)
		}
	}
}

// mustFail checks r exited with code, printed nothing on stdout, and said wantErr on a first
// stderr line that starts "c3cred: ".
func mustFail(t *testing.T, r *result, code int, wantErr string) {
	t.Helper()
	first, _, _ := strings.Cut(r.stderr, "\n")
	switch {
	case r.code != code:
		t.Fatalf("want exit %d:\n%v", code, r)
	case r.stdout != "":
		t.Fatalf("want empty stdout on failure:\n%v", r)
	case !strings.HasPrefix(first, "c3cred: ") || !strings.Contains(first, wantErr):
		t.Fatalf("want a first stderr line \"c3cred: …%s…\":\n%v", wantErr, r)
	}
}

// requests returns how many token requests the stand-in has seen.
func (w *world) requests() int { return w.srv.TokenRequests() }

// seed writes a cache entry for the world's profile directly, as an earlier run would have.
func (w *world) seed(token string, obtained, expires time.Time) {
	w.t.Helper()
	f := &cache.File{Dir: filepath.Join(w.stateDir(), "tokens")}
	key := cache.Key(profileName, w.srv.URL, w.srv.TokenURL, w.srv.ClientID)
	e := cache.Entry{AccessToken: token, ObtainedAt: obtained, ExpiresAt: expires}
	if err := f.Save(key, e); err != nil {
		w.t.Fatal(err)
	}
}

// cacheFile is the path of the profile's file cache entry.
func (w *world) cacheFile() string {
	key := cache.Key(profileName, w.srv.URL, w.srv.TokenURL, w.srv.ClientID)
	return filepath.Join(w.stateDir(), "tokens", key+".token")
}

// edit rewrites the config file, replacing each old string with its new one (pairs, in order).
func (w *world) edit(oldnew ...string) {
	w.t.Helper()
	w.writeConfig(strings.NewReplacer(oldnew...).Replace(readFile(w.t, w.configPath())))
}

// cached reads the profile's file cache entry as c3cred would.
func (w *world) cached() (cache.Entry, error) {
	f := &cache.File{Dir: filepath.Join(w.stateDir(), "tokens")}
	return f.Load(cache.Key(profileName, w.srv.URL, w.srv.TokenURL, w.srv.ClientID))
}

// waitFor polls cond every 10ms until it holds, failing the test after five seconds.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); !cond(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting: %s", what)
		}
	}
}
