package main

import (
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"c3cred/cache"
	"c3cred/standin"
)

// profile is the one profile every world's config defines.
const profile = "bench"

// secretVar is the environment variable the profile reads its client secret from.
const secretVar = "C3_BENCH_SECRET"

// world is one user's machine as c3cred sees it: private HOME and XDG folders, a config whose one
// profile points at the stand-in, and an environment made from scratch.
type world struct {
	root   string
	bin    string   // c3cred as install.sh installed it, git-credential-c3 beside it
	copies []string // copies of bin for timed runs
	srv    *standin.Server
	env    []string
	token  string // the cached token, once seeded
}

// newWorld makes a world under parent, running the c3cred at bin (or its copies, when timed),
// whose profile caches in backend ("file" or "keyring"). extra adds to the environment, e.g. the
// session bus for the keyring.
func newWorld(parent, bin string, copies []string, srv *standin.Server, backend string,
	extra map[string]string) (*world, error) {
	root, err := os.MkdirTemp(parent, "world-"+backend+"-")
	if err != nil {
		return nil, err
	}
	env := map[string]string{"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8",
		secretVar: srv.ClientSecret}
	for name, sub := range map[string]string{"HOME": "home", "XDG_CONFIG_HOME": "config",
		"XDG_CONFIG_DIRS": "etc-xdg", "XDG_STATE_HOME": "state", "XDG_CACHE_HOME": "cache",
		"XDG_DATA_HOME": "data", "XDG_DATA_DIRS": "share", "XDG_RUNTIME_DIR": "run"} {
		env[name] = filepath.Join(root, sub)
		if err := os.MkdirAll(env[name], 0o700); err != nil {
			return nil, err
		}
	}
	maps.Copy(env, extra)

	w := &world{root: root, bin: bin, copies: copies, srv: srv}
	for _, name := range slices.Sorted(maps.Keys(env)) {
		w.env = append(w.env, name+"="+env[name])
	}
	config := fmt.Sprintf("[profiles.%s]\nurl = %q\nclient_id = %q\nclient_secret_env = %q\n"+
		"cache = %q\ntimeout = \"60s\"\n", profile, srv.URL, srv.ClientID, secretVar, backend)
	path := filepath.Join(env["XDG_CONFIG_HOME"], "c3cred", "config.toml")
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, err
	}
	return w, os.WriteFile(path, []byte(config), 0o600)
}

// c3cred is a run of c3cred with args in this world.
func (w *world) c3cred(args ...string) proc {
	return proc{path: w.bin, copies: w.copies, argv: append([]string{"c3cred"}, args...),
		env: w.env}
}

// gitGet is git's call of its credential helper for the stand-in's host: git runs
// git-credential-c3 with the request on stdin. Timed runs start a copy of c3cred under that
// name, which is all the link does.
func (w *world) gitGet() (proc, error) {
	host := strings.TrimPrefix(w.srv.URL, "http://")
	host, _, _ = strings.Cut(host, "/")
	request := filepath.Join(w.root, "git-request")
	err := os.WriteFile(request, []byte("protocol=http\nhost="+host+"\n\n"), 0o600)
	p := w.c3cred("get")
	p.path, p.argv[0], p.stdin = filepath.Join(filepath.Dir(w.bin), "git-credential-c3"),
		"git-credential-c3", request
	return p, err
}

// forget removes the cached tokens of the file backend, so that the next call is cold.
func (w *world) forget() error {
	return os.RemoveAll(filepath.Join(w.root, "state", "c3cred", "tokens"))
}

// cold is a `token` call that finds no cached token.
func (w *world) cold() proc {
	p := w.c3cred("token")
	p.before = w.forget
	return p
}

// seed makes one call, so that the cache holds a token, and notes the token, checking it is the
// stand-in's.
func (w *world) seed() error {
	stdout, _, err := w.c3cred("token").output()
	if err != nil {
		return err
	}
	token, err := parseToken(stdout)
	if err != nil {
		return err
	}
	if !w.srv.Valid(token) {
		return fmt.Errorf("c3cred token printed a token the stand-in did not issue")
	}
	w.token = token
	return nil
}

// keyringItem names the keyring item of the profile's cached token, as package cache does.
func (w *world) keyringItem() string {
	return "token:" + cache.Key(profile, w.srv.URL, w.srv.TokenURL, w.srv.ClientID)
}

// parseToken reads the access token from `c3cred token`'s JSON.
func parseToken(stdout string) (string, error) {
	var reply struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.Unmarshal([]byte(stdout), &reply); err != nil || reply.AccessToken == "" {
		return "", fmt.Errorf("c3cred token printed %d bytes that are not its token JSON",
			len(stdout))
	}
	return reply.AccessToken, nil
}
