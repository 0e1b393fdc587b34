package cache

import (
	"errors"
	"fmt"
)

// Auto prefers the keyring and falls back to a file where no keyring service answers, or where
// the keyring refuses an entry for its size (Windows caps an item near 2.5 KB).
type Auto struct {
	Keyring *Keyring
	File    *File
	// Warn, if set, is told when an entry goes to the file for its size.
	Warn func(format string, args ...any)
}

// Name names the backend in use: "keyring" where one answers, else "file".
func (a *Auto) Name() string {
	if a.Keyring.state() != nil {
		return "file"
	}
	return "keyring"
}

// Load reads the keyring, then the file: an entry lands in the file when the keyring was away
// or refused it when it was written.
func (a *Auto) Load(key string) (Entry, error) {
	e, err := a.Keyring.Load(key)
	if err == nil {
		return e, nil
	}
	if fe, ferr := a.File.Load(key); ferr == nil {
		return fe, nil
	}
	return Entry{}, fmt.Errorf("%w: %v", ErrMiss, err)
}

// Save writes to the keyring, or to the file when the keyring cannot take the entry.
func (a *Auto) Save(key string, e Entry) error {
	err := a.Keyring.Save(key, e)
	switch {
	case err == nil:
		return a.File.Delete(key)
	case errors.Is(err, ErrTooBig):
		if a.Warn != nil {
			a.Warn("the keyring refused the token for its size; cached it in a file instead")
		}
	case !errors.Is(err, ErrUnavailable):
		return err
	}
	return a.File.Save(key, e)
}

// Delete removes the entry from both places.
func (a *Auto) Delete(key string) error {
	kerr := a.Keyring.Delete(key)
	if errors.Is(kerr, ErrUnavailable) {
		kerr = nil
	}
	return errors.Join(kerr, a.File.Delete(key))
}
