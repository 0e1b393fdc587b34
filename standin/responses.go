package standin

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// Response is one behaviour of the token endpoint, made by OK, Status, Hang and the other
// functions that return one, and given to Server.Script or Server.SetDefault. The zero
// Response behaves as OK.
type Response struct {
	name  string
	serve func(s *Server, x *exchange)
}

// exchange is one token request being answered.
type exchange struct {
	w       http.ResponseWriter
	r       *http.Request
	problem *oauthError // what the platform objects to in r; nil when nothing
}

// String names the behaviour, for logs and test names.
func (r Response) String() string {
	return r.orOK().name
}

// orOK is r, or OK for the zero Response.
func (r Response) orOK() Response {
	if r.serve == nil {
		return OK()
	}
	return r
}

// tokenSpec says what a token answer mints and what its reply claims about it.
type tokenSpec struct {
	form tokenForm
	// life is the token's real lifetime, as Valid and myUser judge it; 0 is the server's.
	life time.Duration
	// expiresIn gives the reply's expires_in from the server's lifetime; nil leaves it out.
	expiresIn func(lifetime time.Duration) *int64
}

// platform is the spec of the platform's own answer.
var platform = tokenSpec{form: expMillis, expiresIn: honest}

// honest is an expires_in that tells the server's lifetime in seconds.
func honest(lifetime time.Duration) *int64 {
	n := int64(lifetime / time.Second)
	return &n
}

// fixed is an expires_in of n seconds, whatever the lifetime.
func fixed(n int64) func(time.Duration) *int64 {
	return func(time.Duration) *int64 { return &n }
}

// tokenReply is the JSON of a successful token answer.
type tokenReply struct {
	AccessToken string `json:"access_token,omitempty"`
	TokenType   string `json:"token_type"`
	ExpiresIn   *int64 `json:"expires_in,omitempty"`
}

// tokenBody mints a token as spec says and encodes the reply.
func (s *Server) tokenBody(spec tokenSpec) ([]byte, error) {
	life := spec.life
	if life == 0 {
		life = s.lifetime
	}
	token, err := s.mint(life, spec.form)
	if err != nil {
		return nil, err
	}

	reply := tokenReply{AccessToken: token, TokenType: "bearer"}
	if spec.expiresIn != nil {
		reply.ExpiresIn = spec.expiresIn(s.lifetime)
	}
	return json.Marshal(reply)
}

// writer writes a token reply's body to the wire in some way.
type writer func(s *Server, x *exchange, body []byte)

// withToken is a Response that answers the platform's error to a request it would refuse,
// and otherwise mints a token as spec says and hands the reply's body to write.
func withToken(name string, spec tokenSpec, write writer) Response {
	minting := mintThen(name, spec, write)
	return Response{name: name, serve: func(s *Server, x *exchange) {
		if x.problem != nil {
			x.problem.write(x.w)
			return
		}
		minting.serve(s, x)
	}}
}

// mintThen is a Response that mints a token as spec says, whatever the request, and hands the
// reply's body to write.
func mintThen(name string, spec tokenSpec, write writer) Response {
	return Response{name: name, serve: func(s *Server, x *exchange) {
		body, err := s.tokenBody(spec)
		if err != nil {
			s.logf("token endpoint: %v", err)
			Status(http.StatusInternalServerError).serve(s, x)
			return
		}
		write(s, x, body)
	}}
}

// asJSON writes a token reply as the platform does.
func asJSON(_ *Server, x *exchange, body []byte) {
	writeBody(x.w, http.StatusOK, "application/json", body)
}

// OK answers a good token, as the platform does: an RS512 JWT whose exp is in milliseconds,
// token_type "bearer" and expires_in the server's lifetime in seconds.
func OK() Response {
	return withToken("ok", platform, asJSON)
}

// OKSecondsExp answers a good token whose exp is in seconds, as RFC 7519 says.
func OKSecondsExp() Response {
	return withToken("ok, exp in seconds", tokenSpec{form: expSeconds, expiresIn: honest}, asJSON)
}

// OKExpiresInOnly answers a good JWT with no exp claim; only expires_in tells its lifetime.
func OKExpiresInOnly() Response {
	return withToken("ok, expires_in only", tokenSpec{form: expAbsent, expiresIn: honest}, asJSON)
}

// OKNoExpiry answers a good JWT with no exp claim and no expires_in: nothing tells when it
// expires, though the server still expires it after its lifetime.
func OKNoExpiry() Response {
	return withToken("ok, no expiry", tokenSpec{form: expAbsent}, asJSON)
}

// OKExpired answers a JWT that expired a minute ago. Its expires_in still claims the full
// lifetime, which catches a client that trusts expires_in over the token's own exp.
func OKExpired() Response {
	spec := tokenSpec{form: expMillis, life: -time.Minute, expiresIn: honest}
	return withToken("ok, already expired", spec, asJSON)
}

// OKNegativeExpiresIn answers a JWT with no exp claim and expires_in -3600; the token is
// expired on the server too.
func OKNegativeExpiresIn() Response {
	spec := tokenSpec{form: expAbsent, life: -time.Hour, expiresIn: fixed(-3600)}
	return withToken("ok, negative expires_in", spec, asJSON)
}

// OKAbsurdExpiresIn answers a JWT with no exp claim and expires_in 1e12 seconds (32,000
// years); the server still expires the token after its lifetime.
func OKAbsurdExpiresIn() Response {
	spec := tokenSpec{form: expAbsent, expiresIn: fixed(1e12)}
	return withToken("ok, absurd expires_in", spec, asJSON)
}

// OKOpaque answers a good token that is not a JWT (a random string), with expires_in.
func OKOpaque() Response {
	return withToken("ok, opaque token", tokenSpec{form: opaqueToken, expiresIn: honest}, asJSON)
}

// WrongContentType answers a good token reply labelled text/plain instead of JSON.
func WrongContentType() Response {
	return withToken("wrong content type", platform, func(_ *Server, x *exchange, body []byte) {
		writeBody(x.w, http.StatusOK, "text/plain; charset=utf-8", body)
	})
}

// Trickle answers a good token reply's header at once, then its body one byte at a time with
// a pause of every before each byte: a slow link that a client's overall timeout must cut.
func Trickle(every time.Duration) Response {
	return withToken(fmt.Sprintf("trickle every %s", every), platform,
		func(s *Server, x *exchange, body []byte) {
			s.trickle(x, body, every)
		})
}

// Status answers code with an RFC 6749 error body: invalid_client for 401,
// unauthorized_client for 403, temporarily_unavailable for 429 and 503, server_error for
// other 5xx, invalid_request otherwise.
func Status(code int) Response {
	return Error(code, oauthCode(code), fmt.Sprintf("stand-in scripted HTTP %d", code))
}

// Error answers code with the RFC 6749 error and description given.
func Error(code int, oauthErr, description string) Response {
	e := &oauthError{code, oauthErr, description}
	return Response{name: fmt.Sprintf("%d %s", code, oauthErr),
		serve: func(_ *Server, x *exchange) { e.write(x.w) }}
}

// RetryAfter answers like Status(code) with a Retry-After header of seconds.
func RetryAfter(code int, seconds int) Response {
	inner := Status(code)
	return Response{name: fmt.Sprintf("%s, retry after %ds", inner.name, seconds),
		serve: func(s *Server, x *exchange) {
			x.w.Header().Set("Retry-After", strconv.Itoa(seconds))
			inner.serve(s, x)
		}}
}

// oauthCode is the RFC 6749 error that Status sends with an HTTP status.
func oauthCode(status int) string {
	switch {
	case status == http.StatusUnauthorized:
		return "invalid_client"
	case status == http.StatusForbidden:
		return "unauthorized_client"
	case status == http.StatusTooManyRequests, status == http.StatusServiceUnavailable:
		return "temporarily_unavailable"
	case status >= 500:
		return "server_error"
	}
	return "invalid_request"
}

// HTML answers 200 with an HTML sign-in page, as a single sign-on proxy in front of an app
// would.
func HTML() Response {
	return Response{name: "html login page", serve: func(_ *Server, x *exchange) {
		writeBody(x.w, http.StatusOK, "text/html; charset=utf-8", []byte(loginPage))
	}}
}

// loginPage is the page HTML answers.
const loginPage = `<!DOCTYPE html>
<html><head><title>Sign in</title></head>
<body><form method="post" action="/login">
<input name="username"><input name="password" type="password"><button>Sign in</button>
</form></body></html>
`

// TruncatedJSON answers 200 with the first half of a good token reply, its Content-Length
// saying that half: the JSON is cut, the HTTP exchange is whole.
func TruncatedJSON() Response {
	return mintThen("truncated json", platform, func(_ *Server, x *exchange, body []byte) {
		writeBody(x.w, http.StatusOK, "application/json", body[:len(body)/2])
	})
}

// NoAccessToken answers 200 with JSON that has token_type and expires_in but no access_token.
func NoAccessToken() Response {
	return Response{name: "no access_token", serve: func(s *Server, x *exchange) {
		reply := tokenReply{TokenType: "bearer", ExpiresIn: honest(s.lifetime)}
		writeJSON(x.w, http.StatusOK, reply)
	}}
}

// HugeSize is a body size no client should read whole: 64 MiB.
const HugeSize = 64 << 20

// HugeBody answers 200 with a JSON token reply of size bytes whose access_token fills it,
// streamed without being held in memory. A client that bounds what it reads must fail.
func HugeBody(size int64) Response {
	return Response{name: fmt.Sprintf("huge body of %d bytes", size),
		serve: func(s *Server, x *exchange) { s.stream(x, size) }}
}

// Reset answers part of a response's header, then resets the connection.
func Reset() Response {
	return Response{name: "reset in header",
		serve: func(_ *Server, x *exchange) { resetAfter(x.w, []byte(partialHeader)) }}
}

// ResetInBody answers a whole header announcing a good token reply and half its body, then
// resets the connection.
func ResetInBody() Response {
	return mintThen("reset in body", platform, func(_ *Server, x *exchange, body []byte) {
		resetAfter(x.w, halfResponse(body))
	})
}

// Hang reads the request and never answers, until the client gives up or the server closes;
// then the connection closes with no answer.
func Hang() Response {
	return Response{name: "hang", serve: func(s *Server, x *exchange) { s.hang(x.r) }}
}

// Delay waits d, then answers as inner does; a client that gives up first gets no answer.
func Delay(d time.Duration, inner Response) Response {
	inner = inner.orOK()
	return Response{name: fmt.Sprintf("after %s, %s", d, inner.name),
		serve: func(s *Server, x *exchange) {
			if !s.wait(x.r, d) {
				abort()
			}
			inner.serve(s, x)
		}}
}
