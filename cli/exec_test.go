package cli

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
)

func TestChildEnv(t *testing.T) {
	env := []string{"PATH=/bin", "C3_AUTH_TOKEN=stale", "C3_URL=https://old", "C3_URLX=kept",
		"MY_SECRET=s3cr3t", "C3CRED_CLIENT_SECRET=s3cr3t", "MY_SECRET_2=kept"}
	got := childEnv(env, "fresh", "https://new/app", "MY_SECRET", "C3CRED_CLIENT_SECRET")
	want := []string{"PATH=/bin", "C3_URLX=kept", "MY_SECRET_2=kept", "C3_AUTH_TOKEN=fresh",
		"C3_URL=https://new/app"}
	if !slices.Equal(got, want) {
		t.Errorf("got %q\nwant %q", got, want)
	}
}

// TestCommandStatus runs real commands and checks the status exec would exit with.
func TestCommandStatus(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("the commands are POSIX shell")
	}
	dir := t.TempDir()
	notExecutable := filepath.Join(dir, "script")
	if err := os.WriteFile(notExecutable, []byte("#!/bin/sh\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		argv []string
		code int // 0 for success
		want string
	}{
		{"success", []string{"/bin/sh", "-c", "exit 0"}, 0, ""},
		{"exit status", []string{"/bin/sh", "-c", "exit 3"}, 3, "exit status 3"},
		{"killed by a signal", []string{"/bin/sh", "-c", "kill -TERM $$"}, 143, "exit status 143"},
		{"not on PATH", []string{"c3cred-no-such-command"}, 127,
			"exec: c3cred-no-such-command: command not found"},
		{"no such file", []string{filepath.Join(dir, "missing")}, 127, "missing: no such file"},
		{"not executable", []string{notExecutable}, 126, "script: permission denied"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := commandStatus(tt.argv[0], exec.Command(tt.argv[0], tt.argv[1:]...).Run())
			if tt.code == 0 {
				if err != nil {
					t.Fatalf("got %v, want success", err)
				}
				return
			}
			var status *exitStatus
			if !errors.As(err, &status) || status.code != tt.code ||
				!strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want exit %d saying %q", err, tt.code, tt.want)
			}
		})
	}
}

func TestExecUsage(t *testing.T) {
	code, out, errOut := runCLI(t, nil, "", "exec", "--profile", "p")
	const want = "c3cred: exec needs a command to run\n"
	if code != 2 || out != "" || !strings.HasPrefix(errOut, want) {
		t.Errorf("exit %d, stdout %q, stderr %q; want a usage error", code, out, errOut)
	}
}
