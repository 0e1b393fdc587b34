package standin

import (
	"cmp"
	"context"
	"crypto/rsa"
	"errors"
	"fmt"
	"log"
	"net"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// DefaultBasePath is the app's path when Options.BasePath is empty: environment prod, app myapp.
const DefaultBasePath = "/prod/myapp"

// DefaultLifetime is a token's lifetime when Options.Lifetime is zero.
const DefaultLifetime = time.Hour

// Options configures a stand-in. Its zero value gives a working server.
type Options struct {
	// ClientID is the only client id the token endpoint accepts; empty means a random one.
	ClientID string

	// ClientSecret is that client's secret; empty means a random one.
	ClientSecret string

	// BasePath is the app's path on the host, as the platform serves an app at
	// /<environment>/<app>. Empty means DefaultBasePath; "/" means none, as for a vanity URL.
	BasePath string

	// Lifetime is how long an issued token lives; zero means DefaultLifetime.
	Lifetime time.Duration

	// Clock tells the time that tokens expire by; nil means time.Now.
	Clock func() time.Time

	// TLS, when true, serves HTTPS with a certificate made for this server (see
	// Server.CertPEM and Server.Client).
	TLS bool

	// User is the identity every token stands for; its zero value means DefaultUser().
	User User

	// Logf, when set, receives one line per request, and net/http's own errors. No line
	// holds a token or the secret.
	Logf func(format string, args ...any)
}

// Server is a running stand-in. Its methods are safe for concurrent use.
type Server struct {
	// URL is the app's base URL, such as http://127.0.0.1:41234/prod/myapp.
	URL string

	// TokenURL is the token endpoint, URL + "/oauth/token".
	TokenURL string

	// UserURL is the myUser endpoint, URL + "/api/8/User/myUser".
	UserURL string

	// ClientID is the client id the token endpoint accepts.
	ClientID string

	// ClientSecret is the secret it accepts with ClientID.
	ClientSecret string

	// User is the identity the server's tokens stand for.
	User User

	// CertPEM is the server's self-signed certificate in PEM, to trust as a CA; nil without TLS.
	CertPEM []byte

	lifetime time.Duration
	clock    func() time.Time
	logf     func(format string, args ...any)
	base     string // the path before every endpoint, "" or "/env/app"
	app      string // the app claim, <cluster>-<env>-<app>
	key      *rsa.PrivateKey
	client   *http.Client
	http     *http.Server

	tokenCount atomic.Int64
	userCount  atomic.Int64
	quiet      atomic.Bool // set once Close has returned: log no more

	stop      chan struct{} // closed when Close begins: held requests give up
	served    chan struct{} // closed when Serve has returned
	handlers  sync.WaitGroup
	closeOnce sync.Once

	mu       sync.Mutex // guards the fields below
	closing  bool
	script   []Response
	fallback Response
	last     Request
	serial   int64
	grants   map[[32]byte]*grant
}

// Start starts a stand-in on 127.0.0.1 at a free port. Call Close when done.
func Start(opts Options) (*Server, error) {
	s, err := newServer(opts)
	if err != nil {
		return nil, err
	}

	ln, scheme, err := s.listen(opts.TLS)
	if err != nil {
		return nil, err
	}

	s.URL = scheme + "://" + ln.Addr().String() + s.base
	s.TokenURL = s.URL + "/oauth/token"
	s.UserURL = s.URL + "/api/8/User/myUser"
	go s.serve(ln)
	return s, nil
}

// newServer fills in the defaults and checks the options, without listening yet.
func newServer(opts Options) (*Server, error) {
	base := basePath(opts.BasePath)
	if !validPath.MatchString(base) {
		return nil, fmt.Errorf("base path %q is not of the form /env/app", opts.BasePath)
	}
	key, err := signingKey()
	if err != nil {
		return nil, err
	}

	s := &Server{
		ClientID:     orRandom(opts.ClientID, 16),
		ClientSecret: orRandom(opts.ClientSecret, 32),
		User:         opts.User,
		lifetime:     cmp.Or(opts.Lifetime, DefaultLifetime),
		clock:        opts.Clock,
		logf:         opts.Logf,
		base:         base,
		app:          appClaim(base),
		key:          key,
		stop:         make(chan struct{}),
		served:       make(chan struct{}),
		fallback:     OK(),
		grants:       make(map[[32]byte]*grant),
	}
	s.fillDefaults()
	return s, nil
}

// validPath is what a base path may be: empty, or segments of URL-safe characters.
var validPath = regexp.MustCompile(`^(/[A-Za-z0-9._~-]+)*$`)

// basePath turns Options.BasePath into the prefix of every path: "" or "/env/app".
func basePath(p string) string {
	switch p {
	case "":
		return DefaultBasePath
	case "/":
		return ""
	}
	return "/" + strings.Trim(p, "/")
}

// appClaim makes the app claim from the base path: cluster "standin", then env and app.
func appClaim(base string) string {
	parts := []string{"standin"}
	for _, segment := range strings.Split(base, "/") {
		if segment != "" {
			parts = append(parts, segment)
		}
	}
	return strings.Join(parts, "-")
}

// fillDefaults sets what is left of the defaults once the options are copied in.
func (s *Server) fillDefaults() {
	if s.clock == nil {
		s.clock = time.Now
	}
	logf := s.logf
	s.logf = func(format string, args ...any) {
		if logf != nil && !s.quiet.Load() {
			logf(format, args...)
		}
	}
	if s.User.ID == "" {
		s.User = DefaultUser()
	}
}

// listen opens the listener on loopback, wrapped in TLS when asked, and the client that trusts it.
func (s *Server) listen(useTLS bool) (net.Listener, string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, "", fmt.Errorf("listen on 127.0.0.1: %w", err)
	}
	s.http = &http.Server{
		Handler:           s.routes(),
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          log.New(logWriter(s.logf), "", 0),
	}
	s.client = &http.Client{Transport: &http.Transport{}}
	if !useTLS {
		return ln, "http", nil
	}

	ln, err = s.wrapTLS(ln)
	if err != nil {
		return nil, "", err
	}
	return ln, "https", nil
}

// serve runs the HTTP server until Close.
func (s *Server) serve(ln net.Listener) {
	defer close(s.served)
	err := s.http.Serve(ln)
	if !errors.Is(err, http.ErrServerClosed) {
		s.logf("serve: %v", err)
	}
}

// Client returns an HTTP client that trusts the server, over TLS too. Close closes its
// idle connections.
func (s *Server) Client() *http.Client {
	return s.client
}

// Close stops the server and returns once every request handler has returned. Requests held
// by Hang, Trickle or Delay are cut off at once: the client sees the connection close without
// an answer. Others get a second to finish, after which their connections are closed (a
// HugeBody whose client has stopped reading ends so). Close may be called more than once.
func (s *Server) Close() {
	s.closeOnce.Do(s.shutdown)
}

// shutdown is Close's one run.
func (s *Server) shutdown() {
	s.mu.Lock()
	s.closing = true
	s.mu.Unlock()
	close(s.stop)

	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if s.http.Shutdown(ctx) != nil {
		s.http.Close()
	}

	<-s.served
	s.handlers.Wait()
	s.client.CloseIdleConnections()
	s.quiet.Store(true)
}

// TokenRequests counts the requests that reached the token endpoint, good or bad.
func (s *Server) TokenRequests() int {
	return int(s.tokenCount.Load())
}

// UserRequests counts the requests that reached the myUser endpoint, good or bad.
func (s *Server) UserRequests() int {
	return int(s.userCount.Load())
}

// PublicKey is the key that verifies the signature of the server's tokens. Every server in
// a process shares it, so a signature does not tell which server issued a token: Valid does.
func (s *Server) PublicKey() *rsa.PublicKey {
	return &s.key.PublicKey
}
