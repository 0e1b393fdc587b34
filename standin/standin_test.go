package standin

import (
	"bytes"
	"crypto"
	"crypto/rsa"
	"crypto/sha512"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// platformNow is a fake clock's start: one hour before the platform example token's exp.
var platformNow = time.UnixMilli(1750278202122).Add(-time.Hour)

// fakeClock is a clock a test moves by hand.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

// Now tells the fake time.
func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the fake time on by d.
func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// start starts a server for the test and closes it when the test ends.
func start(t *testing.T, opts Options) *Server {
	t.Helper()
	if opts.Logf == nil {
		opts.Logf = t.Logf
	}
	s, err := Start(opts)
	if err != nil {
		t.Fatalf("Start(%+v): %v", opts, err)
	}
	t.Cleanup(s.Close)
	return s
}

// goodForm is the form of a request the platform accepts.
func goodForm(s *Server) url.Values {
	return url.Values{
		"grant_type":    {"client_credentials"},
		"client_id":     {s.ClientID},
		"client_secret": {s.ClientSecret},
	}
}

// tokenRequest builds a token request carrying form as the platform wants it.
func tokenRequest(t *testing.T, s *Server, form url.Values) *http.Request {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, s.TokenURL, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatalf("new request: %v", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return req
}

// do sends req with the server's client and reads the whole answer.
func do(t *testing.T, s *Server, req *http.Request) (*http.Response, []byte) {
	t.Helper()
	resp, err := s.Client().Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read answer to %s %s: %v", req.Method, req.URL, err)
	}
	return resp, body
}

// fetch asks for a token with a good request and returns the answer.
func fetch(t *testing.T, s *Server) (*http.Response, []byte) {
	t.Helper()
	return do(t, s, tokenRequest(t, s, goodForm(s)))
}

// reply decodes a token answer's JSON, numbers kept exact.
func reply(t *testing.T, body []byte) map[string]any {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		t.Fatalf("decode token reply %q: %v", body, err)
	}
	return m
}

// decodeJWT checks that token is an RS512 JWT signed by s and returns its header and claims.
func decodeJWT(t *testing.T, s *Server, token string) (header, claims map[string]any) {
	t.Helper()
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		t.Fatalf("token has %d parts, want 3", len(parts))
	}

	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil {
		t.Fatalf("decode signature: %v", err)
	}
	digest := sha512.Sum512([]byte(parts[0] + "." + parts[1]))
	if err := rsa.VerifyPKCS1v15(s.PublicKey(), crypto.SHA512, digest[:], sig); err != nil {
		t.Errorf("signature does not verify with the server's key: %v", err)
	}
	return segment(t, parts[0]), segment(t, parts[1])
}

// segment decodes one JSON segment of a JWT, numbers kept exact.
func segment(t *testing.T, part string) map[string]any {
	t.Helper()
	raw, err := base64.RawURLEncoding.DecodeString(part)
	if err != nil {
		t.Fatalf("decode JWT segment %q: %v", part, err)
	}
	return reply(t, raw)
}

// eventually polls cond every few milliseconds for up to two seconds.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(2 * time.Second); time.Now().Before(deadline); {
		if cond() {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("timed out waiting until %s", what)
}

func TestStartDefaults(t *testing.T) {
	a := start(t, Options{})
	b := start(t, Options{})

	u, err := url.Parse(a.URL)
	if err != nil {
		t.Fatalf("parse URL %q: %v", a.URL, err)
	}
	checks := []struct{ name, got, want string }{
		{"scheme", u.Scheme, "http"},
		{"host", u.Hostname(), "127.0.0.1"},
		{"path", u.Path, DefaultBasePath},
		{"token URL", a.TokenURL, a.URL + "/oauth/token"},
		{"user URL", a.UserURL, a.URL + "/api/8/User/myUser"},
		{"user", a.User.ID, DefaultUser().ID},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %q, want %q", c.name, c.got, c.want)
		}
	}
	if a.ClientID == "" || a.ClientSecret == "" || a.ClientID == b.ClientID ||
		a.ClientSecret == b.ClientSecret {
		t.Errorf("credentials are not random per server: %q/%q and %q/%q",
			a.ClientID, a.ClientSecret, b.ClientID, b.ClientSecret)
	}
	if a.CertPEM != nil {
		t.Errorf("CertPEM is set without TLS")
	}
}

func TestBasePath(t *testing.T) {
	tests := []struct {
		base     string
		wantPath string
		wantApp  string
	}{
		{"", "/prod/myapp", "standin-prod-myapp"},
		{"/", "", "standin"},
		{"dev/app2/", "/dev/app2", "standin-dev-app2"},
		{"/qa/my-app", "/qa/my-app", "standin-qa-my-app"},
	}
	for _, tt := range tests {
		t.Run(tt.base, func(t *testing.T) {
			s := start(t, Options{BasePath: tt.base})
			if got := strings.TrimPrefix(s.URL, "http://"+hostOf(t, s.URL)); got != tt.wantPath {
				t.Errorf("URL %q has path %q, want %q", s.URL, got, tt.wantPath)
			}

			resp, body := fetch(t, s)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("token status = %d, want 200; body %s", resp.StatusCode, body)
			}
			_, claims := decodeJWT(t, s, reply(t, body)["access_token"].(string))
			if claims["app"] != tt.wantApp {
				t.Errorf("app claim = %v, want %q", claims["app"], tt.wantApp)
			}
		})
	}
}

// hostOf is a URL's host and port.
func hostOf(t *testing.T, raw string) string {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatalf("parse %q: %v", raw, err)
	}
	return u.Host
}

func TestBadBasePath(t *testing.T) {
	for _, base := range []string{"/a b", "/x?y", "/{id}", "/p%2F"} {
		if s, err := Start(Options{BasePath: base}); err == nil {
			s.Close()
			t.Errorf("Start with base path %q succeeded, want an error", base)
		}
	}
}

func TestTokenRequestChecks(t *testing.T) {
	s := start(t, Options{ClientID: "id-1", ClientSecret: "secret-1"})
	form := func(kv ...string) url.Values {
		v := goodForm(s)
		for i := 0; i+1 < len(kv); i += 2 {
			v[kv[i]] = []string{kv[i+1]}
		}
		return v
	}

	tests := []struct {
		name       string
		method     string
		form       url.Values
		header     map[string]string
		wantStatus int
		wantError  string
	}{
		{"good", "POST", goodForm(s), nil, 200, ""},
		{"form with charset", "POST", goodForm(s),
			map[string]string{"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"},
			200, ""},
		{"wrong secret", "POST", form("client_secret", "nope"), nil, 401, "invalid_client"},
		{"wrong id", "POST", form("client_id", "id-2"), nil, 401, "invalid_client"},
		{"no secret", "POST", url.Values{"grant_type": {"client_credentials"},
			"client_id": {"id-1"}}, nil, 401, "invalid_client"},
		{"basic auth header", "POST", goodForm(s),
			map[string]string{"Authorization": "Basic aWQtMTpzZWNyZXQtMQ=="}, 400,
			"invalid_request"},
		{"bearer header", "POST", goodForm(s),
			map[string]string{"Authorization": "Bearer x"}, 400, "invalid_request"},
		{"password grant", "POST", form("grant_type", "password"), nil, 400,
			"unsupported_grant_type"},
		{"no grant", "POST", url.Values{"client_id": {"id-1"}, "client_secret": {"secret-1"}},
			nil, 400, "invalid_request"},
		{"repeated secret", "POST", url.Values{"grant_type": {"client_credentials"},
			"client_id": {"id-1"}, "client_secret": {"secret-1", "secret-1"}}, nil, 400,
			"invalid_request"},
		{"json body", "POST", goodForm(s), map[string]string{"Content-Type": "application/json"},
			400, "invalid_request"},
		{"GET", "GET", nil, nil, 405, "invalid_request"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := tokenRequest(t, s, tt.form)
			req.Method = tt.method
			for k, v := range tt.header {
				req.Header.Set(k, v)
			}
			resp, body := do(t, s, req)

			if resp.StatusCode != tt.wantStatus {
				t.Errorf("status = %d, want %d; body %s", resp.StatusCode, tt.wantStatus, body)
			}
			if got := reply(t, body)["error"]; tt.wantError != "" && got != tt.wantError {
				t.Errorf("error = %v, want %q", got, tt.wantError)
			}
			if got := resp.Header.Get("Content-Type"); got != "application/json" {
				t.Errorf("Content-Type = %q, want application/json", got)
			}
		})
	}
	if got := s.TokenRequests(); got != len(tests) {
		t.Errorf("TokenRequests() = %d, want %d", got, len(tests))
	}
}

func TestCredentialsInQueryAreRefused(t *testing.T) {
	s := start(t, Options{})
	req := tokenRequest(t, s, url.Values{"grant_type": {"client_credentials"}})
	req.URL.RawQuery = url.Values{"client_id": {s.ClientID},
		"client_secret": {s.ClientSecret}}.Encode()

	resp, body := do(t, s, req)
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("status = %d, want 401; body %s", resp.StatusCode, body)
	}
	last, _ := s.LastRequest()
	if got := last.Query.Get("client_secret"); got != s.ClientSecret {
		t.Errorf("LastRequest().Query client_secret = %q, want the secret sent", got)
	}
}

func TestLastRequest(t *testing.T) {
	s := start(t, Options{})
	if _, ok := s.LastRequest(); ok {
		t.Errorf("LastRequest() reports a request before any")
	}
	fetch(t, s)

	last, ok := s.LastRequest()
	checks := []struct{ name, got, want string }{
		{"method", last.Method, "POST"},
		{"grant_type", last.Form.Get("grant_type"), "client_credentials"},
		{"client_id", last.Form.Get("client_id"), s.ClientID},
		{"client_secret", last.Form.Get("client_secret"), s.ClientSecret},
		{"Authorization", last.Header.Get("Authorization"), ""},
		{"Content-Type", last.Header.Get("Content-Type"), "application/x-www-form-urlencoded"},
		{"query", last.Query.Encode(), ""},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("LastRequest() %s = %q, want %q", c.name, c.got, c.want)
		}
	}
	if !ok {
		t.Errorf("LastRequest() ok = false after a request")
	}

	last.Form.Set("client_id", "changed")
	if again, _ := s.LastRequest(); again.Form.Get("client_id") != s.ClientID {
		t.Errorf("changing a returned Request changed the server's record")
	}
}

func TestScriptOrder(t *testing.T) {
	s := start(t, Options{})
	s.Script(Status(500), RetryAfter(503, 1), Response{}, Status(401))
	if got := s.Pending(); got != 4 {
		t.Fatalf("Pending() = %d, want 4", got)
	}

	want := []int{500, 503, 200, 401, 200, 200}
	for i, w := range want {
		if resp, body := fetch(t, s); resp.StatusCode != w {
			t.Errorf("request %d: status = %d, want %d; body %s", i+1, resp.StatusCode, w, body)
		}
	}
	if got := s.Pending(); got != 0 {
		t.Errorf("Pending() = %d after the script ran out, want 0", got)
	}

	s.SetDefault(Status(503))
	for i := range 3 {
		if resp, _ := fetch(t, s); resp.StatusCode != 503 {
			t.Errorf("request %d after SetDefault(503): status = %d", i+1, resp.StatusCode)
		}
	}
	if got := s.TokenRequests(); got != len(want)+3 {
		t.Errorf("TokenRequests() = %d, want %d", got, len(want)+3)
	}
}

func TestConcurrentClients(t *testing.T) {
	const clients = 50
	const delay = 200 * time.Millisecond
	s := start(t, Options{Logf: func(string, ...any) {}})
	s.SetDefault(Delay(delay, OK()))

	tokens := make(chan string, clients)
	errs := make(chan error, clients)
	began := time.Now()
	var wg sync.WaitGroup
	for range clients {
		wg.Go(func() {
			token, err := fetchToken(s)
			tokens <- token
			errs <- err
		})
	}
	wg.Wait()
	elapsed := time.Since(began)
	close(tokens)
	close(errs)

	for err := range errs {
		if err != nil {
			t.Errorf("concurrent fetch: %v", err)
		}
	}
	seen := map[string]bool{}
	for token := range tokens {
		if seen[token] || !s.Valid(token) {
			t.Errorf("token repeated or not valid (repeated: %v)", seen[token])
		}
		seen[token] = true
	}
	if got := s.TokenRequests(); got != clients {
		t.Errorf("TokenRequests() = %d, want %d", got, clients)
	}
	// Served one at a time, they would take clients*delay (10 s).
	if elapsed > clients*delay/2 {
		t.Errorf("%d delayed requests took %s: they were not served concurrently", clients, elapsed)
	}
}

// fetchToken asks for a token outside the test goroutine and returns it or an error.
func fetchToken(s *Server) (string, error) {
	resp, err := s.Client().PostForm(s.TokenURL, url.Values{"grant_type": {"client_credentials"},
		"client_id": {s.ClientID}, "client_secret": {s.ClientSecret}})
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	var r tokenReply
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
		return "", fmt.Errorf("decode token reply: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("token status %d", resp.StatusCode)
	}
	return r.AccessToken, nil
}

func TestTLS(t *testing.T) {
	s := start(t, Options{TLS: true})
	if !strings.HasPrefix(s.URL, "https://127.0.0.1:") {
		t.Fatalf("URL = %q, want https://127.0.0.1:PORT/...", s.URL)
	}

	block, _ := pem.Decode(s.CertPEM)
	if block == nil {
		t.Fatalf("CertPEM holds no PEM block: %q", s.CertPEM)
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatalf("parse certificate: %v", err)
	}
	if err := cert.VerifyHostname("127.0.0.1"); err != nil {
		t.Errorf("certificate is not for 127.0.0.1: %v", err)
	}

	if resp, body := fetch(t, s); resp.StatusCode != 200 || resp.TLS == nil {
		t.Errorf("over TLS: status %d, TLS %v; body %s", resp.StatusCode, resp.TLS != nil, body)
	}
	untrusting := &http.Client{Transport: &http.Transport{}}
	defer untrusting.CloseIdleConnections()
	if _, err := untrusting.Get(s.UserURL); err == nil {
		t.Errorf("a client that does not trust CertPEM connected")
	}
}

func TestCloseWithHeldRequests(t *testing.T) {
	tests := []struct {
		name    string
		resp    Response
		maxWait time.Duration
	}{
		{"hang", Hang(), 500 * time.Millisecond},
		{"trickle", Trickle(time.Second), 500 * time.Millisecond},
		{"delay", Delay(time.Hour, OK()), 500 * time.Millisecond},
		// The client reads nothing, so the server is stuck in a write until Close's
		// one-second grace ends and it cuts the connection.
		{"huge body unread", HugeBody(HugeSize), 2500 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := start(t, Options{})
			s.SetDefault(tt.resp)
			req := tokenRequest(t, s, goodForm(s))
			done := make(chan error, 1)
			go func() {
				resp, err := s.Client().Do(req)
				if err == nil {
					resp.Body.Close()
				}
				done <- err
			}()
			eventually(t, "the request arrives", func() bool { return s.TokenRequests() == 1 })

			began := time.Now()
			s.Close()
			if took := time.Since(began); took > tt.maxWait {
				t.Errorf("Close took %s with %s in flight, want under %s", took, tt.name,
					tt.maxWait)
			}
			<-done
		})
	}
}

func TestNoGoroutinesAfterClose(t *testing.T) {
	s, err := Start(Options{Logf: t.Logf})
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	s.Script(OK(), Reset(), Trickle(time.Second), HugeBody(HugeSize), Hang())
	for range 5 {
		go func() {
			if resp, err := s.Client().PostForm(s.TokenURL, goodForm(s)); err == nil {
				io.CopyN(io.Discard, resp.Body, 1<<20)
				resp.Body.Close()
			}
		}()
	}
	eventually(t, "five requests arrive", func() bool { return s.TokenRequests() == 5 })
	s.Close()

	eventually(t, "no server goroutine is left", func() bool { return serverGoroutines() == "" })
}

// serverGoroutines lists the stacks of goroutines that serve a connection or run a Server
// method.
func serverGoroutines() string {
	buf := make([]byte, 4<<20)
	buf = buf[:runtime.Stack(buf, true)]
	var found []string
	for _, g := range strings.Split(string(buf), "\n\n") {
		if strings.Contains(g, "standin.(*Server)") || strings.Contains(g, "(*conn).serve") {
			found = append(found, g)
		}
	}
	return strings.Join(found, "\n\n")
}

func TestCloseTwice(t *testing.T) {
	s := start(t, Options{})
	s.Close()
	s.Close()
	if _, err := s.Client().Get(s.UserURL); err == nil {
		t.Errorf("the server answered after Close")
	}
}

func BenchmarkTokenRequest(b *testing.B) {
	s, err := Start(Options{})
	if err != nil {
		b.Fatalf("Start: %v", err)
	}
	defer s.Close()
	form := goodForm(s)

	for b.Loop() {
		resp, err := s.Client().PostForm(s.TokenURL, form)
		if err != nil {
			b.Fatalf("token request: %v", err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
}

func BenchmarkMyUser(b *testing.B) {
	s, err := Start(Options{})
	if err != nil {
		b.Fatalf("Start: %v", err)
	}
	defer s.Close()
	req, err := http.NewRequest(http.MethodGet, s.UserURL, nil)
	if err != nil {
		b.Fatalf("new request: %v", err)
	}
	req.Header.Set("Authorization", "Bearer "+s.Issue(time.Hour))

	for b.Loop() {
		resp, err := s.Client().Do(req)
		if err != nil {
			b.Fatalf("myUser request: %v", err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
}
