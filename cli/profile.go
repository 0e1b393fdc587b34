package cli

import (
	"time"

	"c3cred/cache"
	"c3cred/helper"
)

// config loads the config the flags and environment point to.
func (r *runner) config() (*helper.Config, error) {
	return helper.FindConfig(r.configPath, r.env.Getenv)
}

// selectProfile loads the config and picks the profile: --profile, then C3CRED_PROFILE, then the
// config's default, then its only profile.
func (r *runner) selectProfile() (*helper.Profile, error) {
	cfg, err := r.config()
	if err != nil {
		return nil, err
	}
	name := r.profile
	if name == "" {
		name = r.env.Getenv("C3CRED_PROFILE")
	}
	return cfg.Select(name)
}

// helper returns the token engine for this run.
func (r *runner) helper() *helper.Helper {
	return &helper.Helper{
		Getenv:    r.env.Getenv,
		Stderr:    r.env.Stderr,
		Log:       r.log,
		StateDir:  helper.DefaultStateDir(),
		Keyring:   &cache.Keyring{Getenv: r.env.Getenv},
		Now:       time.Now,
		Interrupt: interruptible,
	}
}
