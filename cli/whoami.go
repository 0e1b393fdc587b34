package cli

import (
	"fmt"
	"strings"

	"c3cred/helper"
)

var whoamiCommand = &command{
	name:    "whoami",
	summary: "ask the platform who the profile's token stands for (User.myUser)",
	usage:   "whoami [--profile P] [--json]",
	details: `  --json          print the platform's reply as it came

`,
	run: runWhoami,
}

// runWhoami prints the identity the platform sees behind the profile's token: a few readable
// lines, or with --json the platform's reply as it came.
func runWhoami(r *runner, args []string) error {
	flags := r.flags()
	asJSON := flags.Bool("json", false, "")
	rest, err := r.parse(flags, args)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return usageError("whoami takes no arguments")
	}
	p, err := r.selectProfile()
	if err != nil {
		return err
	}

	h := r.helper()
	tok, err := h.Token(r.ctx, p, helper.Options{})
	if err != nil {
		return err
	}
	ctx, stop := interruptible(r.ctx)
	defer stop()
	id, raw, err := h.WhoAmI(ctx, p, tok.AccessToken)
	if err != nil {
		return err
	}

	if *asJSON {
		if !strings.HasSuffix(string(raw), "\n") {
			raw = append(raw, '\n')
		}
		_, err = r.env.Stdout.Write(raw)
		return err
	}
	_, err = fmt.Fprint(r.env.Stdout, describeIdentity(p, id))
	return err
}

// describeIdentity renders id as aligned lines; empty fields are left out.
func describeIdentity(p *helper.Profile, id *helper.Identity) string {
	name := strings.TrimSpace(id.FirstName + " " + id.LastName)
	lines := [][2]string{
		{"id", id.ID},
		{"email", id.Email},
		{"name", name},
		{"groups", strings.Join(id.GroupNames(), ", ")},
		{"profile", p.Name + " (" + p.URL + ")"},
	}
	var b strings.Builder
	for _, l := range lines {
		if l[1] != "" {
			fmt.Fprintf(&b, "%-8s %s\n", l[0]+":", l[1])
		}
	}
	return b.String()
}
