package e2e

import (
	"context"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// lookTool finds a program the tests drive c3cred through (kubectl, git, curl), skipping the test,
// saying why, on a machine without it. CI installs them all, so there nothing skips.
func lookTool(t *testing.T, name string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		t.Skipf("%s not found: %v (CI installs it; see .ci/run)", name, err)
	}
	return path
}

// runTool runs a program as a caller of c3cred: in the world's environment, where c3cred and
// git-credential-c3 are on PATH, with stdin, bounded to a minute. Its outputs join the leak
// scan; its result names it in angle brackets after "c3cred".
func (w *world) runTool(stdin, path string, args ...string) *result {
	w.t.Helper()
	cmd := w.tool(path, args...)
	cmd.Stdin = strings.NewReader(stdin)
	return w.finish(cmd, append([]string{"<" + filepath.Base(path) + ">"}, args...))
}

// tool prepares a program to run in the world's environment, bounded to a minute.
func (w *world) tool(path string, args ...string) *exec.Cmd {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	w.t.Cleanup(cancel)
	cmd := exec.CommandContext(ctx, path, args...)
	cmd.Env = w.environ()
	return cmd
}

// shell runs a POSIX shell script in the world, as a user's script would run c3cred.
func (w *world) shell(stdin, script string) *result {
	w.t.Helper()
	return w.runTool(stdin, "/bin/sh", "-c", script)
}
