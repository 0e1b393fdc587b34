package cli

import (
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"c3cred/helper"
	"c3cred/jwtinfo"
)

// testJWT builds a token with claims, as the platform shapes them; the signature is filler.
func testJWT(claims string) string {
	enc := base64.RawURLEncoding.EncodeToString
	return enc([]byte(`{"typ":"JWT","alg":"RS512"}`)) + "." + enc([]byte(claims)) + "." +
		enc([]byte("not a real signature"))
}

const platformClaims = `{"app":"cluster-prod-myapp","oauthappid":"nvRQ1oF9R1uNhXu9NWUqAw",` +
	`"kind":"OAuthAccessToken","iss":"c3.ai","groups":["C3.AppAdmin","C3.EnvAdmin"],` +
	`"id":"alice@c3.ai","email":"alice@c3.ai","exp":%s}`

func TestBareToken(t *testing.T) {
	tests := []struct{ in, want string }{
		{"eyJ.a.b\n", "eyJ.a.b"},
		{"  eyJ.a.b  ", "eyJ.a.b"},
		{"Authorization: Bearer eyJ.a.b\n", "eyJ.a.b"},
		{"authorization:bearer  eyJ.a.b", "eyJ.a.b"},
		{"Bearer eyJ.a.b", "eyJ.a.b"},
		{`{"access_token":"eyJ.a.b","token_type":"Bearer","expires_at":"2025-06-18T20:23:22Z"}` + "\n",
			"eyJ.a.b"},
		{"", ""},
		{"\n", ""},
	}
	for _, tt := range tests {
		if got := bareToken(tt.in); got != tt.want {
			t.Errorf("bareToken(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestInspectionText(t *testing.T) {
	expiry := time.Date(2025, 6, 18, 20, 23, 22, 0, time.UTC)
	india := time.FixedZone("IST", 5*3600+1800)
	tests := []struct {
		name  string
		exp   string
		now   time.Time
		want  []string
		never []string
	}{
		{"milliseconds, an hour left", "1750278202122", expiry.Add(-time.Hour), []string{
			"signature: NOT verified",
			"app:       cluster-prod-myapp\n",
			"kind:      OAuthAccessToken\n",
			"id:        alice@c3.ai\n",
			"email:     alice@c3.ai\n",
			"groups:    C3.AppAdmin, C3.EnvAdmin\n",
			"client id: nvRQ1oF9R1uNhXu9NWUqAw\n",
			"expires:   2025-06-19 01:53:22 IST +0530 = 2025-06-18 20:23:22 UTC\n",
			"time left: 1h0m0s left\n",
			"exp unit:  milliseconds (exp = 1750278202122)\n",
		}, nil},
		{"seconds, expired", "1750278202", expiry.Add(2*time.Hour + 3*time.Second), []string{
			"time left: expired 2h0m3s ago\n",
			"exp unit:  seconds (exp = 1750278202)\n",
		}, nil},
		{"no exp", "null", expiry, []string{"expires:   unknown"},
			[]string{"time left", "exp unit"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			claims := strings.Replace(platformClaims, "%s", tt.exp, 1)
			if tt.exp == "null" {
				claims = strings.Replace(claims, `,"exp":null`, "", 1)
			}
			token := testJWT(claims)
			info, err := jwtinfo.Parse(token)
			if err != nil {
				t.Fatal(err)
			}
			ins := newInspection(info, "stdin", helper.Fingerprint(token), tt.now)
			text := ins.text(info, india)
			for _, want := range tt.want {
				if !strings.Contains(text, want) {
					t.Errorf("missing %q in:\n%s", want, text)
				}
			}
			for _, never := range append(tt.never, token, strings.Split(token, ".")[1]) {
				if strings.Contains(text, never) {
					t.Errorf("%q should not be in:\n%s", never, text)
				}
			}
		})
	}
}

func TestInspectionJSON(t *testing.T) {
	expiry := time.Date(2025, 6, 18, 20, 23, 22, 122e6, time.UTC)
	token := testJWT(strings.Replace(platformClaims, "%s", "1750278202122", 1))
	info, err := jwtinfo.Parse(token)
	if err != nil {
		t.Fatal(err)
	}
	data, err := json.Marshal(newInspection(info, "stdin", "sha256:0", expiry.Add(-90*time.Second)))
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(data, &got); err != nil {
		t.Fatal(err)
	}
	checks := map[string]any{
		"signature_verified": false,
		"exp_unit":           "milliseconds",
		"expires_at":         "2025-06-18T20:23:22Z",
		"expires_in_seconds": 90.0,
		"expired":            false,
		"source":             "stdin",
	}
	for key, want := range checks {
		if got[key] != want {
			t.Errorf("%s: got %v, want %v", key, got[key], want)
		}
	}
	if claims, _ := got["claims"].(map[string]any); claims["app"] != "cluster-prod-myapp" {
		t.Errorf("claims: got %v", got["claims"])
	}
	if strings.Contains(string(data), token) {
		t.Errorf("the JSON holds the token: %s", data)
	}
}

func TestPrintable(t *testing.T) {
	tests := []struct{ in, want string }{
		{"alice", "alice"},
		{"a\x1b[2Jb", "a?[2Jb"},
		{"a\u009bb\r\n", "a?b??"},
		{strings.Repeat("é", 201), strings.Repeat("é", 200) + "…"},
	}
	for _, tt := range tests {
		if got := printable(tt.in); got != tt.want {
			t.Errorf("printable(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
