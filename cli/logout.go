package cli

import (
	"errors"
	"fmt"
)

var logoutCommand = &command{
	name:    "logout",
	summary: "forget the cached token of a profile, or of all of them",
	usage:   "logout [--profile P | --all]",
	details: `  --all           forget the cached tokens of every profile in the config

`,
	run: runLogout,
}

func runLogout(r *runner, args []string) error {
	fs := r.flags()
	all := fs.Bool("all", false, "")
	rest, err := r.parse(fs, args)
	if err != nil {
		return err
	}
	switch {
	case len(rest) > 0:
		return usageError("logout takes no arguments")
	case *all && r.profile != "":
		return usageError("give --profile or --all, not both")
	}

	h := r.helper()
	if !*all {
		p, err := r.selectProfile()
		if err != nil {
			return err
		}
		return h.Forget(p)
	}
	cfg, err := r.config()
	if err != nil {
		return err
	}
	var errs []error
	for _, name := range cfg.Names() {
		errs = append(errs, h.Forget(cfg.Profiles[name]))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("logout: %w", err)
	}
	return nil
}
