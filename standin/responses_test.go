package standin

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// platformClaims are the claims the platform's tokens carry, exp aside.
var platformClaims = []string{"app", "aud", "c3groups", "email", "firstname", "groups", "id",
	"idp", "idpgroups", "idpuserid", "iss", "kind", "lastname", "name", "oauthappid", "sid",
	"sseq", "ssidx"}

func TestTokenResponses(t *testing.T) {
	clock := &fakeClock{now: platformNow}
	s := start(t, Options{Clock: clock.Now})
	hourOn, minuteAgo := platformNow.Add(time.Hour), platformNow.Add(-time.Minute)

	tests := []struct {
		resp          Response
		wantForm      tokenForm
		wantExp       int64  // the exp claim, when there is one
		wantExpiresIn string // expires_in as JSON, "" when absent
		wantValid     bool
	}{
		{OK(), expMillis, 1750278202122, "3600", true},
		{Response{}, expMillis, hourOn.UnixMilli(), "3600", true},
		{OKSecondsExp(), expSeconds, hourOn.Unix(), "3600", true},
		{OKExpiresInOnly(), expAbsent, 0, "3600", true},
		{OKNoExpiry(), expAbsent, 0, "", true},
		{OKExpired(), expMillis, minuteAgo.UnixMilli(), "3600", false},
		{OKNegativeExpiresIn(), expAbsent, 0, "-3600", false},
		{OKAbsurdExpiresIn(), expAbsent, 0, "1000000000000", true},
		{OKOpaque(), opaqueToken, 0, "3600", true},
		{Delay(time.Millisecond, OK()), expMillis, hourOn.UnixMilli(), "3600", true},
	}
	for _, tt := range tests {
		t.Run(tt.resp.String(), func(t *testing.T) {
			s.Script(tt.resp)
			resp, body := fetch(t, s)
			checkTokenAnswer(t, resp, body, "application/json")

			got := reply(t, body)
			if expiresIn := jsonText(got["expires_in"]); expiresIn != tt.wantExpiresIn {
				t.Errorf("expires_in = %s, want %q", expiresIn, tt.wantExpiresIn)
			}
			token, _ := got["access_token"].(string)
			checkToken(t, s, token, tt.wantForm, tt.wantExp)
			if valid := s.Valid(token); valid != tt.wantValid {
				t.Errorf("Valid(token) = %v, want %v", valid, tt.wantValid)
			}
		})
	}
}

// checkTokenAnswer checks the HTTP side of a token answer: 200, content type, no caching,
// token_type bearer.
func checkTokenAnswer(t *testing.T, resp *http.Response, body []byte, wantType string) {
	t.Helper()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status = %d, want 200; body %s", resp.StatusCode, body)
	}
	if got := resp.Header.Get("Content-Type"); got != wantType {
		t.Errorf("Content-Type = %q, want %q", got, wantType)
	}
	if got := resp.Header.Get("Cache-Control"); got != "no-store" {
		t.Errorf("Cache-Control = %q, want no-store", got)
	}
	if got := reply(t, body)["token_type"]; got != "bearer" {
		t.Errorf("token_type = %v, want lowercase bearer", got)
	}
}

// checkToken checks a token's form: a signed RS512 JWT with the platform's claims and the
// exp wanted, or an opaque string.
func checkToken(t *testing.T, s *Server, token string, form tokenForm, wantExp int64) {
	t.Helper()
	if form == opaqueToken {
		if token == "" || strings.Count(token, ".") == 2 {
			t.Errorf("opaque token %q is empty or looks like a JWT", token)
		}
		return
	}

	header, claims := decodeJWT(t, s, token)
	if fmt.Sprint(header) != "map[alg:RS512 typ:JWT]" {
		t.Errorf("JWT header = %v, want alg RS512 and typ JWT only", header)
	}
	exp, hasExp := claims["exp"]
	delete(claims, "exp")
	if keys := sortedKeys(claims); !slices.Equal(keys, platformClaims) {
		t.Errorf("claims besides exp = %v, want %v", keys, platformClaims)
	}
	if want := wantExp != 0; hasExp != want {
		t.Fatalf("has exp = %v, want %v", hasExp, want)
	}
	if hasExp && jsonText(exp) != strconv.FormatInt(wantExp, 10) {
		t.Errorf("exp = %v, want %d", exp, wantExp)
	}
}

// sortedKeys lists a map's keys in order.
func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// jsonText writes a decoded JSON value back as JSON text; "" for nil.
func jsonText(v any) string {
	if v == nil {
		return ""
	}
	b, _ := json.Marshal(v)
	return string(b)
}

func TestPlatformClaims(t *testing.T) {
	s := start(t, Options{ClientID: "nvRQ1oF9R1uNhXu9NWUqAw"})
	_, first := decodeJWT(t, s, s.Issue(time.Hour))
	_, second := decodeJWT(t, s, s.Issue(time.Hour))

	want := map[string]string{
		"app": `"standin-prod-myapp"`, "oauthappid": `"nvRQ1oF9R1uNhXu9NWUqAw"`,
		"kind": `"OAuthAccessToken"`, "iss": `"c3.ai"`, "aud": `"c3.ai"`,
		"groups": `["C3.AppAdmin","C3.EnvAdmin"]`, "c3groups": `["C3.AppAdmin","C3.EnvAdmin"]`,
		"id": `"standin@c3cred.test"`, "email": `"standin@c3cred.test"`, "sseq": "1",
		"idpgroups": `"{\"OidcIdpConfig::standin\":[\"standin/C3.StudioUser\"]}"`,
	}
	for claim, w := range want {
		if got := jsonText(first[claim]); got != w {
			t.Errorf("claim %s = %s, want %s", claim, got, w)
		}
	}
	if got := jsonText(second["sseq"]); got != "2" {
		t.Errorf("second token's sseq = %s, want 2", got)
	}
}

func TestErrorResponses(t *testing.T) {
	s := start(t, Options{})
	tests := []struct {
		resp           Response
		wantStatus     int
		wantError      string
		wantRetryAfter string
	}{
		{Status(400), 400, "invalid_request", ""},
		{Status(401), 401, "invalid_client", ""},
		{Status(403), 403, "unauthorized_client", ""},
		{Status(429), 429, "temporarily_unavailable", ""},
		{RetryAfter(429, 7), 429, "temporarily_unavailable", "7"},
		{Status(500), 500, "server_error", ""},
		{Status(503), 503, "temporarily_unavailable", ""},
		{RetryAfter(503, 2), 503, "temporarily_unavailable", "2"},
		{Error(400, "invalid_grant", "grant revoked"), 400, "invalid_grant", ""},
	}
	for _, tt := range tests {
		t.Run(tt.resp.String(), func(t *testing.T) {
			s.Script(tt.resp)
			resp, body := fetch(t, s)

			if resp.StatusCode != tt.wantStatus {
				t.Errorf("status = %d, want %d", resp.StatusCode, tt.wantStatus)
			}
			got := reply(t, body)
			if got["error"] != tt.wantError || got["error_description"] == "" {
				t.Errorf("body = %s, want error %q with a description", body, tt.wantError)
			}
			if ra := resp.Header.Get("Retry-After"); ra != tt.wantRetryAfter {
				t.Errorf("Retry-After = %q, want %q", ra, tt.wantRetryAfter)
			}
			if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type = %q, want application/json", ct)
			}
		})
	}
}

func TestMalformedResponses(t *testing.T) {
	s := start(t, Options{})
	tests := []struct {
		resp     Response
		wantType string
		check    func(t *testing.T, body []byte)
	}{
		{HTML(), "text/html; charset=utf-8", func(t *testing.T, body []byte) {
			if !bytes.HasPrefix(body, []byte("<!DOCTYPE html>")) || json.Valid(body) {
				t.Errorf("body %q is not an HTML page", body)
			}
		}},
		{TruncatedJSON(), "application/json", func(t *testing.T, body []byte) {
			if json.Valid(body) || !bytes.HasPrefix(body, []byte(`{"access_token":"eyJ`)) {
				t.Errorf("body %q is not the start of a token reply cut short", body)
			}
		}},
		{NoAccessToken(), "application/json", func(t *testing.T, body []byte) {
			got := reply(t, body)
			if _, ok := got["access_token"]; ok || got["token_type"] != "bearer" {
				t.Errorf("body %s, want token_type and no access_token", body)
			}
		}},
		{WrongContentType(), "text/plain; charset=utf-8", func(t *testing.T, body []byte) {
			token, _ := reply(t, body)["access_token"].(string)
			if !s.Valid(token) {
				t.Errorf("body %s holds no valid token", body)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.resp.String(), func(t *testing.T) {
			s.Script(tt.resp)
			resp, body := fetch(t, s)

			if resp.StatusCode != http.StatusOK {
				t.Errorf("status = %d, want 200", resp.StatusCode)
			}
			if ct := resp.Header.Get("Content-Type"); ct != tt.wantType {
				t.Errorf("Content-Type = %q, want %q", ct, tt.wantType)
			}
			if resp.ContentLength != int64(len(body)) {
				t.Errorf("Content-Length %d, body %d bytes", resp.ContentLength, len(body))
			}
			tt.check(t, body)
		})
	}
}

func TestTokenResponsesCheckTheRequest(t *testing.T) {
	s := start(t, Options{})
	tests := []struct {
		resp       Response
		wantStatus int
	}{
		{OK(), 401},
		{OKOpaque(), 401},
		{WrongContentType(), 401},
		{Trickle(time.Millisecond), 401},
		{Delay(time.Millisecond, OK()), 401},
		{Status(503), 503},
		{HTML(), 200},
		{NoAccessToken(), 200},
		{TruncatedJSON(), 200},
	}
	for _, tt := range tests {
		t.Run(tt.resp.String(), func(t *testing.T) {
			s.Script(tt.resp)
			form := goodForm(s)
			form.Set("client_secret", "wrong")

			if resp, body := do(t, s, tokenRequest(t, s, form)); resp.StatusCode != tt.wantStatus {
				t.Errorf("wrong secret: status = %d, want %d; body %s",
					resp.StatusCode, tt.wantStatus, body)
			}
		})
	}
}

func TestReset(t *testing.T) {
	tests := []struct {
		resp        Response
		wantPrefix  string // what the bytes before the reset start with
		wantWithin  string // the bytes before the reset are a prefix of this, when set
		wantBodyCut bool   // a whole header announcing more body than came
	}{
		{Reset(), "HTTP/1.1 200 OK\r\n", partialHeader, false},
		{ResetInBody(), "HTTP/1.1 200 OK\r\n", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.resp.String(), func(t *testing.T) {
			s := start(t, Options{})
			s.Script(tt.resp)
			got, err := rawExchange(t, s)

			if !errors.Is(err, syscall.ECONNRESET) {
				t.Errorf("read error = %v, want connection reset", err)
			}
			if !strings.HasPrefix(string(got), tt.wantPrefix) {
				t.Errorf("bytes before the reset = %q, want them to start %q", got, tt.wantPrefix)
			}
			if tt.wantWithin != "" && !strings.HasPrefix(tt.wantWithin, string(got)) {
				t.Errorf("bytes before the reset = %q, want a prefix of %q", got, tt.wantWithin)
			}
			if tt.wantBodyCut {
				checkCutBody(t, got)
			}
		})
	}
}

// rawExchange sends a good token request over a bare TCP connection and reads until the
// connection ends.
func rawExchange(t *testing.T, s *Server) ([]byte, error) {
	t.Helper()
	conn, err := net.Dial("tcp", hostOf(t, s.URL))
	if err != nil {
		t.Fatalf("dial %s: %v", s.URL, err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(5 * time.Second))

	body := goodForm(s).Encode()
	fmt.Fprintf(conn, "POST %s HTTP/1.1\r\nHost: %s\r\n"+
		"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: %d\r\n\r\n%s",
		strings.TrimPrefix(s.TokenURL, "http://"+hostOf(t, s.URL)), hostOf(t, s.URL),
		len(body), body)
	return io.ReadAll(conn)
}

// checkCutBody checks that a raw response has a whole header and less body than it announces.
func checkCutBody(t *testing.T, raw []byte) {
	t.Helper()
	head, body, ok := strings.Cut(string(raw), "\r\n\r\n")
	if !ok {
		t.Fatalf("response %q has no whole header", raw)
	}
	_, length, _ := strings.Cut(head, "Content-Length: ")
	n, err := strconv.Atoi(strings.Fields(length)[0])
	if err != nil || len(body) == 0 || len(body) >= n {
		t.Errorf("body of %d bytes, Content-Length %q: want part of the body", len(body), length)
	}
}

func TestResetOverTLS(t *testing.T) {
	s := start(t, Options{TLS: true})
	s.Script(Reset(), ResetInBody())
	for _, name := range []string{"reset in header", "reset in body"} {
		resp, err := s.Client().PostForm(s.TokenURL, goodForm(s))
		if err == nil {
			_, err = io.ReadAll(resp.Body)
			resp.Body.Close()
		}
		if err == nil {
			t.Errorf("%s over TLS: the client read a whole answer", name)
		}
	}
}

func TestHangUntilClientGivesUp(t *testing.T) {
	s := start(t, Options{})
	s.Script(Hang())
	client := &http.Client{Transport: s.Client().Transport, Timeout: 200 * time.Millisecond}

	began := time.Now()
	_, err := client.PostForm(s.TokenURL, goodForm(s))
	var netErr net.Error
	if !errors.As(err, &netErr) || !netErr.Timeout() {
		t.Errorf("error = %v, want a client timeout", err)
	}
	if took := time.Since(began); took < 200*time.Millisecond {
		t.Errorf("answered after %s, want no answer", took)
	}

	eventually(t, "the held request ends", func() bool {
		return !strings.Contains(serverGoroutines(), "standin.(*Server).hang")
	})
	if resp, _ := fetch(t, s); resp.StatusCode != http.StatusOK {
		t.Errorf("after a hang, status = %d, want 200", resp.StatusCode)
	}
}

func TestTrickle(t *testing.T) {
	const every = 200 * time.Microsecond
	s := start(t, Options{})
	s.Script(Trickle(every))

	began := time.Now()
	resp, err := s.Client().Do(tokenRequest(t, s, goodForm(s)))
	if err != nil {
		t.Fatalf("trickled request: %v", err)
	}
	header := time.Since(began)
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	total := time.Since(began)

	if err != nil {
		t.Fatalf("read trickled body: %v", err)
	}
	checkTokenAnswer(t, resp, body, "application/json")
	if min := time.Duration(len(body)) * every; total < min {
		t.Errorf("%d bytes came in %s, want at least %s", len(body), total, min)
	}
	if header > total/2 {
		t.Errorf("header came after %s of %s, want it at once", header, total)
	}
}

func TestTrickleBeatsClientTimeout(t *testing.T) {
	s := start(t, Options{})
	s.Script(Trickle(10 * time.Millisecond))
	client := &http.Client{Transport: s.Client().Transport, Timeout: 150 * time.Millisecond}

	resp, err := client.PostForm(s.TokenURL, goodForm(s))
	if err != nil {
		t.Fatalf("want the header before the timeout: %v", err)
	}
	defer resp.Body.Close()
	if body, err := io.ReadAll(resp.Body); err == nil {
		t.Errorf("read %d bytes of a trickled body within the timeout, want a timeout", len(body))
	}
}

func TestHugeBodyStreams(t *testing.T) {
	s := start(t, Options{})
	s.Script(HugeBody(HugeSize))
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)

	resp, err := s.Client().PostForm(s.TokenURL, goodForm(s))
	if err != nil {
		t.Fatalf("huge body request: %v", err)
	}
	var ends ends
	n, err := io.Copy(&ends, resp.Body)
	resp.Body.Close()
	runtime.ReadMemStats(&after)

	if err != nil || n != HugeSize || resp.ContentLength != HugeSize {
		t.Errorf("read %d bytes (Content-Length %d), error %v; want %d", n, resp.ContentLength,
			err, HugeSize)
	}
	if ends.head != hugeHead || ends.tail != hugeTail {
		t.Errorf("body starts %q and ends %q, want %q and %q", ends.head, ends.tail, hugeHead,
			hugeTail)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 8<<20 {
		t.Errorf("streaming %d bytes allocated %d bytes: the body was buffered", n, alloc)
	}
}

// ends keeps the first and last bytes written to it, as many as the huge body's frame has.
type ends struct {
	head, tail string
}

// Write keeps the ends of the stream.
func (e *ends) Write(p []byte) (int, error) {
	if len(e.head) < len(hugeHead) {
		e.head += string(p[:min(len(p), len(hugeHead)-len(e.head))])
	}
	e.tail += string(p[max(len(p)-len(hugeTail), 0):])
	e.tail = e.tail[max(len(e.tail)-len(hugeTail), 0):]
	return len(p), nil
}

func TestHugeBodyStopsWhenClientStops(t *testing.T) {
	s := start(t, Options{})
	s.Script(HugeBody(HugeSize))

	resp, err := s.Client().PostForm(s.TokenURL, goodForm(s))
	if err != nil {
		t.Fatalf("huge body request: %v", err)
	}
	n, _ := io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20+1))
	resp.Body.Close()

	if n != 1<<20+1 {
		t.Errorf("read %d bytes, want 1 MiB + 1", n)
	}
	eventually(t, "the stream ends", func() bool {
		return !strings.Contains(serverGoroutines(), "standin.(*Server).stream")
	})
}

func TestDelay(t *testing.T) {
	const d = 150 * time.Millisecond
	s := start(t, Options{})
	tests := []struct {
		name       string
		secret     string
		resp       Response
		wantStatus int
	}{
		{"delayed error", s.ClientSecret, Delay(d, Status(503)), 503},
		{"delayed refusal", "wrong", Delay(d, OK()), 401},
		{"delayed token", s.ClientSecret, Delay(d, Response{}), 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s.Script(tt.resp)
			form := goodForm(s)
			form.Set("client_secret", tt.secret)

			began := time.Now()
			resp, _ := do(t, s, tokenRequest(t, s, form))
			if took := time.Since(began); took < d {
				t.Errorf("answered in %s, want at least %s", took, d)
			}
			if resp.StatusCode != tt.wantStatus {
				t.Errorf("status = %d, want %d", resp.StatusCode, tt.wantStatus)
			}
		})
	}
}

func TestResponseNames(t *testing.T) {
	all := []Response{OK(), OKSecondsExp(), OKExpiresInOnly(), OKNoExpiry(), OKExpired(),
		OKNegativeExpiresIn(), OKAbsurdExpiresIn(), OKOpaque(), WrongContentType(),
		Trickle(time.Second), Status(500), RetryAfter(429, 3), Error(400, "invalid_scope", ""),
		HTML(), TruncatedJSON(), NoAccessToken(), HugeBody(HugeSize), Reset(), ResetInBody(),
		Hang(), Delay(time.Second, Hang())}
	seen := map[string]bool{}
	for _, r := range all {
		if name := r.String(); name == "" || seen[name] {
			t.Errorf("response name %q is empty or repeated", name)
		}
		seen[r.String()] = true
	}
	if got := (Response{}).String(); got != "ok" {
		t.Errorf("zero Response is %q, want ok", got)
	}
}
