package jwtinfo

import (
	"encoding/base64"
	"errors"
	"os"
	"strings"
	"testing"
	"time"
)

// makeJWT builds an unsigned-looking token from raw header and claims JSON.
func makeJWT(claims string) string {
	enc := base64.RawURLEncoding.EncodeToString
	return enc([]byte(`{"alg":"RS512","typ":"JWT"}`)) + "." + enc([]byte(claims)) + ".c2ln"
}

func TestParseExpiry(t *testing.T) {
	tests := []struct {
		name   string
		claims string
		want   time.Time
		unit   Unit
	}{
		{"platform milliseconds", `{"exp":1750278202122}`,
			time.Date(2025, 6, 18, 20, 23, 22, 122e6, time.UTC), Milliseconds},
		{"rfc seconds", `{"exp":1750278202}`,
			time.Date(2025, 6, 18, 20, 23, 22, 0, time.UTC), Seconds},
		{"fractional seconds", `{"exp":1750278202.5}`,
			time.Date(2025, 6, 18, 20, 23, 22, 5e8, time.UTC), Seconds},
		{"milliseconds as float", `{"exp":1.750278202122e12}`,
			time.Date(2025, 6, 18, 20, 23, 22, 122e6, time.UTC), Milliseconds},
		{"no exp", `{"app":"c-e-a"}`, time.Time{}, NoExp},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			info, err := Parse(makeJWT(tt.claims))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if !info.Expiry.Equal(tt.want) || info.ExpUnit != tt.unit {
				t.Errorf("got %v (%s), want %v (%s)", info.Expiry, info.ExpUnit, tt.want, tt.unit)
			}
		})
	}
}

func TestParseRejects(t *testing.T) {
	tests := []struct {
		name   string
		token  string
		notJWT bool
	}{
		{"opaque", "abc123", true},
		{"two parts", "a.b", true},
		{"bad base64", "a.!!!.c", true},
		{"claims not json", makeJWT(`not json`), true},
		{"exp string", makeJWT(`{"exp":"1750278202"}`), false},
		{"exp negative", makeJWT(`{"exp":-5}`), false},
		{"exp zero", makeJWT(`{"exp":0}`), false},
		{"exp absurd", makeJWT(`{"exp":1e300}`), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(tt.token)
			if err == nil {
				t.Fatal("Parse accepted it")
			}
			if got := errors.Is(err, ErrNotJWT); got != tt.notJWT {
				t.Errorf("errors.Is(err, ErrNotJWT) = %v, want %v (err: %v)", got, tt.notJWT, err)
			}
		})
	}
}

// TestPlatformShaped reads a token with the claims the platform writes (PLATFORM.md), exp in ms.
func TestPlatformShaped(t *testing.T) {
	raw, err := os.ReadFile("testdata/platform-shaped.jwt")
	if err != nil {
		t.Fatal(err)
	}
	info, err := Parse(strings.TrimSpace(string(raw)))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	want := time.Date(2025, 6, 18, 20, 23, 22, 122e6, time.UTC)
	if !info.Expiry.Equal(want) || info.ExpUnit != Milliseconds {
		t.Errorf("expiry %v (%s), want %v (milliseconds)", info.Expiry, info.ExpUnit, want)
	}
	if got := info.Header["alg"]; got != "RS512" {
		t.Errorf("alg %v, want RS512", got)
	}
	if got := info.Claims["kind"]; got != "OAuthAccessToken" {
		t.Errorf("kind %v, want OAuthAccessToken", got)
	}
}

func FuzzParse(f *testing.F) {
	seeds, _ := os.ReadDir("testdata")
	for _, s := range seeds {
		if raw, err := os.ReadFile("testdata/" + s.Name()); err == nil {
			f.Add(strings.TrimSpace(string(raw)))
		}
	}
	f.Add(makeJWT(`{"exp":1750278202}`))
	f.Add(makeJWT(`{"exp":1e11}`))
	f.Fuzz(func(t *testing.T, token string) {
		info, err := Parse(token)
		if err != nil {
			return
		}
		if info.ExpUnit == NoExp && !info.Expiry.IsZero() {
			t.Errorf("no exp but expiry %v", info.Expiry)
		}
		if info.ExpUnit != NoExp && info.Expiry.Before(time.Unix(0, 0)) {
			t.Errorf("expiry %v before the epoch", info.Expiry)
		}
	})
}
