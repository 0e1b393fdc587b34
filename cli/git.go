package cli

import (
	"errors"
	"fmt"
	"io"

	"c3cred/helper"
)

var gitCommand = &command{
	name:    "git-credential",
	summary: "act as git's credential helper (credential.helper = c3): get, store, erase",
	usage:   "git-credential [--profile P] get|store|erase",
	details: `  get             answer git with the token of the profile that serves git's URL
  store           do nothing: c3cred keeps its own cache
  erase           forget that profile's cached token (git refused it)
  Without --profile, the profile whose url matches git's protocol, host and path answers;
  when none does, c3cred prints nothing and git asks its next helper.

`,
	run: runGitCredential,
}

// runGitCredential speaks git's credential helper protocol. An action it does not know is
// ignored, as git asks of helpers, so that a newer git can add some.
func runGitCredential(r *runner, args []string) error {
	rest, err := r.parse(r.flags(), args)
	if err != nil {
		return err
	}
	if len(rest) != 1 {
		return usageError("git-credential takes one action: get, store or erase")
	}
	action := rest[0]
	if action != "get" && action != "erase" {
		r.log.Debugf("git-credential: nothing to do for %q", action)
		_, err := io.Copy(io.Discard, io.LimitReader(r.env.Stdin, 1<<20))
		return err
	}
	req, err := helper.ParseGitRequest(r.env.Stdin)
	if err != nil {
		return fmt.Errorf("git-credential %s: %w", action, err)
	}

	p, err := r.gitProfile(req)
	if err != nil || p == nil {
		return err
	}
	h := r.helper()
	if action == "erase" {
		r.log.Debugf("git-credential: forgetting the token of profile %s", p.Name)
		return h.Forget(p)
	}
	tok, err := h.Token(r.ctx, p, helper.Options{})
	if err != nil {
		return err
	}
	out, err := helper.GitAnswer(req, p.ClientID, tok)
	if err != nil {
		return fmt.Errorf("profile %q: %w", p.Name, err)
	}
	_, err = r.env.Stdout.Write(out)
	return err
}

// gitProfile picks the profile that answers git, or none. --profile names it, provided git's
// remote is reached over https (or http to a loopback host); otherwise the profile's url must
// match the remote. When none answers, git asks its next helper, so that is not an error.
func (r *runner) gitProfile(req *helper.GitRequest) (*helper.Profile, error) {
	where := req.Protocol + "://" + req.Host
	if r.profile != "" {
		if !helper.GitSafe(req) {
			r.log.Warnf("git asks for %s, which is not https; no token given to it", where)
			return nil, nil
		}
		return r.selectProfile()
	}
	cfg, err := r.config()
	if err != nil {
		return nil, err
	}
	p, err := cfg.GitProfile(req, r.env.Getenv("C3CRED_PROFILE"))
	switch {
	case errors.Is(err, helper.ErrGitAmbiguous):
		r.log.Warnf("%v; no token given", err)
		if hint := helper.HintOf(err); hint != "" {
			fmt.Fprintf(r.env.Stderr, "c3cred: hint: %s\n", hint)
		}
		return nil, nil
	case p == nil:
		r.log.Debugf("git-credential: no profile serves %s", where)
	}
	return p, err
}
