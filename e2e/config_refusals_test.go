package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"c3cred/standin"
)

// TestDangerousConfigRefused: settings that would expose the secret are refused before any
// request, each with a message naming the setting; the safe form of each works.
func TestDangerousConfigRefused(t *testing.T) {
	tests := []struct {
		name  string
		setup func(t *testing.T, w *world)
		want  string // "" for the safe forms, which must work
	}{
		{"http url to a host that is not loopback", func(t *testing.T, w *world) {
			w.edit(`url = "http://127.0.0.1`, `url = "http://0.0.0.0`)
		}, "plain http to a host that is not loopback"},
		{"http token_url to a host that is not loopback", func(t *testing.T, w *world) {
			w.edit(`cache = "file"`, fmt.Sprintf("cache = \"file\"\ntoken_url = %q",
				strings.Replace(w.srv.TokenURL, "127.0.0.1", "0.0.0.0", 1)))
		}, `token_url: "http://0.0.0.0`},
		{"url carrying a password", func(t *testing.T, w *world) {
			w.edit(`url = "http://`, `url = "https://me:hunter2@`)
		}, "carries credentials"},
		{"url of another scheme", func(t *testing.T, w *world) {
			w.edit(`url = "http://`, `url = "ftp://`)
		}, `scheme "ftp"`},
		{"config writable by others", func(t *testing.T, w *world) {
			chmod(t, w.configPath(), 0o602)
		}, "writable by group or others (mode 0602)"},
		{"config writable by its group", func(t *testing.T, w *world) {
			chmod(t, w.configPath(), 0o620)
		}, "writable by group or others (mode 0620)"},
		{"inline secret in a config others can read", func(t *testing.T, w *world) {
			inlineSecret(w)
			chmod(t, w.configPath(), 0o644)
		}, "client_secret inline but the file is readable by others (mode 0644)"},
		{"inline secret in a private config", func(t *testing.T, w *world) {
			inlineSecret(w)
		}, ""},
		{"secret file readable by others", func(t *testing.T, w *world) {
			secretFile(t, w, 0o604)
		}, "open to group or others (mode 0604)"},
		{"secret file readable by its group", func(t *testing.T, w *world) {
			secretFile(t, w, 0o640)
		}, "open to group or others (mode 0640)"},
		{"private secret file", func(t *testing.T, w *world) { secretFile(t, w, 0o600) }, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			w := newWorld(t, standin.Options{}, "")
			tt.setup(t, w)
			r := w.run("token", "--format", "raw")
			if tt.want == "" {
				mustSucceed(t, r)
				if !w.srv.Valid(strings.TrimSpace(r.stdout)) {
					t.Errorf("the safe form printed no valid token:\n%v", r)
				}
				return
			}
			mustFail(t, r, 1, tt.want)
			if w.requests() != 0 || strings.Contains(r.stderr, "hunter2") {
				t.Errorf("%d token requests, or the URL's password shown:\n%v", w.requests(), r)
			}
		})
	}
}

// inlineSecret moves the client secret into the config file itself.
func inlineSecret(w *world) {
	w.edit(`client_secret_env = "C3_TEST_SECRET"`,
		fmt.Sprintf("client_secret = %q", w.srv.ClientSecret))
	delete(w.env, "C3_TEST_SECRET")
}

// secretFile moves the client secret into a file of the given mode.
func secretFile(t *testing.T, w *world, mode os.FileMode) {
	t.Helper()
	path := filepath.Join(w.root, "secret")
	if err := os.WriteFile(path, []byte(w.srv.ClientSecret+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	chmod(t, path, mode)
	w.edit(`client_secret_env = "C3_TEST_SECRET"`, fmt.Sprintf("client_secret_file = %q", path))
	delete(w.env, "C3_TEST_SECRET")
}
