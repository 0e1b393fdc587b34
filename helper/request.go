package helper

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// maxBodySize bounds what is read of a response from the platform.
const maxBodySize = 1 << 20

// TokenError is an error answer from the token endpoint, with the fields of RFC 6749 section 5.2.
type TokenError struct {
	// Status is the HTTP status code.
	Status int
	// Code is the RFC 6749 error code ("invalid_client"), if the body had one.
	Code string
	// Description is the server's error_description, cleaned to one short line.
	Description string
	// RetryAfter is the wait a 429 or 503 asked for, or zero.
	RetryAfter time.Duration
}

func (e *TokenError) Error() string {
	msg := fmt.Sprintf("token endpoint answered %d %s", e.Status, http.StatusText(e.Status))
	if e.Code != "" {
		msg += ": " + e.Code
	}
	if e.Description != "" {
		msg += ": " + e.Description
	}
	return msg
}

// Temporary reports whether the same request may succeed later: 429 and 5xx.
func (e *TokenError) Temporary() bool { return e.Status == 429 || e.Status >= 500 }

// tokenReply is a successful token response.
type tokenReply struct {
	AccessToken string      `json:"access_token"`
	TokenType   string      `json:"token_type"`
	ExpiresIn   json.Number `json:"expires_in"`
}

// tokenErrorBody is the RFC 6749 error body.
type tokenErrorBody struct {
	Code        string `json:"error"`
	Description string `json:"error_description"`
}

// newHTTPClient builds the client for the platform: proxies from the environment, the system's
// CAs plus the profile's ca_file, and no redirects (a redirected POST would carry the secret to
// wherever it pointed).
func newHTTPClient(p *Profile) (*http.Client, error) {
	transport := http.DefaultTransport.(*http.Transport).Clone()
	if p.CAFile != "" {
		pool, err := loadCAFile(expandHome(p.CAFile))
		if err != nil {
			return nil, fmt.Errorf("profile %q: %w", p.Name, err)
		}
		transport.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	}
	return &http.Client{
		Transport: transport,
		CheckRedirect: func(req *http.Request, _ []*http.Request) error {
			return fmt.Errorf("%w to %s://%s, which c3cred does not follow", errRedirect,
				req.URL.Scheme, clean(req.URL.Host, 100))
		},
	}, nil
}

// errRedirect reports a token endpoint that answered with a redirect. Only the target's scheme and
// host are named: its path or query may echo what the request carried.
var errRedirect = errors.New("token endpoint redirected")

func loadCAFile(path string) (*x509.CertPool, error) {
	pem, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("could not read ca_file: %w", err)
	}
	pool, err := x509.SystemCertPool()
	if err != nil {
		pool = x509.NewCertPool()
	}
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("ca_file %s holds no PEM certificate", path)
	}
	return pool, nil
}

// requestToken makes one client-credentials request. The credentials go in the form body, as the
// platform documents, never in an Authorization header.
func requestToken(ctx context.Context, client *http.Client, p *Profile,
	secret string) (*tokenReply, error) {
	form := url.Values{
		"grant_type":    {"client_credentials"},
		"client_id":     {p.ClientID},
		"client_secret": {secret},
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.TokenURL,
		strings.NewReader(form.Encode()))
	if err != nil {
		return nil, fmt.Errorf("token_url %q: %w", p.TokenURL, err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")

	resp, err := client.Do(req)
	if err != nil {
		return nil, transportError(req.URL.Host, secret, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBodySize+1))
	if err != nil {
		return nil, transportError(req.URL.Host, secret, err)
	}
	if len(body) > maxBodySize {
		return nil, fmt.Errorf("token endpoint sent a response over %d bytes", maxBodySize)
	}
	return parseTokenResponse(resp, body, secret)
}

// parseTokenResponse reads a token or an RFC 6749 error from a response. It accepts JSON whatever
// the Content-Type says, since servers mislabel it, but names an HTML page for what it is: a
// login page or proxy error usually means the token_url is wrong. Text from the server reaches an
// error only through serverText, so that a server echoing the request never prints the secret.
func parseTokenResponse(resp *http.Response, body []byte, secret string) (*tokenReply, error) {
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, errorReply(resp, body, secret)
	}
	var reply tokenReply
	if err := json.Unmarshal(body, &reply); err != nil {
		if mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type")); mt == "text/html" {
			return nil, withHint(errors.New("token endpoint answered with an HTML page, not a token"),
				"check the profile's url and token_url")
		}
		return nil, fmt.Errorf("token endpoint sent malformed JSON (%d bytes): %s", len(body),
			jsonProblem(err, len(body)))
	}
	var eb tokenErrorBody
	if json.Unmarshal(body, &eb) == nil && eb.Code != "" {
		return nil, &TokenError{Status: resp.StatusCode, Code: serverText(eb.Code, secret, 64),
			Description: serverText(eb.Description, secret, 200)}
	}
	switch {
	case reply.AccessToken == "":
		return nil, errors.New("token endpoint's answer has no access_token")
	case reply.TokenType != "" && !strings.EqualFold(reply.TokenType, "bearer"):
		return nil, fmt.Errorf("token endpoint issued a token of type %q; c3cred handles bearer tokens",
			serverText(reply.TokenType, secret, 32))
	}
	return &reply, nil
}

// errorReply reads a response whose status is not 2xx.
func errorReply(resp *http.Response, body []byte, secret string) *TokenError {
	terr := &TokenError{Status: resp.StatusCode, RetryAfter: retryAfter(resp.Header)}
	var eb tokenErrorBody
	if json.Unmarshal(body, &eb) == nil {
		terr.Code = serverText(eb.Code, secret, 64)
		terr.Description = serverText(eb.Description, secret, 200)
	}
	return terr
}

// jsonProblem says why a body of size bytes is not the JSON expected without quoting the body: the
// decoder's own messages can quote a value, and a value may be the echoed secret.
func jsonProblem(err error, size int) string {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syntax) && syntax.Offset >= int64(size):
		return "it is cut short"
	case errors.As(err, &syntax):
		return fmt.Sprintf("syntax error at byte %d", syntax.Offset)
	case errors.As(err, &typ) && typ.Field != "":
		return fmt.Sprintf("%s is a JSON %s", typ.Field, typ.Value)
	case errors.As(err, &typ):
		return fmt.Sprintf("the body is a JSON %s, not an object", typ.Value)
	}
	return "a value of the wrong kind"
}

// retryAfter reads a Retry-After header given in seconds; dates and nonsense count as absent.
func retryAfter(h http.Header) time.Duration {
	secs, err := strconv.Atoi(strings.TrimSpace(h.Get("Retry-After")))
	if err != nil || secs < 0 {
		return 0
	}
	return time.Duration(min(secs, 3600)) * time.Second
}

// transportError describes a failure to talk to host without the request's body or URL query.
// The transport's own text can quote what the server sent (a malformed header line), so it is
// treated as server text.
func transportError(host, secret string, err error) error {
	var uerr *url.Error
	if errors.As(err, &uerr) {
		err = uerr.Err
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("token request to %s ran out of time: %w", host, context.DeadlineExceeded)
	}
	if errors.Is(err, errRedirect) {
		return withHint(err, "set token_url to the address the platform serves tokens at")
	}
	return &netError{host: host, msg: serverText(err.Error(), secret, 300), err: err}
}

// netError is a failure to exchange a request with the token endpoint; it is worth retrying.
type netError struct {
	host string
	msg  string // err's text, cleaned and redacted
	err  error
}

func (e *netError) Error() string { return fmt.Sprintf("could not reach %s: %s", e.host, e.msg) }
func (e *netError) Unwrap() error { return e.err }

// serverText makes text the server sent safe to print: the client secret, raw or form-encoded as
// the request carried it, is cut out before the text is cleaned and shortened, so that no part of
// it survives a cut.
func serverText(s, secret string, n int) string {
	if secret != "" {
		s = strings.ReplaceAll(s, secret, "[redacted]")
		s = strings.ReplaceAll(s, url.QueryEscape(secret), "[redacted]")
	}
	return clean(s, n)
}

// clean makes server-supplied text safe to print: one line, printable, at most n runes.
func clean(s string, n int) string {
	s = strings.Map(func(r rune) rune {
		if !unicode.IsPrint(r) { // C0 and C1 controls, and format marks that reorder text
			return ' '
		}
		return r
	}, s)
	s = oneLine(s)
	if r := []rune(s); len(r) > n {
		s = string(r[:n]) + "…"
	}
	return s
}
