package e2e

import (
	"fmt"
	"net/http"
	"net/http/cgi"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"c3cred/cache"
	"c3cred/jwtinfo"
	"c3cred/standin"
)

// useGit finds git and keeps the user's and the system's git config out of the world.
func (w *world) useGit() string {
	w.t.Helper()
	git := lookTool(w.t, "git")
	w.env["GIT_CONFIG_NOSYSTEM"] = "1"
	w.env["GIT_CONFIG_GLOBAL"] = os.DevNull
	w.env["GIT_TERMINAL_PROMPT"] = "0"
	return git
}

// helperC3 are git options that make git-credential-c3, found on PATH, git's only helper.
var helperC3 = []string{"-c", "credential.helper=", "-c", "credential.helper=c3"}

// gitArgs puts options before a git subcommand and its arguments.
func gitArgs(options []string, args ...string) []string {
	return append(append([]string(nil), options...), args...)
}

// parseCredential reads git's key=value lines into a map; repeated keys keep the last value.
func parseCredential(out string) map[string]string {
	kv := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		if k, v, ok := strings.Cut(line, "="); ok {
			kv[k] = v
		}
	}
	return kv
}

func TestGitCredentialFill(t *testing.T) {
	w := newWorld(t, standin.Options{}, "")
	git := w.useGit()
	fill := gitArgs(helperC3, "credential", "fill")

	r := w.runTool("url="+w.srv.URL+"/git/repo.git\n\n", git, fill...)
	mustSucceed(t, r)
	got := parseCredential(r.stdout)
	if got["username"] != w.srv.ClientID || !w.srv.Valid(got["password"]) {
		t.Fatalf("git credential fill gave username %q and a valid token %v; want the client id",
			got["username"], w.srv.Valid(got["password"]))
	}
	again := w.runTool("url="+w.srv.URL+"\n\n", git, fill...)
	mustSucceed(t, again)
	if parseCredential(again.stdout)["password"] != got["password"] || w.requests() != 1 {
		t.Errorf("a second fill made %d token requests in all, want the cached token", w.requests())
	}

	other := w.runTool("url=https://github.com/c3cred/c3cred.git\n\n", git, fill...)
	if other.code == 0 || strings.Contains(other.stdout, "password=") {
		t.Errorf("c3cred answered for a host no profile names:\n%v", other)
	}
}

// TestGitHelperScopedByURL uses the !c3cred git-credential --profile form, scoped to one URL
// with credential.<url>.helper, as the README shows it. The URL is not the profile's: --profile
// chooses without matching, which is what lets a git server elsewhere use the app's token.
func TestGitHelperScopedByURL(t *testing.T) {
	w := newWorld(t, standin.Options{}, "")
	git := w.useGit()
	const remote = "http://127.0.0.1:1/team"
	scoped := []string{"-c", "credential.helper=",
		"-c", "credential." + remote + ".helper=!c3cred git-credential --profile " + profileName}

	r := w.runTool("url="+remote+"/repo.git\n\n", git, gitArgs(scoped, "credential", "fill")...)
	mustSucceed(t, r)
	if !w.srv.Valid(parseCredential(r.stdout)["password"]) {
		t.Fatalf("the scoped helper gave no valid token:\n%v", r)
	}
	r = w.runTool("url=http://127.0.0.1:2/team/repo.git\n\n", git,
		gitArgs(scoped, "credential", "fill")...)
	if r.code == 0 || strings.Contains(r.stdout, "password=") {
		t.Errorf("the helper answered outside its scope:\n%v", r)
	}
}

// gitServer serves bare repositories over HTTP with git-http-backend, to a client that gives a
// token the platform's stand-in issued, and not revoked, as its password.
type gitServer struct {
	*httptest.Server
	refused atomic.Int32 // requests answered 401
	users   atomic.Value // the last username a client gave
}

func newGitServer(t *testing.T, git string, platform *standin.Server, root string) *gitServer {
	t.Helper()
	execPath := strings.TrimSpace(mustOutput(t, git, "--exec-path"))
	backend := filepath.Join(execPath, "git-http-backend")
	if _, err := os.Stat(backend); err != nil {
		t.Skipf("git-http-backend not found: %v", err)
	}
	cgiHandler := &cgi.Handler{Path: backend, Root: "/git",
		Env: []string{"GIT_PROJECT_ROOT=" + root, "GIT_HTTP_EXPORT_ALL=1"}}
	gs := &gitServer{}
	gs.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		user, password, ok := r.BasicAuth()
		if !ok || !platform.Valid(password) {
			gs.refused.Add(1)
			w.Header().Set("WWW-Authenticate", `Basic realm="c3cred test"`)
			http.Error(w, "a valid token is needed", http.StatusUnauthorized)
			return
		}
		gs.users.Store(user)
		cgiHandler.ServeHTTP(w, r)
	}))
	t.Cleanup(gs.Close)
	return gs
}

// mustOutput runs a command outside any world and returns its stdout.
func mustOutput(t *testing.T, name string, args ...string) string {
	t.Helper()
	out, err := (&world{t: t}).tool(name, args...).Output()
	if err != nil {
		t.Fatalf("%s %s: %v", name, strings.Join(args, " "), err)
	}
	return string(out)
}

// makeRepo makes a bare repository root/repo.git holding one commit, and returns the commit.
func (w *world) makeRepo(git, root string) string {
	w.t.Helper()
	work := filepath.Join(w.root, "work")
	steps := [][]string{
		{"init", "-q", "-b", "main", work},
		{"-C", work, "-c", "user.name=Test", "-c", "user.email=test@c3cred.test",
			"commit", "-q", "--allow-empty", "-m", "first"},
		{"clone", "-q", "--bare", work, filepath.Join(root, "repo.git")},
		{"-C", work, "rev-parse", "HEAD"},
	}
	var r *result
	for _, args := range steps {
		if r = w.runTool("", git, args...); r.code != 0 {
			w.t.Fatalf("making the repository: %v", r)
		}
	}
	return strings.TrimSpace(r.stdout)
}

// TestGitLsRemote runs git ls-remote against a server that wants the token as the password:
// git gets it from the helper; when the server refuses it, git calls erase, and the next get
// fetches a new token.
func TestGitLsRemote(t *testing.T) {
	w := newWorld(t, standin.Options{}, "")
	git := w.useGit()
	repos := t.TempDir()
	commit := w.makeRepo(git, repos)
	gs := newGitServer(t, git, w.srv, repos)
	// A second profile names the git server; its tokens come from the same platform.
	w.writeConfig(readFile(t, w.configPath()) + fmt.Sprintf("[profiles.git]\nurl = %q\n"+
		"token_url = %q\nclient_id = %q\nclient_secret_env = \"C3_TEST_SECRET\"\n"+
		"cache = \"file\"\n", gs.URL+"/git", w.srv.TokenURL, w.srv.ClientID))
	gitCache := filepath.Join(w.stateDir(), "tokens",
		cache.Key("git", gs.URL+"/git", w.srv.TokenURL, w.srv.ClientID)+".token")
	lsRemote := gitArgs(helperC3, "ls-remote", gs.URL+"/git/repo.git")

	r := w.runTool("", git, lsRemote...)
	mustSucceed(t, r)
	if !strings.Contains(r.stdout, commit+"\trefs/heads/main") {
		t.Fatalf("ls-remote does not list the commit %s:\n%v", commit, r)
	}
	if user, _ := gs.users.Load().(string); user != w.srv.ClientID {
		t.Errorf("git sent username %q, want the client id", user)
	}
	first, err := (&cache.File{Dir: filepath.Dir(gitCache)}).Load(
		strings.TrimSuffix(filepath.Base(gitCache), ".token"))
	if err != nil {
		t.Fatalf("no cached token for profile git after ls-remote: %v", err)
	}

	w.srv.Revoke(first.AccessToken)
	refusedBefore := gs.refused.Load()
	r = w.runTool("", git, lsRemote...)
	if r.code == 0 || gs.refused.Load() == refusedBefore {
		t.Fatalf("want ls-remote refused with the revoked token:\n%v", r)
	}
	if _, err := os.Stat(gitCache); !os.IsNotExist(err) {
		t.Fatalf("git's erase did not drop the refused token: %v", err)
	}

	r = w.runTool("", git, lsRemote...)
	mustSucceed(t, r)
	if got := w.requests(); got != 2 {
		t.Errorf("%d token requests, want 2: one before and one after the erase", got)
	}
}

// TestGitProtocol speaks the helper protocol as git 2.46 does, which git 2.39 here cannot:
// capability[]=authtype and password_expiry_utc. It runs the helper as git-credential-c3.
func TestGitProtocol(t *testing.T) {
	w := newWorld(t, standin.Options{}, "")
	helper := filepath.Join(binDir, "git-credential-c3")
	host := strings.TrimPrefix(w.srv.URL, "http://")
	host, path, _ := strings.Cut(host, "/")

	newer := w.runTool("capability[]=authtype\ncapability[]=state\nprotocol=http\nhost="+host+
		"\npath="+path+"/git/repo.git\nwwwauth[]=Bearer realm=\"c3\"\n\n", helper, "get")
	mustSucceed(t, newer)
	got := parseCredential(newer.stdout)
	token := got["credential"]
	info, err := jwtinfo.Parse(token)
	if err != nil || !w.srv.Valid(token) {
		t.Fatalf("no valid token in credential=: %v\n%v", err, newer)
	}
	want := map[string]string{
		"capability[]":        "authtype",
		"authtype":            "Bearer",
		"credential":          token,
		"username":            w.srv.ClientID,
		"password":            token,
		"password_expiry_utc": strconv.FormatInt(info.Expiry.Unix(), 10),
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: got %q, want %q", k, got[k], v)
		}
	}
	if exp := time.Until(info.Expiry); exp < 58*time.Minute || exp > 61*time.Minute {
		t.Errorf("password_expiry_utc is %v away, want the token's hour", exp)
	}

	older := w.runTool("protocol=http\nhost="+host+"\n", helper, "get")
	mustSucceed(t, older)
	if strings.Contains(older.stdout, "authtype") || strings.Contains(older.stdout, "credential=") {
		t.Errorf("authtype sent to a git that did not ask for it:\n%v", older)
	}
	if parseCredential(older.stdout)["password"] != token || w.requests() != 1 {
		t.Errorf("the second get did not answer the cached token (%d requests)", w.requests())
	}

	given := "protocol=http\nhost=" + host + "\nusername=x\npassword=" + token + "\n"
	mustSucceed(t, w.runTool(given, helper, "store"))
	mustSucceed(t, w.runTool(given, helper, "erase"))
	if _, err := os.Stat(w.cacheFile()); !os.IsNotExist(err) {
		t.Errorf("erase left the cached token: %v", err)
	}
	mustSucceed(t, w.runTool("protocol=http\nhost="+host+"\n", helper, "get"))
	if got := w.requests(); got != 2 {
		t.Errorf("%d token requests, want 2: get after erase fetches", got)
	}
}
