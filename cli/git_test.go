package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// gitTestConfig defines two apps on one host and no default, so that git's host alone cannot
// choose between them.
const gitTestConfig = `
[profiles.prod]
url = "https://cluster.c3.cloud/prod/myapp"
client_id = "p"
client_secret_env = "NOT_SET"
[profiles.dev]
url = "https://cluster.c3.cloud/dev/myapp"
client_id = "d"
client_secret_env = "NOT_SET"
`

// TestGitCredentialWithoutAToken covers the answers that need no token: each must leave stdout
// empty, so that git asks its next helper or carries on.
func TestGitCredentialWithoutAToken(t *testing.T) {
	config := filepath.Join(t.TempDir(), "config.toml")
	if err := os.WriteFile(config, []byte(gitTestConfig), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		args    []string
		stdin   string
		code    int
		wantErr string // on stderr; "" for none
	}{
		{"no action", nil, "", 2, "c3cred: git-credential takes one action"},
		{"store does nothing", []string{"store"}, "protocol=https\nhost=h\npassword=p\n", 0, ""},
		{"unknown action is ignored", []string{"frobnicate"}, "host=h\n", 0, ""},
		{"malformed input", []string{"get"}, "protocol=https\nhost\n", 1,
			"c3cred: git-credential get: git's input, line 2: not a key=value line"},
		{"no profile for the host", []string{"get"}, "protocol=https\nhost=github.com\n", 0, ""},
		{"erase for another host", []string{"erase"}, "protocol=https\nhost=github.com\n", 0, ""},
		{"two apps on the host", []string{"get"}, "protocol=https\nhost=cluster.c3.cloud\n", 0,
			"c3cred: warning: several profiles match https://cluster.c3.cloud: dev, prod; " +
				"no token given"},
		{"--profile to plain http", []string{"get", "--profile", "prod"},
			"protocol=http\nhost=cluster.c3.cloud\n", 0,
			"c3cred: warning: git asks for http://cluster.c3.cloud, which is not https"},
		{"--profile to ssh", []string{"--profile", "prod", "get"}, "protocol=ssh\nhost=h\n", 0,
			"c3cred: warning: git asks for ssh://h"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := map[string]string{"C3CRED_CONFIG": config}
			args := append([]string{"git-credential"}, tt.args...)
			code, out, errOut := runCLI(t, env, tt.stdin, args...)
			first, _, _ := strings.Cut(errOut, "\n")
			if code != tt.code || out != "" || !strings.HasPrefix(first, tt.wantErr) ||
				(tt.wantErr == "") != (errOut == "") {
				t.Errorf("exit %d, stdout %q, stderr %q; want exit %d and stderr %q", code, out,
					errOut, tt.code, tt.wantErr)
			}
		})
	}
}
