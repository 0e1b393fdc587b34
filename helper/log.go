package helper

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
)

// Log writes c3cred's diagnostics to stderr. Nothing written through it may hold a client secret or
// a token; [Fingerprint] names a token without revealing it.
type Log struct {
	// W is where lines go, normally stderr.
	W io.Writer
	// Verbose enables Debugf.
	Verbose bool
}

// Debugging reports whether Debugf writes anything, so a caller can skip preparing its arguments.
func (l *Log) Debugging() bool { return l != nil && l.Verbose }

// Debugf logs a step of the flow when verbose.
func (l *Log) Debugf(format string, args ...any) {
	if l.Debugging() {
		fmt.Fprintf(l.W, "c3cred: debug: "+format+"\n", args...)
	}
}

// Warnf tells the user of a problem that did not stop the command.
func (l *Log) Warnf(format string, args ...any) {
	if l != nil {
		fmt.Fprintf(l.W, "c3cred: warning: "+format+"\n", args...)
	}
}

// Fingerprint returns a short digest that tells two tokens apart without revealing either.
func Fingerprint(token string) string {
	sum := sha256.Sum256([]byte(token))
	return "sha256:" + hex.EncodeToString(sum[:4])
}

// HintError is an error with advice for the user, printed on a line of its own.
type HintError struct {
	Err  error
	Hint string
}

func (e *HintError) Error() string { return e.Err.Error() }
func (e *HintError) Unwrap() error { return e.Err }

// withHint attaches hint to err.
func withHint(err error, hint string) error { return &HintError{Err: err, Hint: hint} }

// HintOf returns the hint attached to err, if any.
func HintOf(err error) string {
	var h *HintError
	if errors.As(err, &h) {
		return h.Hint
	}
	return ""
}
