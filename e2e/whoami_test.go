package e2e

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"c3cred/jwtinfo"
	"c3cred/standin"
)

// ada is a user other than the stand-in's default, so that nothing can pass by printing that.
var ada = standin.User{ID: "ada@c3cred.test", Email: "ada.lovelace@c3cred.test", FirstName: "Ada",
	LastName: "Lovelace", Groups: []string{"C3.AppAdmin", "Analysts"}}

func TestWhoami(t *testing.T) {
	w := newWorld(t, standin.Options{User: ada}, "")
	r := w.run("whoami")
	mustSucceed(t, r)
	for _, want := range []string{
		"id:      ada@c3cred.test\n",
		"email:   ada.lovelace@c3cred.test\n",
		"name:    Ada Lovelace\n",
		"groups:  C3.AppAdmin, Analysts\n",
		"profile: test (" + w.srv.URL + ")\n",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("whoami does not say %q:\n%v", want, r)
		}
	}

	r = w.run("whoami", "--json")
	mustSucceed(t, r)
	var reply struct {
		Type  string `json:"type"`
		ID    string `json:"id"`
		Email string `json:"email"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &reply); err != nil || reply.ID != ada.ID ||
		reply.Type != "User" || reply.Email != ada.Email {
		t.Errorf("whoami --json is not the platform's reply (%v):\n%v", err, r)
	}
	if w.srv.UserRequests() != 2 || w.requests() != 1 {
		t.Errorf("%d myUser and %d token requests, want 2 and 1", w.srv.UserRequests(),
			w.requests())
	}
	for _, r := range []*result{w.run("whoami"), w.run("whoami", "--json")} {
		if strings.Contains(r.stdout, w.srv.Issued()[0]) {
			t.Errorf("whoami printed the token:\n%v", r)
		}
	}
}

// TestWhoamiRefusedToken: myUser refuses the cached token; whoami says so, drops it, and the
// next command fetches a new one.
func TestWhoamiRefusedToken(t *testing.T) {
	w := newWorld(t, standin.Options{}, "")
	mustSucceed(t, w.run("token"))
	w.srv.RevokeAll()

	r := w.run("whoami")
	mustFail(t, r, 1, "the platform refused the token")
	if !strings.Contains(r.stderr, "dropped it from the cache") ||
		!strings.Contains(r.stderr, "c3cred: hint: ") {
		t.Errorf("want the refusal explained, with a hint:\n%v", r)
	}
	if _, err := os.Stat(w.cacheFile()); !os.IsNotExist(err) {
		t.Errorf("the refused token is still cached: %v", err)
	}
	mustSucceed(t, w.run("whoami"))
	if got := w.requests(); got != 2 {
		t.Errorf("%d token requests, want 2", got)
	}
}

// inspectJSON is the part of inspect --json the tests read.
type inspectJSON struct {
	SignatureVerified bool           `json:"signature_verified"`
	Source            string         `json:"source"`
	Claims            map[string]any `json:"claims"`
	ExpUnit           string         `json:"exp_unit"`
	ExpiresAt         string         `json:"expires_at"`
	ExpiresInSeconds  *int64         `json:"expires_in_seconds"`
	Expired           bool           `json:"expired"`
}

// TestInspectExpiryUnits inspects tokens whose exp is written each way the platform might.
func TestInspectExpiryUnits(t *testing.T) {
	tests := []struct {
		name     string
		response standin.Response
		unit     string
		line     string
	}{
		{"milliseconds, as the platform writes", standin.OK(), "milliseconds",
			"exp unit:  milliseconds"},
		{"seconds, as RFC 7519 says", standin.OKSecondsExp(), "seconds", "exp unit:  seconds"},
		{"no exp", standin.OKExpiresInOnly(), "none",
			"expires:   unknown: the token has no exp claim"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t, standin.Options{User: ada}, "")
			w.srv.Script(tt.response)
			token := strings.TrimSpace(w.run("token", "--format", "raw").stdout)

			r := w.runIn(token+"\n", "inspect", "-")
			mustSucceed(t, r)
			if !strings.Contains(r.stdout, tt.line) || !strings.Contains(r.stdout, "NOT verified") {
				t.Errorf("want %q and NOT verified:\n%v", tt.line, r)
			}
			r = w.runIn(token, "inspect", "--json", "-")
			mustSucceed(t, r)
			var got inspectJSON
			if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
				t.Fatalf("inspect --json: %v\n%v", err, r)
			}
			if got.ExpUnit != tt.unit || got.SignatureVerified || got.Claims["id"] != ada.ID {
				t.Errorf("got unit %q, verified %v, id %v; want %s, false, %s", got.ExpUnit,
					got.SignatureVerified, got.Claims["id"], tt.unit, ada.ID)
			}
			if tt.unit != "none" {
				checkExpiry(t, token, got)
			}
		})
	}
}

// checkExpiry compares inspect's expiry with the token's own exp, and the time left with an hour.
func checkExpiry(t *testing.T, token string, got inspectJSON) {
	t.Helper()
	info, err := jwtinfo.Parse(token)
	if err != nil {
		t.Fatal(err)
	}
	if want := info.Expiry.UTC().Format(time.RFC3339); got.ExpiresAt != want {
		t.Errorf("expires_at %q, want %q", got.ExpiresAt, want)
	}
	left := got.ExpiresInSeconds
	if left == nil || *left < 3500 || *left > 3600 || got.Expired {
		t.Errorf("expires_in_seconds %v, expired %v; want about an hour left",
			got.ExpiresInSeconds, got.Expired)
	}
}

// TestInspectSources reads the token from each place inspect takes it, in each form c3cred token
// prints, and shows the expiry in the local zone and in UTC.
func TestInspectSources(t *testing.T) {
	w := newWorld(t, standin.Options{User: ada}, "")
	w.env["TZ"] = "Asia/Kolkata"
	asJSON := w.run("token").stdout
	token := parseTokenJSON(t, w.run("token")).AccessToken
	header := w.run("token", "--format", "header").stdout
	tests := []struct {
		name   string
		stdin  string
		args   []string
		source string
	}{
		{"the cache", "", nil, "the cache of profile test"},
		{"stdin, raw", token, []string{"-"}, "stdin"},
		{"stdin, header", header, []string{"-"}, "stdin"},
		{"stdin, JSON", asJSON, []string{"-"}, "stdin"},
		{"argument", "", []string{token}, "the argument"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := w.runIn(tt.stdin, append([]string{"inspect"}, tt.args...)...)
			mustSucceed(t, r)
			for _, want := range []string{
				"source:    " + tt.source + "\n",
				"groups:    C3.AppAdmin, Analysts\n",
				"id:        ada@c3cred.test\n",
				"kind:      OAuthAccessToken\n",
				" IST +0530 = ",
				" UTC\n",
				"time left: ",
			} {
				if !strings.Contains(r.stdout, want) {
					t.Errorf("inspect does not say %q:\n%v", want, r)
				}
			}
			claims := strings.Split(token, ".")[1]
			if strings.Contains(r.stdout, token) || strings.Contains(r.stdout, claims) {
				t.Errorf("inspect printed the token:\n%v", r)
			}
		})
	}
	if got := w.requests(); got != 1 {
		t.Errorf("%d token requests, want 1: inspect never fetches", got)
	}
}

func TestInspectFailures(t *testing.T) {
	w := newWorld(t, standin.Options{}, "")
	tests := []struct {
		name  string
		stdin string
		args  []string
		code  int
		want  string
	}{
		{"nothing cached", "", nil, 1, `profile "test" has no cached token`},
		{"empty stdin", "\n", []string{"-"}, 1, "no token in stdin"},
		{"not a JWT", "opaque-token-value\n", []string{"-"}, 1, "not a JWT"},
		{"two tokens", "", []string{"a.b.c", "d.e.f"}, 2, "inspect takes one token"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := w.runIn(tt.stdin, append([]string{"inspect"}, tt.args...)...)
			mustFail(t, r, tt.code, tt.want)
			if strings.Contains(r.stderr, "opaque-token-value") {
				t.Errorf("the error repeats the token:\n%v", r)
			}
		})
	}
	if w.requests() != 0 {
		t.Errorf("inspect made %d token requests", w.requests())
	}
}
