package cli

import (
	"strings"
	"testing"
)

// TestKubectlRefusesBeforeAnythingElse: a version c3cred cannot answer fails at once, with no
// config to read and no token to fetch.
func TestKubectlRefusesBeforeAnythingElse(t *testing.T) {
	const alpha = "client.authentication.k8s.io/v1alpha1"
	tests := []struct {
		name     string
		execInfo string
		args     []string
		code     int
		want     string
	}{
		{"v1alpha1", `{"kind":"ExecCredential","apiVersion":"` + alpha + `"}`, nil, 1,
			`c3cred: KUBERNETES_EXEC_INFO asks for apiVersion "` + alpha + `"`},
		{"not JSON", "v1", nil, 1, "c3cred: KUBERNETES_EXEC_INFO is not ExecCredential JSON"},
		{"stray argument", "", []string{"get"}, 2, "c3cred: kubectl takes no arguments"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := map[string]string{"KUBERNETES_EXEC_INFO": tt.execInfo,
				"C3CRED_CONFIG": "/nonexistent/config.toml"}
			code, out, errOut := runCLI(t, env, "", append([]string{"kubectl"}, tt.args...)...)
			first, _, _ := strings.Cut(errOut, "\n")
			if code != tt.code || out != "" || !strings.HasPrefix(first, tt.want) {
				t.Errorf("exit %d, stdout %q, stderr %q; want exit %d and %q", code, out, errOut,
					tt.code, tt.want)
			}
		})
	}
}
