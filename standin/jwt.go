package standin

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha512"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"sync"
	"time"
)

// keyBits is the size of the signing key. 2048 bits gives a 342-character signature, as the
// platform's own tokens have, so token sizes (in a keyring item, in a header) are realistic.
// Making the key takes 20 to 90 ms, so one key serves every server in a process.
const keyBits = 2048

// process holds the one signing key of this process, made on first use.
var process struct {
	once sync.Once
	key  *rsa.PrivateKey
	err  error
}

// signingKey returns the process's RSA key, making it on the first call.
func signingKey() (*rsa.PrivateKey, error) {
	process.once.Do(func() {
		process.key, process.err = rsa.GenerateKey(rand.Reader, keyBits)
		if process.err != nil {
			process.err = fmt.Errorf("make an RSA signing key: %w", process.err)
		}
	})
	return process.key, process.err
}

// tokenForm is how a token states its expiry, if it is a JWT at all.
type tokenForm int

const (
	expMillis   tokenForm = iota // a JWT whose exp is in milliseconds, as the platform writes
	expSeconds                   // a JWT whose exp is in seconds, as RFC 7519 says
	expAbsent                    // a JWT with no exp claim
	opaqueToken                  // a random string, not a JWT
)

// claims are a token's claims, in the order the platform writes them.
type claims struct {
	App        string   `json:"app"`
	OAuthAppID string   `json:"oauthappid"`
	FirstName  string   `json:"firstname"`
	Kind       string   `json:"kind"`
	Issuer     string   `json:"iss"`
	Groups     []string `json:"groups"`
	LastName   string   `json:"lastname"`
	SID        int      `json:"sid"`
	Audience   string   `json:"aud"`
	IDP        string   `json:"idp"`
	C3Groups   []string `json:"c3groups"`
	IDPUserID  string   `json:"idpuserid"`
	IDPGroups  string   `json:"idpgroups"` // a JSON object, written as a string
	SSIdx      string   `json:"ssidx"`
	Name       string   `json:"name"`
	SSeq       int64    `json:"sseq"`
	ID         string   `json:"id"`
	Exp        *int64   `json:"exp,omitempty"`
	Email      string   `json:"email"`
}

// claimsFor fills the claims of the token numbered serial, which expires at expires.
func (s *Server) claimsFor(serial int64, expires time.Time, form tokenForm) claims {
	u := s.User
	c := claims{
		App: s.app, OAuthAppID: s.ClientID, Kind: "OAuthAccessToken",
		Issuer: "c3.ai", Audience: "c3.ai", SID: 1, SSeq: serial,
		ID: u.ID, Name: u.ID, Email: u.Email, FirstName: u.FirstName, LastName: u.LastName,
		Groups: u.Groups, C3Groups: u.Groups, IDPUserID: u.IdpUserID,
		IDPGroups: `{"OidcIdpConfig::standin":["standin/C3.StudioUser"]}`,
	}
	switch form {
	case expMillis:
		ms := expires.UnixMilli()
		c.Exp = &ms
	case expSeconds:
		sec := expires.Unix()
		c.Exp = &sec
	}
	return c
}

// jwtHeader is the encoded header of every token, as the platform writes it.
var jwtHeader = encode([]byte(`{"typ":"JWT","alg":"RS512"}`))

// signJWT encodes c and signs it with RS512 (RSASSA-PKCS1-v1_5 with SHA-512).
func signJWT(key *rsa.PrivateKey, c claims) (string, error) {
	payload, err := json.Marshal(c)
	if err != nil {
		return "", fmt.Errorf("encode claims: %w", err)
	}
	input := jwtHeader + "." + encode(payload)

	digest := sha512.Sum512([]byte(input))
	sig, err := rsa.SignPKCS1v15(nil, key, crypto.SHA512, digest[:])
	if err != nil {
		return "", fmt.Errorf("sign token: %w", err)
	}
	return input + "." + encode(sig), nil
}

// encode is a JWT's base64url without padding.
func encode(b []byte) string {
	return base64.RawURLEncoding.EncodeToString(b)
}

// randomString is n random bytes in base64url, for client ids, secrets and opaque tokens.
func randomString(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return encode(b)
}

// orRandom is s, or n random bytes in base64url when s is empty.
func orRandom(s string, n int) string {
	if s != "" {
		return s
	}
	return randomString(n)
}
