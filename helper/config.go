package helper

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
)

// Defaults for a profile's optional settings.
const (
	DefaultMinTTL  = 5 * time.Minute
	DefaultTimeout = 10 * time.Second
)

// maxConfigSize bounds how much of a config file is read; a real one is a few hundred bytes.
const maxConfigSize = 1 << 20

// EnvProfileName names the profile that C3CRED_URL, C3CRED_CLIENT_ID and C3CRED_CLIENT_SECRET
// define when there is no config file.
const EnvProfileName = "env"

// Config is a parsed config file.
type Config struct {
	// Path is the file it was read from; empty for the environment-only profile.
	Path string
	// DefaultProfile names the profile used when none is chosen.
	DefaultProfile string `toml:"default_profile"`
	// Profiles maps each profile's name to its settings.
	Profiles map[string]*Profile `toml:"profiles"`
}

// Profile is one app identity: where to get its tokens and how to keep them.
type Profile struct {
	// Name is the profile's key in the config file.
	Name string `toml:"-"`
	// URL is the app's base URL: https://<cluster>/<environment>/<app>, or a vanity URL.
	URL string `toml:"url"`
	// ClientID is the OAuth client id the app's console issued.
	ClientID string `toml:"client_id"`
	// ClientSecretEnv names an environment variable holding the client secret.
	ClientSecretEnv string `toml:"client_secret_env"`
	// ClientSecretCommand is a command whose standard output is the client secret.
	ClientSecretCommand string `toml:"client_secret_command"`
	// ClientSecretFile is a file holding the client secret; ~ is the home folder.
	ClientSecretFile string `toml:"client_secret_file"`
	// ClientSecret is the secret itself, allowed only in a file that group and others cannot read.
	ClientSecret string `toml:"client_secret"`
	// TokenURL is the token endpoint; empty means URL + "/oauth/token".
	TokenURL string `toml:"token_url"`
	// MinTTL is the least life a cached token must have left to be handed out.
	MinTTL Duration `toml:"min_ttl"`
	// Cache chooses the token store: auto, keyring, file or none.
	Cache string `toml:"cache"`
	// Timeout bounds getting a token, lock wait and retries included.
	Timeout Duration `toml:"timeout"`
	// CAFile is an extra PEM bundle of certificate authorities trusted for the platform.
	CAFile string `toml:"ca_file"`

	// secretInline records that ClientSecret came from the config file (not the environment).
	secretInline bool
}

// Duration is a time.Duration written in the config as a Go duration string ("5m", "90s").
type Duration time.Duration

// UnmarshalText parses a Go duration string.
func (d *Duration) UnmarshalText(text []byte) error {
	v, err := time.ParseDuration(string(text))
	if err != nil {
		return fmt.Errorf("%q is not a duration like \"90s\" or \"5m\"", text)
	}
	if v < 0 {
		return fmt.Errorf("%q is negative", text)
	}
	*d = Duration(v)
	return nil
}

// ErrNoConfig reports that no config file exists and the environment defines no profile.
var ErrNoConfig = errors.New("no config file")

// ErrUnknownProfile reports a profile name that the config does not define.
var ErrUnknownProfile = errors.New("unknown profile")

// ParseConfig parses a config file's contents; path is used in messages and for permission checks.
func ParseConfig(path string, data []byte) (*Config, error) {
	cfg := &Config{Path: path}
	md, err := toml.Decode(string(data), cfg)
	if err != nil {
		return nil, tomlError(path, err)
	}
	if undecoded := md.Undecoded(); len(undecoded) > 0 {
		return nil, fmt.Errorf("config %s: unknown key %q", path, undecoded[0].String())
	}
	for name, p := range cfg.Profiles {
		if p == nil {
			return nil, fmt.Errorf("config %s: profile %q is empty", path, name)
		}
		p.Name = name
		p.secretInline = p.ClientSecret != ""
		if err := p.normalize(); err != nil {
			return nil, fmt.Errorf("config %s: %w", path, err)
		}
	}
	if d := cfg.DefaultProfile; d != "" && cfg.Profiles[d] == nil {
		return nil, fmt.Errorf("config %s: default_profile %q is not defined", path, d)
	}
	return cfg, nil
}

// tomlError turns the TOML decoder's error into one line naming the file and line.
func tomlError(path string, err error) error {
	var perr toml.ParseError
	if errors.As(err, &perr) {
		msg := perr.Message
		if perr.LastKey != "" {
			msg = fmt.Sprintf("%s (at key %q)", msg, perr.LastKey)
		}
		return fmt.Errorf("config %s:%d: %s", path, perr.Position.Line, oneLine(msg))
	}
	return fmt.Errorf("config %s: %s", path, oneLine(strings.TrimPrefix(err.Error(), "toml: ")))
}

// normalize fills defaults and checks what the profile says, naming the profile and field at fault.
func (p *Profile) normalize() error {
	p.URL = strings.TrimRight(p.URL, "/")
	switch {
	case p.URL == "":
		return fmt.Errorf("profile %q: url is required", p.Name)
	case p.ClientID == "":
		return fmt.Errorf("profile %q: client_id is required", p.Name)
	}
	if p.TokenURL == "" {
		p.TokenURL = p.URL + "/oauth/token"
	}
	for field, raw := range map[string]string{"url": p.URL, "token_url": p.TokenURL} {
		if err := checkURL(raw); err != nil {
			return fmt.Errorf("profile %q: %s: %w", p.Name, field, err)
		}
	}
	if n := len(p.secretSources()); n > 1 {
		return fmt.Errorf("profile %q: set at most one of client_secret_env, client_secret_command, "+
			"client_secret_file and client_secret", p.Name)
	}
	if p.MinTTL == 0 {
		p.MinTTL = Duration(DefaultMinTTL)
	}
	if p.Timeout == 0 {
		p.Timeout = Duration(DefaultTimeout)
	}
	switch p.Cache {
	case "":
		p.Cache = "auto"
	case "auto", "keyring", "file", "none":
	default:
		return fmt.Errorf("profile %q: cache %q is not one of auto, keyring, file, none",
			p.Name, p.Cache)
	}
	return nil
}

// checkURL accepts https URLs, and http only to a loopback host.
func checkURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return fmt.Errorf("%q is not an absolute URL", raw)
	}
	switch {
	case u.User != nil:
		return fmt.Errorf("%q carries credentials; put them in client_id and a secret source",
			u.Redacted())
	case u.Scheme == "https":
		return nil
	case u.Scheme == "http" && isLoopback(u.Hostname()):
		return nil
	case u.Scheme == "http":
		return fmt.Errorf("%q is plain http to a host that is not loopback; use https", raw)
	}
	return fmt.Errorf("%q has scheme %q; use https", raw, u.Scheme)
}

// isLoopback reports whether host is localhost or an address in 127.0.0.0/8 or ::1.
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// secretSources lists the secret settings the profile fills.
func (p *Profile) secretSources() []string {
	var set []string
	for name, v := range map[string]string{
		"client_secret_env":     p.ClientSecretEnv,
		"client_secret_command": p.ClientSecretCommand,
		"client_secret_file":    p.ClientSecretFile,
		"client_secret":         p.ClientSecret,
	} {
		if v != "" {
			set = append(set, name)
		}
	}
	sort.Strings(set)
	return set
}

// Names lists the config's profile names in order.
func (c *Config) Names() []string {
	names := make([]string, 0, len(c.Profiles))
	for name := range c.Profiles {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

// Select picks the profile: the one named (from --profile or C3CRED_PROFILE), else the default,
// else the only one.
func (c *Config) Select(name string) (*Profile, error) {
	if name == "" {
		name = c.DefaultProfile
	}
	if name == "" && len(c.Profiles) == 1 {
		name = c.Names()[0]
	}
	if name == "" {
		return nil, fmt.Errorf("config %s defines %d profiles and no default_profile; "+
			"choose one with --profile (%s)", c.Path, len(c.Profiles),
			strings.Join(c.Names(), ", "))
	}
	p := c.Profiles[name]
	if p == nil {
		return nil, fmt.Errorf("%w %q in %s (profiles: %s)", ErrUnknownProfile, name, c.Path,
			strings.Join(c.Names(), ", "))
	}
	return p, nil
}

// checkConfigFile refuses a config file that others could write, and records whether others can
// read it, since an inline client_secret is allowed only in a private file.
func checkConfigFile(path string, info fs.FileInfo) (private bool, err error) {
	if runtime.GOOS == "windows" {
		return true, nil
	}
	mode := info.Mode().Perm()
	if mode&0o022 != 0 {
		return false, fmt.Errorf("config %s is writable by group or others (mode %04o); "+
			"run chmod go-w %s", path, mode, path)
	}
	return mode&0o044 == 0, nil
}

// ReadConfig reads and parses the config file at path.
func ReadConfig(path string) (*Config, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("could not read config: %w", err)
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("could not read config: %w", err)
	}
	private, err := checkConfigFile(path, info)
	if err != nil {
		return nil, err
	}
	data, err := io.ReadAll(io.LimitReader(f, maxConfigSize))
	if err != nil {
		return nil, fmt.Errorf("could not read config %s: %w", path, err)
	}
	cfg, err := ParseConfig(path, data)
	if err != nil {
		return nil, err
	}
	for _, p := range cfg.Profiles {
		if p.secretInline && !private {
			return nil, fmt.Errorf("config %s: profile %q has client_secret inline but the file is "+
				"readable by others (mode %04o); run chmod 600 %s, or use client_secret_env",
				path, p.Name, info.Mode().Perm(), path)
		}
	}
	return cfg, nil
}

// expandHome replaces a leading ~ with the home folder.
func expandHome(path string) string {
	if path != "~" && !strings.HasPrefix(path, "~/") {
		return path
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return path
	}
	return filepath.Join(home, path[1:])
}

// oneLine folds s onto one line, so that a message never spans several stderr lines.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
