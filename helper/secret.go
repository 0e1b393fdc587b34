package helper

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"strings"

	"c3cred/cache"
)

// maxSecretSize bounds what is read from a secret file or command.
const maxSecretSize = 64 << 10

// SecretSource describes where a profile's client secret comes from, for status and messages.
func (p *Profile) SecretSource() string {
	switch {
	case p.ClientSecretEnv != "":
		return "env " + p.ClientSecretEnv
	case p.ClientSecretCommand != "":
		return "command"
	case p.ClientSecretFile != "":
		return "file " + p.ClientSecretFile
	case p.ClientSecret != "" && p.secretInline:
		return "config file"
	case p.ClientSecret != "":
		return "env C3CRED_CLIENT_SECRET"
	}
	return "keyring"
}

// secret reads the profile's client secret from its one source. It runs only when a token must be
// fetched, so a command such as `pass show` is not run on a cache hit.
func (h *Helper) secret(ctx context.Context, p *Profile) (string, error) {
	var (
		s   string
		err error
	)
	switch {
	case p.ClientSecretEnv != "":
		if s = h.Getenv(p.ClientSecretEnv); s == "" {
			err = fmt.Errorf("environment variable %s is empty or unset", p.ClientSecretEnv)
		}
	case p.ClientSecretCommand != "":
		s, err = secretFromCommand(ctx, p.ClientSecretCommand, h.Stderr)
	case p.ClientSecretFile != "":
		s, err = secretFromFile(expandHome(p.ClientSecretFile))
	case p.ClientSecret != "":
		s = p.ClientSecret
	default:
		s, err = h.secretFromKeyring(p)
	}
	if err == nil && s == "" {
		err = errors.New("the client secret is empty")
	}
	if err != nil {
		return "", fmt.Errorf("profile %q: %w", p.Name, err)
	}
	return s, nil
}

func (h *Helper) secretFromKeyring(p *Profile) (string, error) {
	s, err := h.Keyring.Get(cache.SecretItem(p.Name))
	switch {
	case errors.Is(err, cache.ErrMiss):
		return "", withHint(errors.New("no client secret is configured"),
			fmt.Sprintf("run `c3cred secret set --profile %s`, or set client_secret_env in "+
				"the config", p.Name))
	case err != nil:
		return "", withHint(fmt.Errorf("could not read the client secret from the keyring: %w", err),
			"with no keyring, set client_secret_env, client_secret_command or client_secret_file")
	}
	return s, nil
}

// secretFromCommand runs command through the shell and returns its output, less the final newline.
// The command's stderr is the user's, so a pinentry or passphrase prompt can reach them.
func secretFromCommand(ctx context.Context, command string, stderr io.Writer) (string, error) {
	cmd := exec.CommandContext(ctx, "/bin/sh", "-c", command)
	if runtime.GOOS == "windows" {
		cmd = exec.CommandContext(ctx, "cmd", "/C", command)
	}
	var out bytes.Buffer
	cmd.Stdout = &limitedWriter{w: &out, n: maxSecretSize}
	cmd.Stderr = stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("client_secret_command failed: %v", err)
	}
	return strings.TrimRight(out.String(), "\r\n"), nil
}

// secretFromFile reads a secret file that only its owner can read.
func secretFromFile(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("could not read client_secret_file: %w", err)
	}
	defer f.Close()
	info, err := f.Stat()
	if err == nil && runtime.GOOS != "windows" && info.Mode().Perm()&0o077 != 0 {
		err := fmt.Errorf("client_secret_file %s is open to group or others (mode %04o)", path,
			info.Mode().Perm())
		return "", withHint(err, "run chmod 600 "+path)
	}
	data, err := io.ReadAll(io.LimitReader(f, maxSecretSize))
	if err != nil {
		return "", fmt.Errorf("could not read client_secret_file %s: %w", path, err)
	}
	return strings.TrimSpace(string(data)), nil
}

// limitedWriter keeps the first n bytes written to it and drops the rest.
type limitedWriter struct {
	w io.Writer
	n int
}

func (l *limitedWriter) Write(p []byte) (int, error) {
	keep := min(len(p), l.n)
	l.n -= keep
	if _, err := l.w.Write(p[:keep]); err != nil {
		return 0, err
	}
	return len(p), nil
}
