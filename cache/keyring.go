package cache

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/zalando/go-keyring"
)

// Service is the keyring service name under which c3cred keeps its items.
const Service = "c3cred"

// DefaultKeyringWait bounds each keyring call. A locked collection on a desktop raises a prompt;
// one with no display, or a daemon that hangs, would otherwise hold kubectl up indefinitely.
const DefaultKeyringWait = 3 * time.Second

// Keyring stores entries in the OS keyring, as items of the service [Service].
type Keyring struct {
	// Wait bounds each call; zero means DefaultKeyringWait.
	Wait time.Duration
	// Getenv reads the environment, to find the session bus; nil means os.Getenv.
	Getenv func(string) string

	mu      sync.Mutex
	checked bool
	down    error // why the keyring cannot be used, once known
}

// Name returns "keyring".
func (k *Keyring) Name() string { return "keyring" }

// Load reads the entry for key.
func (k *Keyring) Load(key string) (Entry, error) {
	data, err := k.Get(tokenItem(key))
	if err != nil {
		return Entry{}, err
	}
	return decode(key, []byte(data))
}

// Save writes e under key.
func (k *Keyring) Save(key string, e Entry) error {
	data, err := encode(key, e)
	if err != nil {
		return err
	}
	return k.Set(tokenItem(key), string(data))
}

// Delete removes the entry for key.
func (k *Keyring) Delete(key string) error { return k.Remove(tokenItem(key)) }

// Get reads the item named user. A missing item wraps ErrMiss; an unusable keyring, ErrUnavailable.
func (k *Keyring) Get(user string) (string, error) {
	var value string
	err := k.call(func() (err error) {
		value, err = keyring.Get(Service, user)
		return err
	})
	return value, err
}

// Set writes the item named user.
func (k *Keyring) Set(user, value string) error {
	return k.call(func() error { return keyring.Set(Service, user, value) })
}

// Remove deletes the item named user; a missing item is not an error.
func (k *Keyring) Remove(user string) error {
	err := k.call(func() error { return keyring.Delete(Service, user) })
	if errors.Is(err, ErrMiss) {
		return nil
	}
	return err
}

// SecretItem names the keyring item holding a profile's client secret.
func SecretItem(profile string) string { return "client-secret:" + profile }

func tokenItem(key string) string { return "token:" + key }

// call runs op against the keyring within the wait, translating go-keyring's errors to ours.
// Once the keyring has failed to answer, later calls in this process fail at once.
func (k *Keyring) call(op func() error) error {
	if err := k.state(); err != nil {
		return err
	}
	wait := k.Wait
	if wait == 0 {
		wait = DefaultKeyringWait
	}
	done := make(chan error, 1)
	go func() { done <- op() }() // abandoned on timeout: a stuck D-Bus call cannot be cancelled
	select {
	case err := <-done:
		return translate(err)
	case <-time.After(wait):
		err := fmt.Errorf("%w: no answer within %v", ErrUnavailable, wait)
		k.mu.Lock()
		k.down = err
		k.mu.Unlock()
		return err
	}
}

// translate maps go-keyring's errors onto this package's.
func translate(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, keyring.ErrNotFound):
		return ErrMiss
	case errors.Is(err, keyring.ErrSetDataTooBig):
		return ErrTooBig
	}
	return fmt.Errorf("%w: %v", ErrUnavailable, err)
}

// state returns why the keyring cannot be used, or nil. The first call checks that a keyring can
// be reached without side effects: on Linux and the BSDs go-keyring talks to the Secret Service
// over the D-Bus session bus, and with no bus godbus would autolaunch a new dbus-daemon (and
// keyring) on every call, which linger and fail.
func (k *Keyring) state() error {
	k.mu.Lock()
	defer k.mu.Unlock()
	if !k.checked {
		k.checked = true
		if runtime.GOOS != "darwin" && runtime.GOOS != "windows" && !sessionBus(k.getenv) {
			k.down = fmt.Errorf("%w: no D-Bus session bus", ErrUnavailable)
		}
	}
	return k.down
}

func (k *Keyring) getenv(name string) string {
	if k.Getenv != nil {
		return k.Getenv(name)
	}
	return os.Getenv(name)
}

// sessionBus reports whether a D-Bus session bus is announced the way godbus looks for one.
func sessionBus(getenv func(string) string) bool {
	if addr := getenv("DBUS_SESSION_BUS_ADDRESS"); addr != "" {
		return !strings.HasPrefix(addr, "autolaunch:")
	}
	dir := getenv("XDG_RUNTIME_DIR")
	if dir == "" {
		return false
	}
	_, err := os.Stat(filepath.Join(dir, "bus"))
	return err == nil
}
