package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"
)

// session is one in-process run of the command.
type session struct {
	stdin    *io.PipeWriter
	settings map[string]string
	stderr   *syncBuffer
	code     chan int
}

// syncBuffer is a buffer that the command and the test may use at once.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

// Write appends p.
func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// String is what was written so far.
func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// launch runs the command with args and reads the settings lines it prints, want of them.
func launch(t *testing.T, ctx context.Context, want int, args ...string) *session {
	t.Helper()
	stdinR, stdinW := io.Pipe()
	stdoutR, stdoutW := io.Pipe()
	s := &session{stdin: stdinW, stderr: &syncBuffer{}, code: make(chan int, 1),
		settings: map[string]string{}}
	go func() {
		s.code <- run(ctx, args, stdinR, stdoutW, s.stderr)
		stdoutW.Close()
	}()
	t.Cleanup(func() { stdinW.Close() })

	lines := bufio.NewScanner(stdoutR)
	for len(s.settings) < want && lines.Scan() {
		name, value, ok := strings.Cut(lines.Text(), "=")
		if !ok {
			t.Fatalf("stdout line %q is not NAME=value", lines.Text())
		}
		s.settings[name] = value
	}
	if len(s.settings) != want {
		t.Fatalf("got settings %v, want %d lines; stderr %s", s.settings, want, s.stderr)
	}
	go io.Copy(io.Discard, stdoutR)
	return s
}

// exit waits for the command's exit status.
func (s *session) exit(t *testing.T) int {
	t.Helper()
	select {
	case code := <-s.code:
		return code
	case <-time.After(5 * time.Second):
		t.Fatalf("the command did not stop; stderr %s", s.stderr)
		return -1
	}
}

// askToken posts a good token request with the printed settings.
func (s *session) askToken(t *testing.T, client *http.Client) *http.Response {
	t.Helper()
	resp, err := client.PostForm(s.settings["C3CRED_URL"]+"/oauth/token", url.Values{
		"grant_type":    {"client_credentials"},
		"client_id":     {s.settings["C3CRED_CLIENT_ID"]},
		"client_secret": {s.settings["C3CRED_CLIENT_SECRET"]},
	})
	if err != nil {
		t.Fatalf("token request: %v", err)
	}
	resp.Body.Close()
	return resp
}

func TestStopsAtStdinEOF(t *testing.T) {
	s := launch(t, context.Background(), 3, "-stdin-eof", "-v", "-client-id", "my-id",
		"-base-path", "/dev/app")

	if got := s.settings["C3CRED_CLIENT_ID"]; got != "my-id" {
		t.Errorf("C3CRED_CLIENT_ID = %q, want my-id", got)
	}
	if got := s.settings["C3CRED_URL"]; !strings.HasPrefix(got, "http://127.0.0.1:") ||
		!strings.HasSuffix(got, "/dev/app") {
		t.Errorf("C3CRED_URL = %q, want http://127.0.0.1:PORT/dev/app", got)
	}
	client := &http.Client{Transport: &http.Transport{}}
	defer client.CloseIdleConnections()
	if resp := s.askToken(t, client); resp.StatusCode != http.StatusOK {
		t.Errorf("token status = %d, want 200", resp.StatusCode)
	}

	s.stdin.Close()
	if code := s.exit(t); code != 0 {
		t.Errorf("exit status = %d, want 0", code)
	}
	stderr := s.stderr.String()
	if !strings.Contains(stderr, "1 to the token endpoint, 0 to myUser") {
		t.Errorf("stderr does not give the counts: %s", stderr)
	}
	secret := s.settings["C3CRED_CLIENT_SECRET"]
	if strings.Contains(stderr, secret) || strings.Contains(stderr, "eyJ") {
		t.Errorf("stderr holds the secret or a token: %s", stderr)
	}
}

func TestTLSWritesCAFile(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	s := launch(t, ctx, 4, "-tls")
	caFile := s.settings["C3_STANDIN_CA_FILE"]

	pem, err := os.ReadFile(caFile)
	if err != nil {
		t.Fatalf("read C3_STANDIN_CA_FILE: %v", err)
	}
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(pem)
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots}}}
	defer client.CloseIdleConnections()
	if resp := s.askToken(t, client); resp.StatusCode != http.StatusOK {
		t.Errorf("token status over TLS = %d, want 200", resp.StatusCode)
	}

	cancel()
	if code := s.exit(t); code != 0 {
		t.Errorf("exit status = %d, want 0", code)
	}
	if _, err := os.Stat(caFile); !os.IsNotExist(err) {
		t.Errorf("CA file %s is left after exit: %v", caFile, err)
	}
}

func TestUsage(t *testing.T) {
	tests := []struct {
		args     []string
		wantCode int
		wantErr  string
	}{
		{[]string{"-h"}, 0, "usage: c3-standin"},
		{[]string{"-no-such-flag"}, 2, "flag provided but not defined"},
		{[]string{"extra"}, 2, `unexpected argument "extra"`},
		{[]string{"-lifetime", "0s"}, 2, "-lifetime 0s is not positive"},
		{[]string{"-base-path", "/a b"}, 1, `base path "/a b"`},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(context.Background(), tt.args, strings.NewReader(""), &stdout, &stderr)
			if code != tt.wantCode {
				t.Errorf("exit status = %d, want %d", code, tt.wantCode)
			}
			if !strings.Contains(stderr.String(), tt.wantErr) {
				t.Errorf("stderr = %q, want it to contain %q", stderr.String(), tt.wantErr)
			}
			if stdout.Len() != 0 {
				t.Errorf("stdout = %q, want nothing", stdout.String())
			}
		})
	}
}

func TestShellQuote(t *testing.T) {
	tests := []struct{ in, want string }{
		{"http://127.0.0.1:8080/prod/myapp", "http://127.0.0.1:8080/prod/myapp"},
		{"LO5MUH6s6Xpv-ufg0_afgL0o", "LO5MUH6s6Xpv-ufg0_afgL0o"},
		{"with space", "'with space'"},
		{"it's", `'it'\''s'`},
		{"$HOME", "'$HOME'"},
		{"", "''"},
	}
	for _, tt := range tests {
		if got := shellQuote(tt.in); got != tt.want {
			t.Errorf("shellQuote(%q) = %s, want %s", tt.in, got, tt.want)
		}
	}
}
