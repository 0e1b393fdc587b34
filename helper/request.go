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
			return fmt.Errorf("refused a redirect to %s", req.URL.Redacted())
		},
	}, nil
}

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
func requestToken(ctx context.Context, client *http.Client, p *Profile, secret string) (*tokenReply, error) {
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
		return nil, transportError(req.URL.Host, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBodySize+1))
	if err != nil {
		return nil, transportError(req.URL.Host, err)
	}
	if len(body) > maxBodySize {
		return nil, fmt.Errorf("token endpoint sent a response over %d bytes", maxBodySize)
	}
	reply, err := parseTokenResponse(resp, body)
	var terr *TokenError
	if errors.As(err, &terr) {
		terr.Description = strings.ReplaceAll(terr.Description, secret, "[redacted]")
	}
	return reply, err
}

// parseTokenResponse reads a token or an RFC 6749 error from a response. It accepts JSON whatever
// the Content-Type says, since servers mislabel it, but names an HTML page for what it is: a
// login page or proxy error usually means the token_url is wrong.
func parseTokenResponse(resp *http.Response, body []byte) (*tokenReply, error) {
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		terr := &TokenError{Status: resp.StatusCode, RetryAfter: retryAfter(resp.Header)}
		var eb tokenErrorBody
		if json.Unmarshal(body, &eb) == nil {
			terr.Code, terr.Description = clean(eb.Code, 64), clean(eb.Description, 200)
		}
		return nil, terr
	}
	var reply tokenReply
	if err := json.Unmarshal(body, &reply); err != nil {
		if mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type")); mt == "text/html" {
			return nil, withHint(errors.New("token endpoint answered with an HTML page, not a token"),
				"check the profile's url and token_url")
		}
		return nil, fmt.Errorf("token endpoint sent malformed JSON (%d bytes): %v", len(body), err)
	}
	var eb tokenErrorBody
	if json.Unmarshal(body, &eb) == nil && eb.Code != "" {
		return nil, &TokenError{Status: resp.StatusCode, Code: clean(eb.Code, 64),
			Description: clean(eb.Description, 200)}
	}
	switch {
	case reply.AccessToken == "":
		return nil, errors.New("token endpoint's answer has no access_token")
	case reply.TokenType != "" && !strings.EqualFold(reply.TokenType, "bearer"):
		return nil, fmt.Errorf("token endpoint issued a token of type %q; c3cred handles bearer tokens",
			clean(reply.TokenType, 32))
	}
	return &reply, nil
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
func transportError(host string, err error) error {
	var uerr *url.Error
	if errors.As(err, &uerr) {
		err = uerr.Err
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("token request to %s ran out of time: %w", host, context.DeadlineExceeded)
	}
	return &netError{host: host, err: err}
}

// netError is a failure to exchange a request with the token endpoint; it is worth retrying.
type netError struct {
	host string
	err  error
}

func (e *netError) Error() string { return fmt.Sprintf("could not reach %s: %v", e.host, e.err) }
func (e *netError) Unwrap() error { return e.err }

// clean makes server-supplied text safe to print: one line, printable, at most n runes.
func clean(s string, n int) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
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
