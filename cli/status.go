package cli

import (
	"errors"
	"fmt"
	"text/tabwriter"
	"time"

	"c3cred/cache"
	"c3cred/helper"
)

var statusCommand = &command{
	name:    "status",
	summary: "show each profile: URL, cache, secret source and the time left on its token",
	usage:   "status",
	run:     runStatus,
}

func runStatus(r *runner, args []string) error {
	rest, err := r.parse(r.flags(), args)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return usageError("status takes no arguments")
	}
	cfg, err := r.config()
	if err != nil {
		return err
	}

	h := r.helper()
	w := tabwriter.NewWriter(r.env.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintf(w, "PROFILE\tURL\tCACHE\tSECRET\tTOKEN\n")
	for _, name := range cfg.Names() {
		p := cfg.Profiles[name]
		if name == cfg.DefaultProfile {
			name += " (default)"
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", name, p.URL, h.Store(p).Name(), p.SecretSource(),
			tokenState(h, p))
	}
	if err := w.Flush(); err != nil {
		return err
	}
	_, err = fmt.Fprintf(r.env.Stdout, "config: %s\n", cfg.Path)
	return err
}

// tokenState says how long the cached token has left, without showing it.
func tokenState(h *helper.Helper, p *helper.Profile) string {
	e, err := h.Cached(p)
	switch {
	case errors.Is(err, cache.ErrMiss):
		return "none cached"
	case err != nil:
		return "unreadable: " + err.Error()
	}
	left := time.Until(e.ExpiresAt)
	if left <= 0 {
		return "expired " + e.ExpiresAt.Local().Format(time.DateTime)
	}
	return fmt.Sprintf("%v left (expires %s)", left.Round(time.Second),
		e.ExpiresAt.Local().Format(time.DateTime))
}
