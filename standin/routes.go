package standin

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// routes maps the app's two endpoints; anything else is 404.
func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc(s.base+"/oauth/token", s.token)
	mux.HandleFunc(s.base+"/api/8/User/myUser", s.myUser)
	mux.HandleFunc("/", notFound)
	return s.track(mux)
}

// track counts each handler in for Close to wait on, refuses requests once Close has begun,
// and logs one line per request.
func (s *Server) track(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !s.enter() {
			abort()
		}
		defer s.handlers.Done()

		start := time.Now()
		rec := &recorder{ResponseWriter: w}
		defer func() {
			s.logf("%s %s: %s in %s", r.Method, r.URL.Path, rec.outcome(),
				time.Since(start).Round(time.Millisecond))
		}()
		next.ServeHTTP(rec, r)
	})
}

// enter admits one handler unless the server is closing.
func (s *Server) enter() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing {
		return false
	}
	s.handlers.Add(1)
	return true
}

// abort ends a handler without an answer: net/http closes the connection and logs nothing.
func abort() {
	panic(http.ErrAbortHandler)
}

// notFound answers a path the stand-in does not serve.
func notFound(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusNotFound, apiError{
		Error:       "not_found",
		Description: "the stand-in serves only oauth/token and api/8/User/myUser",
	})
}

// apiError is the JSON body of an error, in RFC 6749's shape.
type apiError struct {
	Error       string `json:"error"`
	Description string `json:"error_description,omitempty"`
}

// writeJSON answers v as JSON with the given status, never to be cached.
func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		http.Error(w, "encode reply", http.StatusInternalServerError)
		return
	}
	writeBody(w, status, "application/json", body)
}

// writeBody answers body with the given status and content type, never to be cached.
func writeBody(w http.ResponseWriter, status int, contentType string, body []byte) {
	setHeader(w, contentType, int64(len(body)))
	w.WriteHeader(status)
	w.Write(body)
}

// setHeader sets the header fields of every answer: its type and length, and no caching,
// as RFC 6749 asks of token answers.
func setHeader(w http.ResponseWriter, contentType string, length int64) {
	h := w.Header()
	h.Set("Content-Type", contentType)
	h.Set("Content-Length", strconv.FormatInt(length, 10))
	h.Set("Cache-Control", "no-store")
	h.Set("Pragma", "no-cache")
}

// recorder remembers a response's status, and a note naming the scripted Response, for the log.
type recorder struct {
	http.ResponseWriter
	status int
	note   string
}

// WriteHeader records the status and passes it on.
func (r *recorder) WriteHeader(status int) {
	if r.status == 0 {
		r.status = status
	}
	r.ResponseWriter.WriteHeader(status)
}

// Write records an implicit 200 and passes the bytes on.
func (r *recorder) Write(p []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.ResponseWriter.Write(p)
}

// Unwrap lets http.ResponseController reach the connection to flush or hijack it.
func (r *recorder) Unwrap() http.ResponseWriter {
	return r.ResponseWriter
}

// outcome describes the answer for the log line.
func (r *recorder) outcome() string {
	status := "no answer"
	if r.status != 0 {
		status = fmt.Sprintf("%d %s", r.status, http.StatusText(r.status))
	}
	if r.note == "" {
		return status
	}
	return status + " (" + r.note + ")"
}

// note names the scripted Response in w's log line.
func note(w http.ResponseWriter, text string) {
	if rec, ok := w.(*recorder); ok {
		rec.note = text
	}
}

// logWriter adapts a log function to the io.Writer that net/http's error log wants.
type logWriter func(format string, args ...any)

// Write passes one line to the log.
func (l logWriter) Write(p []byte) (int, error) {
	l("%s", strings.TrimSuffix(string(p), "\n"))
	return len(p), nil
}
