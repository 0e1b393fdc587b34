package helper

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"

	"github.com/adrg/xdg"

	"c3cred/cache"
)

// ConfigRel is the config file's path below each XDG config folder.
const ConfigRel = "c3cred/config.toml"

// FindConfig loads the config: the file named by flagPath, else by C3CRED_CONFIG, else the first
// c3cred/config.toml on the XDG config search path. With no file, the environment variables
// C3CRED_URL, C3CRED_CLIENT_ID and C3CRED_CLIENT_SECRET define a profile named "env".
func FindConfig(flagPath string, getenv func(string) string) (*Config, error) {
	path := flagPath
	if path == "" {
		path = getenv("C3CRED_CONFIG")
	}
	if path != "" {
		return ReadConfig(expandHome(path))
	}
	if found, err := xdg.SearchConfigFile(ConfigRel); err == nil {
		return ReadConfig(found)
	}
	if getenv("C3CRED_URL") != "" || getenv("C3CRED_CLIENT_ID") != "" {
		return envConfig(getenv)
	}
	return nil, withHint(fmt.Errorf("%w: looked for %s in %s", ErrNoConfig, ConfigRel,
		filepath.Join(xdg.ConfigHome)), "create "+filepath.Join(xdg.ConfigHome, ConfigRel)+
		", or set C3CRED_URL, C3CRED_CLIENT_ID and C3CRED_CLIENT_SECRET")
}

// envConfig builds the one-profile config that the environment describes.
func envConfig(getenv func(string) string) (*Config, error) {
	p := &Profile{
		Name:         EnvProfileName,
		URL:          getenv("C3CRED_URL"),
		ClientID:     getenv("C3CRED_CLIENT_ID"),
		ClientSecret: getenv("C3CRED_CLIENT_SECRET"),
	}
	if err := p.normalize(); err != nil {
		return nil, fmt.Errorf("environment: %w", err)
	}
	return &Config{Path: "(environment)", Profiles: map[string]*Profile{p.Name: p}}, nil
}

// CacheKey is the profile's key in the token cache.
func (p *Profile) CacheKey() string {
	return cache.Key(p.Name, p.URL, p.TokenURL, p.ClientID)
}

// DefaultStateDir is where the file cache and lock files live: $XDG_STATE_HOME/c3cred.
func DefaultStateDir() string { return filepath.Join(xdg.StateHome, "c3cred") }

// Store returns the token store the profile's cache setting names.
func (h *Helper) Store(p *Profile) cache.Store {
	file := &cache.File{Dir: filepath.Join(h.StateDir, "tokens"), Warn: h.Log.Warnf}
	switch p.Cache {
	case "keyring":
		return h.Keyring
	case "file":
		return file
	case "none":
		return cache.None{}
	}
	return &cache.Auto{Keyring: h.Keyring, File: file, Warn: h.Log.Warnf}
}

// Forget drops the profile's cached token.
func (h *Helper) Forget(p *Profile) error {
	if err := h.Store(p).Delete(p.CacheKey()); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("profile %q: could not forget the cached token: %w", p.Name, err)
	}
	return nil
}

// Cached returns the profile's cached token entry, fresh or not.
func (h *Helper) Cached(p *Profile) (cache.Entry, error) {
	return h.Store(p).Load(p.CacheKey())
}
