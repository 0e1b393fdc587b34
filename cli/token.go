package cli

import (
	"time"

	"c3cred/helper"
)

var tokenCommand = &command{
	name:    "token",
	summary: "print a valid access token (json, raw, or an Authorization header)",
	usage:   "token [--profile P] [--format json|raw|header] [--min-ttl D] [--force]",
	details: `  --format F      json (default): {"access_token","token_type","expires_at"};
                  raw: the token; header: "Authorization: Bearer <token>"
  --min-ttl D     renew unless the token has at least D left (default: the profile's min_ttl)
  --force         fetch a new token whatever the cache holds

`,
	run: runToken,
}

func runToken(r *runner, args []string) error {
	fs := r.flags()
	format := fs.String("format", helper.FormatJSON, "")
	minTTL := fs.Duration("min-ttl", 0, "")
	force := fs.Bool("force", false, "")
	rest, err := r.parse(fs, args)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return usageError("token takes no arguments")
	}
	if _, err := helper.Format(&helper.Token{}, *format); err != nil {
		return usageError(err.Error())
	}
	if *minTTL < 0 {
		return usageError("--min-ttl must not be negative")
	}

	tok, err := r.token(helper.Options{MinTTL: *minTTL, Force: *force})
	if err != nil {
		return err
	}
	out, err := helper.Format(tok, *format)
	if err != nil {
		return err
	}
	_, err = r.env.Stdout.Write(out)
	return err
}

// token gets a token for the selected profile.
func (r *runner) token(opt helper.Options) (*helper.Token, error) {
	p, err := r.selectProfile()
	if err != nil {
		return nil, err
	}
	start := time.Now()
	tok, err := r.helper().Token(r.ctx, p, opt)
	r.log.Debugf("profile %s: answered in %v", p.Name, time.Since(start).Round(time.Microsecond))
	return tok, err
}
