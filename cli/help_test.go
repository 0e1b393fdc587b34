package cli

import (
	"bytes"
	"os"
	"strings"
	"testing"
)

// runCLI runs c3cred in-process with env as its whole environment and returns what it did.
func runCLI(t *testing.T, env map[string]string, stdin string,
	args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = Run(append([]string{"c3cred"}, args...), Env{
		Stdin:  strings.NewReader(stdin),
		Stdout: &out,
		Stderr: &errOut,
		Getenv: func(k string) string { return env[k] },
	})
	return code, out.String(), errOut.String()
}

func TestHelpListsEveryCommand(t *testing.T) {
	code, out, errOut := runCLI(t, nil, "", "help")
	if code != 0 || errOut != "" {
		t.Fatalf("help: exit %d, stderr %q", code, errOut)
	}
	want := []string{"token", "kubectl", "git-credential", "exec", "whoami", "inspect", "secret",
		"logout", "status", "version", "help"}
	var got []string
	for _, line := range strings.Split(out, "\n") {
		if fields := strings.Fields(line); strings.HasPrefix(line, "  ") && len(fields) > 1 &&
			lookup(fields[0]) != nil {
			got = append(got, fields[0])
		}
	}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("help lists %q\nwant %q", got, want)
	}
	for _, c := range commands {
		if c.summary == "" || strings.Contains(c.summary+c.usage, "\n") {
			t.Errorf("command %s: want a one-line summary and usage", c.name)
		}
		if !strings.HasPrefix(c.usage, c.name) {
			t.Errorf("command %s: usage %q does not start with its name", c.name, c.usage)
		}
	}
}

// TestCommandHelp checks that each command's help, reached both ways, explains its own flags
// and arguments as well as the common ones.
func TestCommandHelp(t *testing.T) {
	tests := []struct {
		name string
		want []string
	}{
		{"token", []string{"--format", "--min-ttl", "--force"}},
		{"kubectl", nil},
		{"git-credential", []string{"get", "store", "erase"}},
		{"exec", []string{"C3_AUTH_TOKEN", "C3_URL"}},
		{"whoami", []string{"--json"}},
		{"inspect", []string{"--json", "stdin"}},
		{"secret", []string{"set", "delete"}},
		{"logout", []string{"--all"}},
		{"status", nil},
		{"version", nil},
	}
	for _, tt := range tests {
		for _, args := range [][]string{{"help", tt.name}, {tt.name, "--help"}} {
			code, out, _ := runCLI(t, nil, "", args...)
			if code != 0 || !strings.HasPrefix(out, "usage: c3cred "+tt.name) {
				t.Errorf("%v: exit %d, stdout %q", args, code, out)
				continue
			}
			for _, want := range append(tt.want, "--profile", "--config", "--verbose") {
				if !strings.Contains(out, want) {
					t.Errorf("%v does not explain %s:\n%s", args, want, out)
				}
			}
		}
	}
}

// TestFlagsBeforeCommand checks that the flags every command takes work before the command too,
// and that a flag after the command wins.
func TestFlagsBeforeCommand(t *testing.T) {
	dir := t.TempDir()
	config := dir + "/config.toml"
	body := "[profiles.a]\nurl = \"https://a.example/app\"\nclient_id = \"a\"\n" +
		"[profiles.b]\nurl = \"https://b.example/app\"\nclient_id = \"b\"\n"
	if err := os.WriteFile(config, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"--config", config, "--profile", "zz", "status"}, ""},
		{[]string{"--config", config, "--profile", "zz", "token"}, `unknown profile "zz"`},
		{[]string{"--config", config, "--profile", "zz", "token", "--profile", "yy"},
			`unknown profile "yy"`},
		{[]string{"--nope", "token"}, "flag provided but not defined: -nope"},
	}
	for _, tt := range tests {
		code, _, errOut := runCLI(t, nil, "", tt.args...)
		if tt.want == "" && code != 0 || !strings.Contains(errOut, tt.want) {
			t.Errorf("%v: exit %d, stderr %q; want %q", tt.args, code, errOut, tt.want)
		}
	}
}
