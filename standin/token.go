package standin

import (
	"crypto/subtle"
	"fmt"
	"mime"
	"net/http"
	"net/url"
)

// maxForm bounds the token request body the server reads.
const maxForm = 64 << 10

// Request is what one request to the token endpoint carried. Form holds the client secret
// as sent, so that tests can check it was sent: it is for assertions, never for a log.
type Request struct {
	// Method is the HTTP method.
	Method string

	// Header is the request's header, Authorization included when sent.
	Header http.Header

	// Query is the URL's query; credentials do not belong there.
	Query url.Values

	// Form is the body's form values, client_secret included.
	Form url.Values
}

// LastRequest returns a copy of the last request the token endpoint received, and false if
// none has arrived yet.
func (s *Server) LastRequest() (Request, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	last := s.last
	last.Header = last.Header.Clone()
	last.Query = cloneValues(last.Query)
	last.Form = cloneValues(last.Form)
	return last, last.Method != ""
}

// Script queues responses for the next token requests, one per request, after any already
// queued. When the queue is empty, the default response applies.
func (s *Server) Script(responses ...Response) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.script = append(s.script, responses...)
}

// SetDefault sets the response for token requests that find the queue empty; it starts as OK.
func (s *Server) SetDefault(r Response) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fallback = r
}

// Pending counts the scripted responses not yet used.
func (s *Server) Pending() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.script)
}

// next takes the response for one token request.
func (s *Server) next() Response {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.fallback
	if len(s.script) > 0 {
		r = s.script[0]
		s.script = s.script[1:]
	}
	return r.orOK()
}

// token serves the token endpoint: it reads and records the request, then lets the next
// response answer it.
func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	s.tokenCount.Add(1)
	problem := s.read(w, r)
	resp := s.next()

	note(w, resp.name)
	resp.serve(s, &exchange{w: w, r: r, problem: problem})
}

// read parses the request's form, records the request, and returns what the platform would
// object to, or nil.
func (s *Server) read(w http.ResponseWriter, r *http.Request) *oauthError {
	r.Body = http.MaxBytesReader(w, r.Body, maxForm)
	err := r.ParseForm()
	s.record(r)

	if err != nil {
		return invalidRequest("the body is not a readable form")
	}
	return s.check(r)
}

// record keeps the request for LastRequest.
func (s *Server) record(r *http.Request) {
	last := Request{
		Method: r.Method,
		Header: r.Header.Clone(),
		Query:  cloneValues(r.URL.Query()),
		Form:   cloneValues(r.PostForm),
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.last = last
}

// check applies the platform's rules to a parsed token request.
func (s *Server) check(r *http.Request) *oauthError {
	form := r.PostForm
	switch {
	case r.Method != http.MethodPost:
		return &oauthError{http.StatusMethodNotAllowed, "invalid_request", "use POST"}
	case len(r.Header.Values("Authorization")) > 0:
		return invalidRequest("send the client credentials in the body, not in Authorization")
	case !isForm(r.Header.Get("Content-Type")):
		return invalidRequest("the body must be application/x-www-form-urlencoded")
	case repeated(form, "grant_type", "client_id", "client_secret"):
		return invalidRequest("a parameter is repeated")
	case form.Get("grant_type") == "":
		return invalidRequest("grant_type is missing")
	case form.Get("grant_type") != "client_credentials":
		return &oauthError{http.StatusBadRequest, "unsupported_grant_type",
			fmt.Sprintf("grant_type %q is not served here", form.Get("grant_type"))}
	case !s.knows(form.Get("client_id"), form.Get("client_secret")):
		return &oauthError{http.StatusUnauthorized, "invalid_client", "unknown client or secret"}
	}
	return nil
}

// knows reports whether id and secret are the server's client, in constant time.
func (s *Server) knows(id, secret string) bool {
	idOK := subtle.ConstantTimeCompare([]byte(id), []byte(s.ClientID))
	secretOK := subtle.ConstantTimeCompare([]byte(secret), []byte(s.ClientSecret))
	return idOK&secretOK == 1
}

// isForm reports whether a Content-Type names a urlencoded form, parameters allowed.
func isForm(contentType string) bool {
	media, _, err := mime.ParseMediaType(contentType)
	return err == nil && media == "application/x-www-form-urlencoded"
}

// repeated reports whether any of keys appears more than once; RFC 6749 forbids it.
func repeated(form url.Values, keys ...string) bool {
	for _, k := range keys {
		if len(form[k]) > 1 {
			return true
		}
	}
	return false
}

// cloneValues copies v deeply; nil stays nil.
func cloneValues(v url.Values) url.Values {
	if v == nil {
		return nil
	}
	c := make(url.Values, len(v))
	for k, vs := range v {
		c[k] = append([]string(nil), vs...)
	}
	return c
}

// oauthError is an RFC 6749 error answer.
type oauthError struct {
	status      int
	code        string
	description string
}

// invalidRequest is a 400 invalid_request answer.
func invalidRequest(description string) *oauthError {
	return &oauthError{http.StatusBadRequest, "invalid_request", description}
}

// write answers the error as RFC 6749 JSON.
func (e *oauthError) write(w http.ResponseWriter) {
	if e.status == http.StatusMethodNotAllowed {
		w.Header().Set("Allow", http.MethodPost)
	}
	writeJSON(w, e.status, apiError{Error: e.code, Description: e.description})
}
