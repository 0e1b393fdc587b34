package standin

import (
	"crypto/sha256"
	"time"
)

// grant is what the server remembers of a token it issued, keyed by the token's SHA-256.
type grant struct {
	token   string // kept for Issued, so tests can look for tokens where none may appear
	expires time.Time
	revoked bool
}

// Issue mints a token as the token endpoint's OK would, living lifetime from now on the
// server's Clock (a negative lifetime gives an expired token), without a request. Tests use it
// to seed a cache. Issue does not count as a token request.
func (s *Server) Issue(lifetime time.Duration) string {
	token, err := s.mint(lifetime, expMillis)
	if err != nil {
		// Signing cannot fail with the key Start made; reaching here is a bug in this package.
		panic(err)
	}
	return token
}

// mint makes a token of the given form living life from now, and remembers it.
func (s *Server) mint(life time.Duration, form tokenForm) (string, error) {
	expires := s.clock().Add(life)
	serial := s.nextSerial()

	token := "c3opaque-" + randomString(32)
	if form != opaqueToken {
		var err error
		token, err = signJWT(s.key, s.claimsFor(serial, expires, form))
		if err != nil {
			return "", err
		}
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	s.grants[sha256.Sum256([]byte(token))] = &grant{token: token, expires: expires}
	return token, nil
}

// nextSerial numbers tokens from 1, for the sseq claim that tells two tokens apart.
func (s *Server) nextSerial() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.serial++
	return s.serial
}

// Valid reports whether token was issued by this server, is not revoked and has not expired
// by the server's Clock. It is what myUser checks.
func (s *Server) Valid(token string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	g, ok := s.grants[sha256.Sum256([]byte(token))]
	return ok && !g.revoked && s.clock().Before(g.expires)
}

// Issued returns every token the server has minted, by request or by Issue, so that a test can
// check that none of them appears where a token must not.
func (s *Server) Issued() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	tokens := make([]string, 0, len(s.grants))
	for _, g := range s.grants {
		tokens = append(tokens, g.token)
	}
	return tokens
}

// Revoke makes myUser refuse token from now on, though it still looks valid to a client.
// A token the server did not issue is ignored.
func (s *Server) Revoke(token string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if g, ok := s.grants[sha256.Sum256([]byte(token))]; ok {
		g.revoked = true
	}
}

// RevokeAll revokes every token issued so far; tokens issued later are good.
func (s *Server) RevokeAll() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, g := range s.grants {
		g.revoked = true
	}
}
