// Package cache keeps access tokens between runs of c3cred, and serialises their renewal.
//
// A [Store] holds one [Entry] per key. The key is derived from everything that decides whose token
// it is ([Key]), so an edited profile never serves another identity's token. Four stores exist:
//
//   - [Keyring]: the OS keyring (Secret Service, Keychain, Credential Manager) through go-keyring,
//     with a bounded wait so a keyring that does not answer never hangs the caller;
//   - [File]: one 0600 file per key in a 0700 folder, replaced atomically;
//   - [Auto]: the keyring, falling back to the file where no keyring service answers;
//   - [None]: remembers nothing.
//
// Every store treats an entry it cannot read, or one written for another key, as a miss
// ([ErrMiss]): a damaged cache costs one token request, never a failure.
//
// [Lock] takes a per-key lock file so that concurrent processes make one token request between
// them; the kernel drops the lock when its holder dies, however it dies.
package cache

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Errors a Store reports; callers branch on them with errors.Is.
var (
	// ErrMiss means there is no usable entry for the key.
	ErrMiss = errors.New("no cached token")
	// ErrUnavailable means the store's backend cannot be used here (no keyring service, say).
	ErrUnavailable = errors.New("keyring is unavailable")
	// ErrTooBig means the backend refused the entry for its size.
	ErrTooBig = errors.New("token too large for the keyring")
)

// formatVersion is written into every entry; an entry of another version is a miss.
const formatVersion = 1

// maxEntrySize bounds what is read back from a store; an entry is a token of a few kilobytes.
const maxEntrySize = 64 << 10

// Entry is one cached token.
type Entry struct {
	// Version is the entry format; see formatVersion.
	Version int `json:"v"`
	// Key is the cache key the entry was written for.
	Key string `json:"key"`
	// AccessToken is the token itself.
	AccessToken string `json:"access_token"`
	// ExpiresAt is when the token stops working.
	ExpiresAt time.Time `json:"expires_at"`
	// ObtainedAt is when c3cred received it; with ExpiresAt it gives the token's lifetime.
	ObtainedAt time.Time `json:"obtained_at"`
}

// Store keeps entries by key.
type Store interface {
	// Load returns the entry for key, or an error wrapping ErrMiss when there is none usable.
	Load(key string) (Entry, error)
	// Save writes e under key, replacing what was there.
	Save(key string, e Entry) error
	// Delete forgets key. Deleting a missing key is not an error.
	Delete(key string) error
	// Name names the backend for messages ("keyring", "file", …).
	Name() string
}

// Key derives the cache key for a profile. It covers every setting that decides whose token the
// cache would hand out, so that changing any of them misses instead of serving another identity.
func Key(profile, url, tokenURL, clientID string) string {
	h := sha256.New()
	for _, part := range []string{profile, url, tokenURL, clientID} {
		fmt.Fprintf(h, "%d:%s\n", len(part), part)
	}
	return hex.EncodeToString(h.Sum(nil))[:32]
}

// encode serialises e for key.
func encode(key string, e Entry) ([]byte, error) {
	e.Version, e.Key = formatVersion, key
	return json.Marshal(e)
}

// decode parses data written by encode, checking it belongs to key and holds a token.
func decode(key string, data []byte) (Entry, error) {
	var e Entry
	if err := json.Unmarshal(data, &e); err != nil {
		return Entry{}, fmt.Errorf("%w: unreadable entry", ErrMiss)
	}
	switch {
	case e.Version != formatVersion:
		return Entry{}, fmt.Errorf("%w: entry of format %d", ErrMiss, e.Version)
	case e.Key != key:
		return Entry{}, fmt.Errorf("%w: entry belongs to another key", ErrMiss)
	case e.AccessToken == "" || e.ExpiresAt.IsZero():
		return Entry{}, fmt.Errorf("%w: incomplete entry", ErrMiss)
	}
	return e, nil
}

// None is a Store that remembers nothing: every Load misses.
type None struct{}

// Load always misses.
func (None) Load(string) (Entry, error) { return Entry{}, ErrMiss }

// Save does nothing.
func (None) Save(string, Entry) error { return nil }

// Delete does nothing.
func (None) Delete(string) error { return nil }

// Name returns "none".
func (None) Name() string { return "none" }
