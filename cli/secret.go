package cli

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"golang.org/x/term"

	"c3cred/cache"
	"c3cred/helper"
)

var secretCommand = &command{
	name:    "secret",
	summary: "store the client secret in the keyring (from stdin or a prompt), or delete it",
	usage:   "secret set|delete [--profile P]",
	details: `  set             read the secret from stdin, or prompt for it without echo on a terminal,
                  and store it in the keyring
  delete          remove it from the keyring

`,
	run: runSecret,
}

func runSecret(r *runner, args []string) error {
	rest, err := r.parse(r.flags(), args)
	if err != nil {
		return err
	}
	if len(rest) != 1 || (rest[0] != "set" && rest[0] != "delete") {
		return usageError("secret takes one action: set or delete")
	}
	p, err := r.selectProfile()
	if err != nil {
		return err
	}
	kr := &cache.Keyring{Getenv: r.env.Getenv}
	item := cache.SecretItem(p.Name)

	if rest[0] == "delete" {
		if err := kr.Remove(item); err != nil {
			return fmt.Errorf("profile %q: could not delete the client secret: %w", p.Name, err)
		}
		fmt.Fprintf(r.env.Stderr, "c3cred: deleted the client secret of profile %s\n", p.Name)
		return nil
	}

	secret, err := r.readSecret(p)
	if err != nil {
		return err
	}
	if err := kr.Set(item, secret); err != nil {
		return &helper.HintError{
			Err:  fmt.Errorf("profile %q: could not store the client secret: %w", p.Name, err),
			Hint: "with no keyring, use client_secret_file or client_secret_env instead",
		}
	}
	fmt.Fprintf(r.env.Stderr, "c3cred: stored the client secret of profile %s in the keyring\n",
		p.Name)
	if src := p.SecretSource(); src != "keyring" {
		r.log.Warnf("profile %s takes its secret from %s, which wins over the keyring", p.Name, src)
	}
	return nil
}

// readSecret reads the secret from a prompt without echo when stdin is a terminal, else from the
// first line of stdin.
func (r *runner) readSecret(p *helper.Profile) (string, error) {
	var line string
	if f, ok := r.env.Stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		fmt.Fprintf(r.env.Stderr, "client secret for profile %s: ", p.Name)
		raw, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(r.env.Stderr)
		if err != nil {
			return "", fmt.Errorf("could not read the secret: %w", err)
		}
		line = string(raw)
	} else {
		raw, err := bufio.NewReader(io.LimitReader(r.env.Stdin, 64<<10)).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return "", fmt.Errorf("could not read the secret from stdin: %w", err)
		}
		line = raw
	}
	secret := strings.TrimRight(line, "\r\n")
	if strings.TrimSpace(secret) == "" {
		return "", errors.New("the client secret is empty; nothing stored")
	}
	return secret, nil
}
