package helper

import (
	"encoding/json"
	"fmt"
	"time"
)

// Formats `c3cred token` can print a token in.
const (
	FormatJSON   = "json"
	FormatRaw    = "raw"
	FormatHeader = "header"
)

// TokenJSON is the JSON form of a token, for editors, IDEs and scripts. Its fields are stable.
type TokenJSON struct {
	// AccessToken is the bearer token.
	AccessToken string `json:"access_token"`
	// TokenType is always "Bearer".
	TokenType string `json:"token_type"`
	// ExpiresAt is the token's expiry in RFC 3339, UTC; absent when the token does not say.
	ExpiresAt string `json:"expires_at,omitempty"`
}

// Format renders tok in one of the formats above, ending with a newline.
func Format(tok *Token, format string) ([]byte, error) {
	switch format {
	case FormatRaw:
		return []byte(tok.AccessToken + "\n"), nil
	case FormatHeader:
		return []byte("Authorization: Bearer " + tok.AccessToken + "\n"), nil
	case FormatJSON, "":
		out := TokenJSON{AccessToken: tok.AccessToken, TokenType: "Bearer"}
		if !tok.ExpiresAt.IsZero() {
			out.ExpiresAt = tok.ExpiresAt.UTC().Format(time.RFC3339)
		}
		data, err := json.Marshal(out)
		return append(data, '\n'), err
	}
	return nil, fmt.Errorf("unknown format %q (json, raw, header)", format)
}
