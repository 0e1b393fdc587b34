package e2e

import (
	"crypto/sha256"
	"fmt"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"c3cred/standin"
)

// leakScenarios are ways of using c3cred, successful and failing, each run with C3CRED_DEBUG=1 so
// that every step is logged. extra returns other secrets the scenario used (a wrong one, say).
var leakScenarios = []struct {
	name string
	run  func(t *testing.T, w *world) (extra []string)
}{
	{"token in every format, status, inspect, logout", func(t *testing.T, w *world) []string {
		for _, args := range [][]string{{"token"}, {"token", "--format", "raw", "--verbose"},
			{"token", "--format", "header"}, {"token", "--force"}, {"status"}, {"inspect"},
			{"inspect", "--json"}, {"logout"}, {"status"}} {
			mustSucceed(t, w.run(args...))
		}
		return nil
	}},
	{"kubectl plugin", func(t *testing.T, w *world) []string {
		w.env["KUBERNETES_EXEC_INFO"] = `{"kind":"ExecCredential",` +
			`"apiVersion":"client.authentication.k8s.io/v1","spec":{"interactive":false}}`
		mustSucceed(t, w.run("kubectl"))
		mustSucceed(t, w.run("kubectl", "--verbose"))
		if kubectl, err := exec.LookPath("kubectl"); err == nil {
			w.useKubeconfig(newAPIServer(t, w.srv), "client.authentication.k8s.io/v1")
			mustSucceed(t, w.runTool("", kubectl, "get", "--raw", "/version"))
		}
		return nil
	}},
	{"git credential helper", func(t *testing.T, w *world) []string {
		u, _ := url.Parse(w.srv.URL)
		get := fmt.Sprintf("capability[]=authtype\nprotocol=http\nhost=%s\npath=%s/repo.git\n\n",
			u.Host, strings.TrimPrefix(u.Path, "/"))
		mustSucceed(t, w.runIn(get, "git-credential", "get"))
		mustSucceed(t, w.runTool(get, filepath.Join(binDir, "git-credential-c3"), "get"))
		mustSucceed(t, w.runIn(get, "git-credential", "store"))
		mustSucceed(t, w.runIn(get, "git-credential", "erase"))
		return nil
	}},
	{"exec", func(t *testing.T, w *world) []string {
		secretFile(t, w, 0o600) // a secret in c3cred's environment would be the child's too
		child := filepath.Join(w.root, "child")
		w.env["OUT"] = child
		script := `[ -n "$C3_AUTH_TOKEN" ] && echo set > "$OUT.token-set"
tr '\0' ' ' < /proc/$$/cmdline > "$OUT.argv"
tr '\0' ' ' < /proc/$PPID/cmdline >> "$OUT.argv"
env | grep -v '^C3_AUTH_TOKEN=' > "$OUT.env"`
		mustSucceed(t, w.run("exec", "--", "/bin/sh", "-c", script))
		if _, err := os.Stat(child + ".token-set"); err != nil {
			t.Errorf("the child had no C3_AUTH_TOKEN: %v", err)
		}
		return nil
	}},
	{"whoami", func(t *testing.T, w *world) []string {
		mustSucceed(t, w.run("whoami"))
		return nil
	}},
	{"client_secret_command", func(t *testing.T, w *world) []string {
		seedRenewable(w)
		secretCommand(t, w)
		mustSucceed(t, w.run("token", "--verbose"))
		if stdin := readFile(t, filepath.Join(w.root, "command.stdin")); stdin != "" {
			t.Errorf("client_secret_command read %q on its stdin, want nothing", stdin)
		}
		if argv := readFile(t, filepath.Join(w.root, "command.argv")); argv != "" {
			t.Errorf("client_secret_command got arguments %q, want none", argv)
		}
		return nil
	}},
	{"wrong secret", func(t *testing.T, w *world) []string {
		wrong := "wrong-" + w.srv.ClientSecret[:16] + "-secret"
		w.env["C3_TEST_SECRET"] = wrong
		mustFailVerbose(t, w.run("token"), 1, "invalid_client")
		return []string{wrong}
	}},
	{"server echoing the secret", func(t *testing.T, w *world) []string {
		secret := w.srv.ClientSecret
		w.srv.Script(standin.Error(400, "invalid_request", "cannot parse client_secret="+secret),
			standin.Error(401, secret, "unknown client"),
			standin.Error(400, "invalid_request", strings.Repeat("x", 190)+secret))
		for range 3 {
			mustFailVerbose(t, w.run("token"), 1, "token endpoint answered")
		}
		return nil
	}},
	{"server redirecting with the secret", func(t *testing.T, w *world) []string {
		echo := func(rw http.ResponseWriter, r *http.Request) {
			r.ParseForm()
			to := w.srv.TokenURL + "?secret=" + url.QueryEscape(r.PostForm.Get("client_secret"))
			http.Redirect(rw, r, to, http.StatusFound)
		}
		redirect := httptest.NewServer(http.HandlerFunc(echo))
		t.Cleanup(redirect.Close)
		w.edit(`cache = "file"`, fmt.Sprintf("cache = \"file\"\ntoken_url = %q", redirect.URL))
		mustFailVerbose(t, w.run("token"), 1, "redirected")
		return nil
	}},
	{"failures", func(t *testing.T, w *world) []string {
		w.edit(`timeout = "5s"`, `timeout = "1s"`)
		for _, r := range []standin.Response{standin.Status(500), standin.HTML(),
			standin.TruncatedJSON(), standin.ResetInBody(), standin.Hang(), standin.OKExpired(),
			standin.NoAccessToken(), standin.OKNegativeExpiresIn()} {
			w.srv.SetDefault(r)
			if res := w.run("token"); res.code != 1 {
				t.Errorf("%s: want exit 1:\n%v", r, res)
			}
		}
		w.srv.SetDefault(standin.OKNoExpiry())
		mustSucceed(t, w.run("token"))
		return nil
	}},
	{"cached token while failing", func(t *testing.T, w *world) []string {
		seedRenewable(w)
		w.edit(`timeout = "5s"`, `timeout = "1s"`)
		w.srv.SetDefault(standin.Status(503))
		mustSucceed(t, w.run("token"))
		chmod(t, w.cacheFile(), 0o644)
		mustFailVerbose(t, w.run("token"), 1, "503")
		return nil
	}},
	{"signal mid-refresh", func(t *testing.T, w *world) []string {
		seedRenewable(w)
		w.srv.SetDefault(standin.Hang())
		w.interrupt(t, syscall.SIGINT, func(string) bool { return w.requests() == 1 })
		return nil
	}},
	{"keyring", func(t *testing.T, w *world) []string {
		w.useKeyring()
		w.edit(`cache = "file"`, `cache = "keyring"`, `client_secret_env = "C3_TEST_SECRET"`, "")
		delete(w.env, "C3_TEST_SECRET")
		t.Cleanup(func() { w.run("secret", "delete"); w.run("logout") })
		mustSucceed(t, w.runIn(w.srv.ClientSecret+"\n", "secret", "set"))
		for _, args := range [][]string{{"token"}, {"token", "--force"}, {"status"}, {"inspect"},
			{"logout"}, {"secret", "delete"}} {
			mustSucceed(t, w.run(args...))
		}
		mustFailVerbose(t, w.run("token"), 1, "no client secret")
		return nil
	}},
}

// TestNoLeaks runs every scenario and then scans all it left for the client secret and every
// token the stand-in issued: stdout outside the one credential a credential command prints,
// all of stderr, and every file under the world's root but the cache entries themselves.
func TestNoLeaks(t *testing.T) {
	for _, sc := range leakScenarios {
		t.Run(sc.name, func(t *testing.T) {
			t.Parallel()
			w := newWorld(t, standin.Options{}, "")
			w.env["C3CRED_DEBUG"] = "1"
			extra := sc.run(t, w)
			w.scanEverything(t, append(extra, w.srv.ClientSecret))
		})
	}
}

// mustFailVerbose is mustFail for a run that logs its steps: the error is the first stderr line
// that is neither a debug line nor a warning.
func mustFailVerbose(t *testing.T, r *result, code int, wantErr string) {
	t.Helper()
	var lines []string
	for _, line := range strings.SplitAfter(r.stderr, "\n") {
		debug := strings.HasPrefix(line, "c3cred: debug: ")
		if !debug && !strings.HasPrefix(line, "c3cred: warning: ") {
			lines = append(lines, line)
		}
	}
	mustFail(t, &result{args: r.args, stdout: r.stdout, stderr: strings.Join(lines, ""),
		code: r.code}, code, wantErr)
}

// secretCommand makes the profile read its secret from a command that records its arguments,
// stdin and environment in files beside it, then prints the secret from a private file.
func secretCommand(t *testing.T, w *world) {
	t.Helper()
	secret := filepath.Join(w.root, "secret")
	if err := os.WriteFile(secret, []byte(w.srv.ClientSecret), 0o600); err != nil {
		t.Fatal(err)
	}
	script := filepath.Join(w.root, "command")
	body := fmt.Sprintf("#!/bin/sh\nout=%q\nprintf '%%s' \"$*\" > \"$out.argv\"\n"+
		"cat > \"$out.stdin\"\nenv > \"$out.env\"\ncat %q\n", script, secret)
	if err := os.WriteFile(script, []byte(body), 0o700); err != nil {
		t.Fatal(err)
	}
	w.edit(`client_secret_env = "C3_TEST_SECRET"`,
		fmt.Sprintf("client_secret_command = %q", script))
	delete(w.env, "C3_TEST_SECRET")
}

// credentialCommands print a token on stdout; nothing else may.
var credentialCommands = map[string]bool{"token": true, "kubectl": true, "git-credential": true,
	"<git-credential-c3>": true}

// scanEverything fails the test for each place a secret or an issued token shows where it must not.
func (w *world) scanEverything(t *testing.T, secrets []string) {
	t.Helper()
	issued := w.srv.Issued()
	var needles []needle
	for _, s := range secrets {
		needles = append(needles, secretNeedle(s))
	}
	for _, tok := range issued {
		needles = append(needles, tokenNeedle(tok))
	}

	w.mu.Lock()
	outputs := append([]*result(nil), w.outputs...)
	w.mu.Unlock()
	for _, r := range outputs {
		stdout := r.stdout
		if len(r.args) > 0 && credentialCommands[r.args[0]] {
			stdout = withoutCredential(t, r, issued)
		}
		for _, n := range needles {
			if n.in(stdout) || n.in(r.stderr) {
				t.Errorf("%s shows in the output:\n%v", n.what, r)
			}
		}
	}
	for path, data := range w.writtenFiles(t) {
		for _, n := range needles {
			if n.in(data) {
				t.Errorf("%s shows in %s", n.what, path)
			}
		}
	}
}

// withoutCredential returns r's stdout less every copy of the one token it prints; a second
// token there is an error.
func withoutCredential(t *testing.T, r *result, issued []string) string {
	t.Helper()
	out, printed := r.stdout, ""
	for _, tok := range issued {
		if !strings.Contains(out, tok) {
			continue
		}
		if printed != "" {
			t.Errorf("stdout carries two tokens:\n%v", r)
		}
		printed, out = tok, strings.ReplaceAll(out, tok, "<credential>")
	}
	return out
}

// writtenFiles reads every regular file under the world's root but the cache entries, the
// secret's own file, and the kubeconfig and config the test wrote.
func (w *world) writtenFiles(t *testing.T) map[string]string {
	t.Helper()
	entries := filepath.Join(w.stateDir(), "tokens")
	skip := map[string]bool{filepath.Join(w.root, "secret"): true}
	files := map[string]string{}
	err := filepath.WalkDir(w.root, func(path string, d fs.DirEntry, err error) error {
		switch {
		case err != nil:
			return err
		case !d.Type().IsRegular() || skip[path]:
			return nil
		case filepath.Dir(path) == entries && strings.HasSuffix(path, ".token"):
			return nil
		}
		data, err := os.ReadFile(path)
		files[path] = string(data)
		return err
	})
	if err != nil {
		t.Errorf("reading what the runs wrote: %v", err)
	}
	if len(files) == 0 {
		t.Errorf("found no file under %s: the scan would prove nothing", w.root)
	}
	return files
}

// needle is a secret or a token as the scan looks for it: in pieces, so that a shortened
// copy is caught too.
type needle struct {
	what   string
	pieces []string
}

// secretNeedle looks for any 12 characters in a row of a secret.
func secretNeedle(secret string) needle {
	return needle{what: "the secret " + fingerprint(secret), pieces: windows(secret, 12)}
}

// tokenNeedle looks for a token by its signature, the part that makes it a credential (a JWT's
// header and claims are public), in pieces of 16 characters: a copy of 32 characters or more
// holds one of them whole.
func tokenNeedle(token string) needle {
	sig := token
	if parts := strings.Split(token, "."); len(parts) == 3 {
		sig = parts[2]
	}
	var pieces []string
	for len(sig) > 16 {
		pieces, sig = append(pieces, sig[:16]), sig[16:]
	}
	return needle{what: "token " + fingerprint(token), pieces: append(pieces, sig)}
}

func (n needle) in(text string) bool {
	for _, p := range n.pieces {
		if strings.Contains(text, p) {
			return true
		}
	}
	return false
}

// windows returns every run of n characters of s, or s itself when it is shorter.
func windows(s string, n int) []string {
	if len(s) <= n {
		return []string{s}
	}
	var out []string
	for i := 0; i+n <= len(s); i++ {
		out = append(out, s[i:i+n])
	}
	return out
}

// fingerprint names a secret in a failure message without showing it.
func fingerprint(s string) string {
	return fmt.Sprintf("%.8x", sha256.Sum256([]byte(s)))
}
