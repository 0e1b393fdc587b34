package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode"

	"c3cred/cache"
	"c3cred/helper"
	"c3cred/jwtinfo"
)

var inspectCommand = &command{
	name:    "inspect",
	summary: "show a token's claims and expiry; the signature is NOT verified",
	usage:   "inspect [--profile P] [--json] [- | TOKEN]",
	details: `  -               read the token from stdin (raw, header or JSON form)
  TOKEN           the token itself; other users can see a command's arguments: prefer -
                  with neither, the profile's cached token
  --json          print the header, claims and expiry as JSON

`,
	run: runInspect,
}

// maxTokenInput bounds what inspect reads from stdin; a platform token is under 2 KB.
const maxTokenInput = 64 << 10

// runInspect decodes a token without verifying it and shows what it says of itself: the
// profile's cached token, the one on stdin ("-"), or the argument, which the README advises
// against since other users of the machine can list a command's arguments. What it reads may be
// any form c3cred token prints. It never prints the token.
func runInspect(r *runner, args []string) error {
	flags := r.flags()
	asJSON := flags.Bool("json", false, "")
	rest, err := r.parse(flags, args)
	if err != nil {
		return err
	}
	if len(rest) > 1 {
		return usageError("inspect takes one token, or - to read it from stdin")
	}
	token, source, err := r.tokenToInspect(rest)
	if err != nil {
		return err
	}
	info, err := jwtinfo.Parse(token)
	if err != nil {
		return fmt.Errorf("the token from %s: %w", source, err)
	}

	ins := newInspection(info, source, helper.Fingerprint(token), time.Now())
	if *asJSON {
		data, err := json.MarshalIndent(ins, "", "  ")
		if err != nil {
			return err
		}
		_, err = r.env.Stdout.Write(append(data, '\n'))
		return err
	}
	_, err = io.WriteString(r.env.Stdout, ins.text(info, time.Local))
	return err
}

// tokenToInspect finds the token to inspect and names where it came from: the argument, stdin
// for "-", or with no argument the profile's cache.
func (r *runner) tokenToInspect(rest []string) (token, source string, err error) {
	switch {
	case len(rest) == 1 && rest[0] == "-":
		data, err := io.ReadAll(io.LimitReader(r.env.Stdin, maxTokenInput))
		if err != nil {
			return "", "", fmt.Errorf("could not read the token from stdin: %w", err)
		}
		token, source = string(data), "stdin"
	case len(rest) == 1:
		token, source = rest[0], "the argument"
	default:
		return r.cachedToken()
	}
	if token = bareToken(token); token == "" {
		return "", "", fmt.Errorf("no token in %s", source)
	}
	return token, source, nil
}

// cachedToken returns the selected profile's cached token, fresh or not, without fetching one.
func (r *runner) cachedToken() (token, source string, err error) {
	p, err := r.selectProfile()
	if err != nil {
		return "", "", err
	}
	e, err := r.helper().Cached(p)
	switch {
	case errors.Is(err, cache.ErrMiss):
		return "", "", &helper.HintError{Err: fmt.Errorf("profile %q has no cached token", p.Name),
			Hint: "run `c3cred token --profile " + p.Name + "` first, or give one: " +
				"c3cred inspect - <file"}
	case err != nil:
		return "", "", fmt.Errorf("profile %q: could not read the cached token: %w", p.Name, err)
	}
	return e.AccessToken, "the cache of profile " + p.Name, nil
}

// bareToken takes the token out of what c3cred token prints in any format: the token itself,
// an Authorization header, or the JSON form.
func bareToken(s string) string {
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "{") {
		var tj helper.TokenJSON
		if json.Unmarshal([]byte(s), &tj) == nil {
			return strings.TrimSpace(tj.AccessToken)
		}
	}
	if name, value, ok := strings.Cut(s, ":"); ok && strings.EqualFold(name, "Authorization") {
		s = strings.TrimSpace(value)
	}
	if scheme, value, ok := strings.Cut(s, " "); ok && strings.EqualFold(scheme, "Bearer") {
		s = strings.TrimSpace(value)
	}
	return s
}

// inspection is what inspect reports, and its --json form.
type inspection struct {
	// SignatureVerified is always false: a client has no key to check the signature with.
	SignatureVerified bool `json:"signature_verified"`
	// Source says where the token came from.
	Source string `json:"source"`
	// Fingerprint tells the token apart from others without revealing it.
	Fingerprint string `json:"fingerprint"`
	// Header is the token's JOSE header.
	Header map[string]any `json:"header"`
	// Claims are all the token's claims, as it states them.
	Claims map[string]any `json:"claims"`
	// ExpUnit is how exp was read: seconds, milliseconds, or none.
	ExpUnit jwtinfo.Unit `json:"exp_unit"`
	// ExpiresAt is the expiry in RFC 3339, UTC; absent without exp.
	ExpiresAt string `json:"expires_at,omitempty"`
	// ExpiresAtLocal is the same instant in the local time zone.
	ExpiresAtLocal string `json:"expires_at_local,omitempty"`
	// ExpiresInSeconds is the time left, negative once expired; absent without exp.
	ExpiresInSeconds *int64 `json:"expires_in_seconds,omitempty"`
	// Expired reports that exp has passed.
	Expired bool `json:"expired"`

	expiry time.Time
	left   time.Duration
}

func newInspection(info *jwtinfo.Info, source, fingerprint string, now time.Time) *inspection {
	ins := &inspection{Source: source, Fingerprint: fingerprint, Header: info.Header,
		Claims: info.Claims, ExpUnit: info.ExpUnit}
	if info.ExpUnit == jwtinfo.NoExp {
		return ins
	}
	ins.expiry, ins.left = info.Expiry, info.Expiry.Sub(now).Truncate(time.Second)
	secs := int64(ins.left / time.Second)
	ins.ExpiresAt = info.Expiry.UTC().Format(time.RFC3339)
	ins.ExpiresAtLocal = info.Expiry.Local().Format(time.RFC3339)
	ins.ExpiresInSeconds, ins.Expired = &secs, !info.Expiry.After(now)
	return ins
}

// text renders the inspection as aligned lines, with times in loc and in UTC. Claims are the
// token's own words, so they are cleaned of control characters before they reach a terminal.
func (ins *inspection) text(info *jwtinfo.Info, loc *time.Location) string {
	groups := claimStrings(info.Claims, "groups")
	if len(groups) == 0 {
		groups = claimStrings(info.Claims, "c3groups")
	}
	lines := [][2]string{
		{"signature", "NOT verified: c3cred cannot check it; these are only the token's own claims"},
		{"source", ins.Source},
		{"token", ins.Fingerprint + " (a fingerprint; the token is not shown)"},
		{"app", claimString(info.Claims, "app")},
		{"kind", claimString(info.Claims, "kind")},
		{"id", claimString(info.Claims, "id")},
		{"email", claimString(info.Claims, "email")},
		{"groups", strings.Join(groups, ", ")},
		{"client id", claimString(info.Claims, "oauthappid")},
		{"issuer", claimString(info.Claims, "iss")},
	}
	lines = append(lines, ins.expiryLines(info, loc)...)
	var b strings.Builder
	for _, l := range lines {
		if l[1] != "" {
			fmt.Fprintf(&b, "%-10s %s\n", l[0]+":", l[1])
		}
	}
	return b.String()
}

// expiryLines tell when the token expires, in loc and UTC, how long that is from now, and in
// which unit exp was read.
func (ins *inspection) expiryLines(info *jwtinfo.Info, loc *time.Location) [][2]string {
	if info.ExpUnit == jwtinfo.NoExp {
		return [][2]string{{"expires", "unknown: the token has no exp claim"}}
	}
	const layout = "2006-01-02 15:04:05 MST"
	when := ins.expiry.In(loc).Format(layout + " -0700")
	if loc != time.UTC {
		when += " = " + ins.expiry.UTC().Format(layout)
	}
	left := ins.left.String() + " left"
	if ins.Expired {
		left = "expired " + (-ins.left).String() + " ago"
	}
	return [][2]string{
		{"expires", when},
		{"time left", left},
		{"exp unit", fmt.Sprintf("%s (exp = %s)", info.ExpUnit,
			printable(fmt.Sprint(info.Claims["exp"])))},
	}
}

// claimString returns a string claim, cleaned for a terminal, or "".
func claimString(claims map[string]any, key string) string {
	s, _ := claims[key].(string)
	return printable(s)
}

// claimStrings returns a claim that lists strings, each cleaned for a terminal.
func claimStrings(claims map[string]any, key string) []string {
	list, _ := claims[key].([]any)
	var out []string
	for _, v := range list {
		if s, ok := v.(string); ok {
			out = append(out, printable(s))
		}
	}
	return out
}

// printable replaces control characters with '?' and cuts s to 200 runes, so that a token's
// claims cannot move the cursor or flood the screen.
func printable(s string) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return '?'
		}
		return r
	}, s)
	if r := []rune(s); len(r) > 200 {
		s = string(r[:200]) + "…"
	}
	return s
}
