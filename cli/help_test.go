package cli

import (
	"bytes"
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

func TestCommandHelp(t *testing.T) {
	for _, name := range []string{"kubectl", "git-credential", "exec", "whoami", "inspect"} {
		code, out, _ := runCLI(t, nil, "", "help", name)
		if code != 0 || !strings.HasPrefix(out, "usage: c3cred "+name) {
			t.Errorf("help %s: exit %d, stdout %q", name, code, out)
		}
	}
}
