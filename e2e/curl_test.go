package e2e

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"c3cred/standin"
)

// curlShim puts a curl first on PATH that records its arguments in a file, then runs the real
// curl, so a test can tell whether the token was in curl's argv, which other users can list.
// It returns the file.
func (w *world) curlShim(curl string) string {
	w.t.Helper()
	dir := filepath.Join(w.root, "shim")
	argv := filepath.Join(w.root, "curl-argv")
	script := "#!/bin/sh\nprintf '%s\\n' \"$@\" >> '" + argv + "'\nexec '" + curl + "' \"$@\"\n"
	if err := os.MkdirAll(dir, 0o700); err != nil {
		w.t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "curl"), []byte(script), 0o700); err != nil {
		w.t.Fatal(err)
	}
	w.env["PATH"] = dir + string(os.PathListSeparator) + w.env["PATH"]
	return argv
}

func TestCurl(t *testing.T) {
	curl := lookTool(t, "curl")
	tests := []struct {
		name        string
		script      string
		tokenInArgv bool
	}{
		{"header on stdin", `c3cred token --format header | curl -sSf -H @- "$USER_URL"`, false},
		{"oauth2-bearer in a config on stdin", `c3cred token --format raw |
			{ IFS= read -r t; printf 'oauth2-bearer = "%s"\n' "$t"; } |
			curl -sSf -K - "$USER_URL"`, false},
		{"header in argv", `curl -sSf -H "$(c3cred token --format header)" "$USER_URL"`, true},
		{"oauth2-bearer in argv",
			`curl -sSf --oauth2-bearer "$(c3cred token --format raw)" "$USER_URL"`, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t, standin.Options{User: standin.User{ID: "curl@c3cred.test",
				Email: "curl@c3cred.test", Groups: []string{"C3.Viewer"}}}, "")
			argvFile := w.curlShim(curl)
			w.env["USER_URL"] = w.srv.UserURL

			r := w.shell("", tt.script)
			mustSucceed(t, r)
			var user struct {
				ID     string `json:"id"`
				Groups []struct {
					ID string `json:"id"`
				} `json:"groups"`
			}
			err := json.Unmarshal([]byte(r.stdout), &user)
			if err != nil || user.ID != "curl@c3cred.test" {
				t.Fatalf("curl did not get the user (%v):\n%v", err, r)
			}
			if w.srv.UserRequests() != 1 || w.requests() != 1 {
				t.Errorf("%d myUser and %d token requests, want 1 each", w.srv.UserRequests(),
					w.requests())
			}
			argv := readFile(t, argvFile)
			token := w.srv.Issued()[0]
			if got := strings.Contains(argv, token); got != tt.tokenInArgv {
				t.Errorf("token in curl's argv: %v, want %v", got, tt.tokenInArgv)
			}
		})
	}
}

// TestCurlRefusedToken: with a revoked token in the cache, myUser answers 401 and curl -f fails,
// so the tests above pass only with a token the platform accepts.
func TestCurlRefusedToken(t *testing.T) {
	lookTool(t, "curl")
	w := newWorld(t, standin.Options{}, "")
	mustSucceed(t, w.run("token"))
	w.srv.RevokeAll()
	w.env["USER_URL"] = w.srv.UserURL
	r := w.shell("", `c3cred token --format header | curl -sSf -H @- "$USER_URL"`)
	if r.code != 22 || r.stdout != "" || !strings.Contains(r.stderr, "401") {
		t.Errorf("want curl to exit 22 on a 401:\n%v", r)
	}
}
