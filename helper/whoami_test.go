package helper

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"c3cred/cache"
)

// userReply is myUser's answer in the shape of the platform's example.
const userReply = `{"type":"User","id":"ada@c3.test","name":"ada@c3.test",` +
	`"email":"ada@c3.test","firstName":"Ada","lastName":"Lovelace",` +
	`"groups":[{"id":"C3.AppAdmin","name":"C3.AppAdmin"}],` +
	`"c3Groups":[{"type":"UserGroup","id":"C3.AppAdmin","name":"C3.AppAdmin"}]}`

// whoamiWorld is a myUser server, a profile for it with a file cache, and a Helper.
type whoamiWorld struct {
	h     *Helper
	p     *Profile
	store cache.Store
}

// newWhoamiWorld serves handler at the profile's myUser path and seeds the cache with token.
func newWhoamiWorld(t *testing.T, handler http.HandlerFunc, cached string) *whoamiWorld {
	t.Helper()
	srv := httptest.NewServer(handler)
	t.Cleanup(srv.Close)
	cfg, err := ParseConfig("c.toml", []byte(fmt.Sprintf("[profiles.p]\nurl = %q\n"+
		"client_id = \"cid\"\ncache = \"file\"\ntimeout = \"1s\"\n", srv.URL+"/prod/app")))
	if err != nil {
		t.Fatal(err)
	}
	w := &whoamiWorld{p: cfg.Profiles["p"], h: &Helper{Getenv: func(string) string { return "" },
		Log: &Log{W: io.Discard}, StateDir: t.TempDir(), Now: time.Now}}
	w.store = w.h.Store(w.p)
	now := time.Now()
	e := cache.Entry{AccessToken: cached, ObtainedAt: now, ExpiresAt: now.Add(time.Hour)}
	if err := w.store.Save(w.p.CacheKey(), e); err != nil {
		t.Fatal(err)
	}
	return w
}

func (w *whoamiWorld) cached() string {
	e, err := w.store.Load(w.p.CacheKey())
	if err != nil {
		return ""
	}
	return e.AccessToken
}

func TestWhoAmISendsTheToken(t *testing.T) {
	var got *http.Request
	w := newWhoamiWorld(t, func(rw http.ResponseWriter, r *http.Request) {
		got = r
		rw.Header().Set("Content-Type", "application/json")
		io.WriteString(rw, userReply)
	}, "tok-1")
	id, raw, err := w.h.WhoAmI(context.Background(), w.p, "tok-1")
	if err != nil {
		t.Fatalf("WhoAmI: %v", err)
	}
	checks := []struct{ name, got, want string }{
		{"method", got.Method, http.MethodGet},
		{"path", got.URL.Path, "/prod/app/api/8/User/myUser"},
		{"authorization", got.Header.Get("Authorization"), "Bearer tok-1"},
		{"accept", got.Header.Get("Accept"), "application/json"},
		{"id", id.ID, "ada@c3.test"},
		{"email", id.Email, "ada@c3.test"},
		{"last name", id.LastName, "Lovelace"},
		{"raw reply", string(raw), userReply},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s: got %q, want %q", c.name, c.got, c.want)
		}
	}
	if names := id.GroupNames(); !reflect.DeepEqual(names, []string{"C3.AppAdmin"}) {
		t.Errorf("groups %q, want [C3.AppAdmin]", names)
	}
}

func TestWhoAmIRefused(t *testing.T) {
	tests := []struct {
		name       string
		cached     string
		wantCached string
		wantText   string
	}{
		{"refused token is dropped", "tok-1", "", "dropped it from the cache"},
		{"a newer cached token is kept", "tok-2", "tok-2", "answered 401"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWhoamiWorld(t, func(rw http.ResponseWriter, r *http.Request) {
				rw.WriteHeader(http.StatusUnauthorized)
				io.WriteString(rw, `{"error":"invalid_token"}`)
			}, tt.cached)
			_, _, err := w.h.WhoAmI(context.Background(), w.p, "tok-1")
			if !errors.Is(err, ErrTokenRefused) || !strings.Contains(err.Error(), tt.wantText) {
				t.Fatalf("got %v; want ErrTokenRefused saying %q", err, tt.wantText)
			}
			if HintOf(err) == "" || strings.Contains(err.Error(), "tok-") {
				t.Errorf("error %q: want a hint and no token", err)
			}
			if got := w.cached(); got != tt.wantCached {
				t.Errorf("cache holds %q, want %q", got, tt.wantCached)
			}
		})
	}
}

func TestWhoAmIFailures(t *testing.T) {
	tests := []struct {
		name    string
		handler http.HandlerFunc
		wantErr string
	}{
		{"server error", func(rw http.ResponseWriter, r *http.Request) {
			rw.WriteHeader(http.StatusInternalServerError)
			io.WriteString(rw, `{"error":"server_error","error_description":"db\ndown"}`)
		}, "answered 500 Internal Server Error: server_error: db down"},
		{"not found", func(rw http.ResponseWriter, r *http.Request) {
			http.NotFound(rw, r)
		}, "answered 404 Not Found"},
		{"sign-in page", func(rw http.ResponseWriter, r *http.Request) {
			rw.Header().Set("Content-Type", "text/html; charset=utf-8")
			io.WriteString(rw, "<html>sign in</html>")
		}, "HTML page"},
		{"not JSON", func(rw http.ResponseWriter, r *http.Request) {
			io.WriteString(rw, "ok")
		}, "not JSON (2 bytes)"},
		{"endless body", func(rw http.ResponseWriter, r *http.Request) {
			chunk := strings.Repeat(" ", 64<<10)
			for range 20 {
				io.WriteString(rw, chunk)
			}
		}, "over 1048576 bytes"},
		{"redirect", func(rw http.ResponseWriter, r *http.Request) {
			http.Redirect(rw, r, "http://127.0.0.1:1/elsewhere", http.StatusFound)
		}, "myUser redirected to http://127.0.0.1:1, which c3cred does not follow"},
		{"no answer in time", func(rw http.ResponseWriter, r *http.Request) {
			<-r.Context().Done()
		}, "ran out of time"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWhoamiWorld(t, tt.handler, "tok-1")
			_, _, err := w.h.WhoAmI(context.Background(), w.p, "tok-1")
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) ||
				!strings.Contains(err.Error(), `profile "p"`) {
				t.Fatalf("got %v; want an error naming the profile and saying %q", err, tt.wantErr)
			}
			if strings.Contains(err.Error(), "tok-1") || strings.Contains(err.Error(), "\n") {
				t.Errorf("error %q holds the token or a newline", err)
			}
			if got := w.cached(); got != "tok-1" {
				t.Errorf("a failure that is not a 401 changed the cache: %q", got)
			}
		})
	}
}

func TestWhoAmICleansText(t *testing.T) {
	w := newWhoamiWorld(t, func(rw http.ResponseWriter, r *http.Request) {
		io.WriteString(rw, `{"id":"a\u001b[31mb",`+
			`"groups":[{"id":"g\u0007"},{"id":"x","name":"n"}]}`)
	}, "tok-1")
	id, _, err := w.h.WhoAmI(context.Background(), w.p, "tok-1")
	if err != nil {
		t.Fatal(err)
	}
	if id.ID != "a [31mb" || !reflect.DeepEqual(id.GroupNames(), []string{"g", "n"}) {
		t.Errorf("got id %q, groups %q; want control characters gone", id.ID, id.GroupNames())
	}
}
