package helper

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
	"unicode"
)

// seedSecret is the client secret the echoing examples in testdata/responses carry.
const seedSecret = "seed-secret-7Qw2+/x"

// readResponse reads one of testdata/responses: a whole HTTP response as it came over the wire.
func readResponse(t testing.TB, name string) (*http.Response, []byte) {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", "responses", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	resp, err := http.ReadResponse(bufio.NewReader(f), nil)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return resp, body
}

func TestParseTokenResponse(t *testing.T) {
	tests := []struct {
		file      string
		wantErr   string // "" for a token
		wantType  string // a token's token_type
		wantCode  string // a TokenError's code
		retryable bool
		retryWait time.Duration
	}{
		{file: "ok-platform-exp-millis.http", wantType: "bearer"},
		{file: "ok-opaque.http", wantType: "bearer"},
		{file: "ok-no-expiry.http", wantType: "bearer"},
		{file: "ok-text-plain.http", wantType: "bearer"},
		{file: "expires-in-as-string.http", wantType: "Bearer"},
		{file: "html-login-page.http", wantErr: "HTML page"},
		{file: "truncated-json.http", wantErr: "malformed JSON (543 bytes): it is cut short"},
		{file: "no-access-token.http", wantErr: "no access_token"},
		{file: "json-array.http", wantErr: "not an object"},
		{file: "json-null.http", wantErr: "no access_token"},
		{file: "empty-200.http", wantErr: "malformed JSON"},
		{file: "expires-in-fraction.http", wantType: "bearer"},
		{file: "duplicate-keys.http", wantErr: "no access_token"},
		{file: "token-type-mac.http", wantErr: `of type "mac"`},
		{file: "error-with-200.http", wantErr: "invalid_grant", wantCode: "invalid_grant"},
		{file: "401-invalid-client.http", wantErr: "401 Unauthorized", wantCode: "invalid_client"},
		{file: "400-invalid-request.http", wantErr: "400", wantCode: "invalid_request"},
		{file: "429-retry-after.http", wantErr: "429", wantCode: "temporarily_unavailable",
			retryable: true, retryWait: 7 * time.Second},
		{file: "503-retry-after.http", wantErr: "503", retryable: true, retryWait: 2 * time.Second},
		{file: "retry-after-date.http", wantErr: "503", retryable: true},
		{file: "500-server-error.http", wantErr: "server_error", retryable: true},
		{file: "proxy-502-html.http", wantErr: "502 Bad Gateway", retryable: true},
	}
	for _, tt := range tests {
		t.Run(strings.TrimSuffix(tt.file, ".http"), func(t *testing.T) {
			resp, body := readResponse(t, tt.file)
			reply, err := parseTokenResponse(resp, body, seedSecret)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("got error %v, want a token", err)
				}
				if reply.AccessToken == "" || reply.TokenType != tt.wantType {
					t.Errorf("got token %.10q of type %q, want a token of type %q",
						reply.AccessToken, reply.TokenType, tt.wantType)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("got error %v, want one saying %q", err, tt.wantErr)
			}
			var terr *TokenError
			if errors.As(err, &terr) {
				if terr.Code != tt.wantCode && tt.wantCode != "" {
					t.Errorf("code %q, want %q", terr.Code, tt.wantCode)
				}
				if terr.RetryAfter != tt.retryWait {
					t.Errorf("RetryAfter %v, want %v", terr.RetryAfter, tt.retryWait)
				}
			}
			if got := transient(err); got != tt.retryable {
				t.Errorf("transient = %v, want %v", got, tt.retryable)
			}
		})
	}
}

// TestParseRedactsEchoedSecret feeds answers that echo the client secret back, in every field
// that reaches an error, raw, form-encoded, JSON-escaped and straddling the cut at 200 runes.
func TestParseRedactsEchoedSecret(t *testing.T) {
	files := []string{
		"echo-secret-in-description.http",
		"echo-secret-in-error-code.http",
		"echo-secret-escaped.http",
		"echo-secret-in-token-type.http",
		"echo-secret-in-expires-in.http",
		"echo-secret-past-cut.http",
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(file, ".http"), func(t *testing.T) {
			resp, body := readResponse(t, file)
			_, err := parseTokenResponse(resp, body, seedSecret)
			if err == nil {
				t.Fatal("accepted an answer that echoes the secret")
			}
			if leaked := secretPart(err.Error(), seedSecret); leaked != "" {
				t.Errorf("error %q shows %q of the secret", err, leaked)
			}
		})
	}
}

// secretPart returns the longest piece of secret (8 bytes or more, or its
// form-encoded form) that text shows, or "".
func secretPart(text, secret string) string {
	for _, s := range []string{secret, url.QueryEscape(secret)} {
		for n := len(s); n >= 8; n-- {
			for i := 0; i+n <= len(s); i++ {
				if strings.Contains(text, s[i:i+n]) {
					return s[i : i+n]
				}
			}
		}
	}
	return ""
}

func TestParseCleansServerText(t *testing.T) {
	resp, body := readResponse(t, "control-chars-in-description.http")
	_, err := parseTokenResponse(resp, body, seedSecret)
	if err == nil {
		t.Fatal("accepted an error answer")
	}
	for _, r := range err.Error() {
		if unicode.IsControl(r) {
			t.Fatalf("error %q holds control character %U", err, r)
		}
	}
	if !strings.Contains(err.Error(), "line one line two") {
		t.Errorf("error %q lost the description's text", err)
	}
}

// tokenServer serves handler over loopback HTTP and returns a profile pointing at it.
func tokenServer(t *testing.T, handler http.HandlerFunc) *Profile {
	t.Helper()
	srv := httptest.NewServer(handler)
	t.Cleanup(srv.Close)
	return &Profile{Name: "p", URL: srv.URL, ClientID: "id", TokenURL: srv.URL + "/oauth/token"}
}

func TestRequestTokenSendsFormBody(t *testing.T) {
	var got url.Values
	var auth string
	p := tokenServer(t, func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		got, auth = r.PostForm, r.Header.Get("Authorization")
		w.Write([]byte(`{"access_token":"tok","token_type":"bearer","expires_in":60}`))
	})
	client, _ := newHTTPClient(p)
	reply, err := requestToken(context.Background(), client, p, "s3cret")
	if err != nil || reply.AccessToken != "tok" {
		t.Fatalf("got %+v, %v; want the token", reply, err)
	}
	want := url.Values{"grant_type": {"client_credentials"}, "client_id": {"id"},
		"client_secret": {"s3cret"}}
	if got.Encode() != want.Encode() || auth != "" {
		t.Errorf("sent form %q and Authorization %q; want %q and none", got.Encode(), auth,
			want.Encode())
	}
}

// TestRequestTokenRefusesRedirect: a redirect is not followed (the POST would carry the secret to
// its target), is not retried, and the message names only the target's host.
func TestRequestTokenRefusesRedirect(t *testing.T) {
	var reached atomic.Int32
	target := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
		reached.Add(1)
	}))
	t.Cleanup(target.Close)
	p := tokenServer(t, func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		to := target.URL + "/steal?s=" + url.QueryEscape(r.PostForm.Get("client_secret"))
		http.Redirect(w, r, to, http.StatusTemporaryRedirect)
	})
	client, _ := newHTTPClient(p)
	_, err := requestToken(context.Background(), client, p, seedSecret)
	switch {
	case err == nil:
		t.Fatal("followed the redirect to a token")
	case reached.Load() != 0:
		t.Errorf("the redirect's target was reached %d times", reached.Load())
	case !errors.Is(err, errRedirect) || transient(err):
		t.Errorf("got %v (transient %v), want a final errRedirect", err, transient(err))
	case secretPart(err.Error(), seedSecret) != "" || strings.Contains(err.Error(), "/steal"):
		t.Errorf("error %q shows the redirect's path or the secret", err)
	case HintOf(err) == "":
		t.Errorf("error %q has no hint", err)
	}
}

// TestRequestTokenBoundsTheBody streams an endless body: the read stops past the bound, with an
// error, having taken no more than the bound and a buffer.
func TestRequestTokenBoundsTheBody(t *testing.T) {
	var sent atomic.Int64
	p := tokenServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(`{"access_token":"`))
		chunk := bytes.Repeat([]byte("A"), 32<<10)
		for range 4 * maxBodySize / len(chunk) {
			n, err := w.Write(chunk)
			sent.Add(int64(n))
			if err != nil {
				return
			}
		}
	})
	client, _ := newHTTPClient(p)
	_, err := requestToken(context.Background(), client, p, "s")
	if err == nil || !strings.Contains(err.Error(), "over 1048576 bytes") {
		t.Fatalf("got %v, want a refusal of the size", err)
	}
	if transient(err) {
		t.Errorf("an oversized answer is retried")
	}
}

// TestRequestTokenRedactsTransportErrors: the transport's errors can quote a malformed header line
// the server sent; one that echoes the secret must not carry it into the message.
func TestRequestTokenRedactsTransportErrors(t *testing.T) {
	p := tokenServer(t, func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		conn, buf, err := http.NewResponseController(w).Hijack()
		if err != nil {
			t.Error(err)
			return
		}
		defer conn.Close()
		secret := r.PostForm.Get("client_secret")
		buf.WriteString("HTTP/1.1 200 OK\r\nbad header " + secret + "\r\n\r\n")
		buf.Flush()
	})
	client, _ := newHTTPClient(p)
	_, err := requestToken(context.Background(), client, p, seedSecret)
	if err == nil || !transient(err) {
		t.Fatalf("got %v, want a transport error", err)
	}
	checkErrorText(t, err.Error())
	if !strings.Contains(err.Error(), "[redacted]") {
		t.Errorf("error %q: want the echoed secret shown as [redacted]", err)
	}
}

func TestRetryAfterHeader(t *testing.T) {
	tests := []struct {
		value string
		want  time.Duration
	}{
		{"", 0},
		{"3", 3 * time.Second},
		{" 10 ", 10 * time.Second},
		{"-1", 0},
		{"1.5", 0},
		{"Wed, 21 Oct 2026 07:28:00 GMT", 0},
		{"99999999", time.Hour},
		{"99999999999999999999999", 0},
	}
	for _, tt := range tests {
		h := http.Header{"Retry-After": {tt.value}}
		if got := retryAfter(h); got != tt.want {
			t.Errorf("retryAfter(%q) = %v, want %v", tt.value, got, tt.want)
		}
	}
}

// FuzzParseTokenResponse feeds the parser any status, Content-Type, Retry-After and body. It
// must not panic; a token it accepts is a non-empty bearer token; an error it returns is one
// printable line of bounded length that never shows the secret.
func FuzzParseTokenResponse(f *testing.F) {
	files, err := os.ReadDir(filepath.Join("testdata", "responses"))
	if err != nil {
		f.Fatal(err)
	}
	for _, file := range files {
		resp, body := readResponse(f, file.Name())
		h := resp.Header
		f.Add(resp.StatusCode, h.Get("Content-Type"), h.Get("Retry-After"), body)
	}
	f.Fuzz(func(t *testing.T, status int, contentType, retry string, body []byte) {
		resp := &http.Response{StatusCode: status, Header: http.Header{
			"Content-Type": {contentType}, "Retry-After": {retry}}}
		reply, err := parseTokenResponse(resp, body, seedSecret)
		if err == nil {
			if reply.AccessToken == "" || (reply.TokenType != "" &&
				!strings.EqualFold(reply.TokenType, "bearer")) {
				t.Fatalf("accepted %+v", reply)
			}
			return
		}
		checkErrorText(t, err.Error())
		var terr *TokenError
		if errors.As(err, &terr) && (terr.RetryAfter < 0 || terr.RetryAfter > time.Hour) {
			t.Errorf("RetryAfter %v outside [0, 1h]", terr.RetryAfter)
		}
	})
}

// checkErrorText fails unless msg is one printable line of bounded length without the secret.
func checkErrorText(t *testing.T, msg string) {
	t.Helper()
	if len(msg) > 600 {
		t.Errorf("error of %d bytes: %.80q…", len(msg), msg)
	}
	for _, r := range msg {
		if unicode.IsControl(r) {
			t.Fatalf("error %q holds control character %U", msg, r)
		}
	}
	if strings.Contains(msg, seedSecret) || strings.Contains(msg, url.QueryEscape(seedSecret)) {
		t.Errorf("error %q shows the secret", msg)
	}
}
