package standin

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestMyUser(t *testing.T) {
	clock := &fakeClock{now: platformNow}
	s := start(t, Options{Clock: clock.Now})
	other := start(t, Options{})

	revoked := s.Issue(time.Hour)
	s.Revoke(revoked)
	aging := s.Issue(time.Minute)
	clock.Advance(2 * time.Minute)
	good := s.Issue(time.Hour)

	tests := []struct {
		name       string
		method     string
		auth       string
		wantStatus int
	}{
		{"issued token", "GET", "Bearer " + good, 200},
		{"lower-case scheme", "GET", "bearer " + good, 200},
		{"POST", "POST", "Bearer " + good, 200},
		{"fetched token", "GET", "Bearer " + tokenFrom(t, s), 200},
		{"revoked", "GET", "Bearer " + revoked, 401},
		{"expired by the clock", "GET", "Bearer " + aging, 401},
		{"issued expired", "GET", "Bearer " + s.Issue(-time.Second), 401},
		{"forged claims", "GET", "Bearer " + forge(t, good), 401},
		{"another server's token", "GET", "Bearer " + other.Issue(time.Hour), 401},
		{"no header", "GET", "", 401},
		{"basic scheme", "GET", "Basic " + good, 401},
		{"empty bearer", "GET", "Bearer ", 401},
		{"PUT", "PUT", "Bearer " + good, 405},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, got := askMyUser(t, s, tt.method, tt.auth)
			if resp.StatusCode != tt.wantStatus {
				t.Fatalf("status = %d, want %d; body %v", resp.StatusCode, tt.wantStatus, got)
			}
			if tt.wantStatus == 401 && (got["error"] != "invalid_token" ||
				!strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Bearer")) {
				t.Errorf("401 body %v, WWW-Authenticate %q: want invalid_token and Bearer",
					got, resp.Header.Get("WWW-Authenticate"))
			}
		})
	}
	if got := s.UserRequests(); got != len(tests) {
		t.Errorf("UserRequests() = %d, want %d", got, len(tests))
	}
}

// tokenFrom fetches a token through the token endpoint.
func tokenFrom(t *testing.T, s *Server) string {
	t.Helper()
	_, body := fetch(t, s)
	token, _ := reply(t, body)["access_token"].(string)
	return token
}

// forge swaps a token's claims for others, keeping its header and signature.
func forge(t *testing.T, token string) string {
	t.Helper()
	parts := strings.Split(token, ".")
	parts[1] = encode([]byte(`{"id":"mallory@c3cred.test","exp":99999999999999}`))
	return strings.Join(parts, ".")
}

// askMyUser calls myUser with the Authorization header given, none when empty, and decodes
// the JSON answer.
func askMyUser(t *testing.T, s *Server, method, auth string) (*http.Response, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(method, s.UserURL, nil)
	if err != nil {
		t.Fatalf("new request: %v", err)
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, body := do(t, s, req)
	return resp, reply(t, body)
}

func TestMyUserBody(t *testing.T) {
	user := User{ID: "alice@c3.test", Email: "alice@c3.test", FirstName: "Alice",
		LastName: "Liddell", IdpUserID: "00uq0gftobnkHdODG4x7", Groups: []string{"C3.AppAdmin"}}
	s := start(t, Options{User: user})

	resp, got := askMyUser(t, s, "GET", "Bearer "+s.Issue(time.Hour))
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status = %d, want 200; body %v", resp.StatusCode, got)
	}
	want := map[string]string{
		"type": `"User"`, "id": `"alice@c3.test"`, "name": `"alice@c3.test"`,
		"email": `"alice@c3.test"`, "firstName": `"Alice"`, "lastName": `"Liddell"`,
		"idpUserId": `"00uq0gftobnkHdODG4x7"`,
		"groups":    `[{"id":"C3.AppAdmin","name":"C3.AppAdmin"}]`,
		"c3Groups":  `[{"id":"C3.AppAdmin","name":"C3.AppAdmin","type":"UserGroup"}]`,
	}
	for field, w := range want {
		if g := jsonText(got[field]); g != w {
			t.Errorf("%s = %s, want %s", field, g, w)
		}
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type = %q, want application/json", ct)
	}
}

func TestRevokeAll(t *testing.T) {
	s := start(t, Options{})
	before := []string{s.Issue(time.Hour), tokenFrom(t, s)}
	s.RevokeAll()
	after := s.Issue(time.Hour)

	for i, token := range before {
		if s.Valid(token) {
			t.Errorf("token %d issued before RevokeAll is still valid", i+1)
		}
	}
	if !s.Valid(after) {
		t.Errorf("a token issued after RevokeAll is not valid")
	}
}

func TestNotFound(t *testing.T) {
	s := start(t, Options{})
	for _, path := range []string{"/", "/prod/other/oauth/token", "/prod/myapp/api/8/User/get"} {
		req, err := http.NewRequest("GET", "http://"+hostOf(t, s.URL)+path, nil)
		if err != nil {
			t.Fatalf("new request: %v", err)
		}
		if resp, body := do(t, s, req); resp.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s: status = %d, want 404; body %s", path, resp.StatusCode, body)
		}
	}
	if s.TokenRequests() != 0 || s.UserRequests() != 0 {
		t.Errorf("counts = %d token, %d user; want 0 for unknown paths", s.TokenRequests(),
			s.UserRequests())
	}
}
