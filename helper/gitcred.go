package helper

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// maxGitInput bounds what is read of git's request. A real one is a few hundred bytes, a few
// kilobytes when newer git passes the server's WWW-Authenticate headers along.
const maxGitInput = 64 << 10

// ErrGitInput reports a request from git that does not follow the credential protocol.
var ErrGitInput = errors.New("git's input")

// GitRequest is what git asks a credential helper, as far as c3cred needs it. The username and
// password git may send are not kept.
type GitRequest struct {
	// Protocol is the remote URL's scheme, such as "https".
	Protocol string
	// Host is the remote's host, with ":port" when its URL names one.
	Host string
	// Path is the remote URL's path without its leading slash; git sends it only when
	// credential.useHttpPath is set.
	Path string
	// Capabilities lists what git can read in a reply (capability[]); git 2.46 added authtype.
	Capabilities []string
	// WWWAuth holds the server's WWW-Authenticate headers (wwwauth[]), from git 2.41 on.
	WWWAuth []string
}

// Has reports whether git announced capability.
func (g *GitRequest) Has(capability string) bool {
	return slices.Contains(g.Capabilities, capability)
}

// ParseGitRequest reads git's request: key=value lines up to a blank line or the end of input.
// Keys ending in [] may repeat and an empty value clears them; url= stands for the protocol,
// host and path it holds; unknown keys are ignored. Errors wrap ErrGitInput and never quote
// the input, which may hold a password.
func ParseGitRequest(r io.Reader) (*GitRequest, error) {
	in := bufio.NewReader(io.LimitReader(r, maxGitInput+1))
	req := &GitRequest{}
	size := 0
	for n := 1; ; n++ {
		line, err := in.ReadString('\n')
		size += len(line)
		switch {
		case size > maxGitInput:
			return nil, fmt.Errorf("%w is over %d bytes", ErrGitInput, maxGitInput)
		case err != nil && !errors.Is(err, io.EOF):
			return nil, fmt.Errorf("could not read %w: %v", ErrGitInput, err)
		}
		line = strings.TrimRight(strings.TrimSuffix(line, "\n"), "\r")
		if line == "" {
			return req, nil
		}
		if serr := req.set(line); serr != nil {
			return nil, fmt.Errorf("%w, line %d: %v", ErrGitInput, n, serr)
		}
		if err != nil {
			return req, nil
		}
	}
}

// set records one key=value line.
func (g *GitRequest) set(line string) error {
	key, value, ok := strings.Cut(line, "=")
	switch {
	case !ok || key == "":
		return errors.New("not a key=value line")
	case strings.ContainsRune(line, 0):
		return errors.New("holds a NUL byte")
	}
	switch key {
	case "protocol":
		g.Protocol = value
	case "host":
		g.Host = value
	case "path":
		g.Path = value
	case "url":
		return g.setURL(value)
	case "capability[]":
		g.Capabilities = appendOrReset(g.Capabilities, value)
	case "wwwauth[]":
		g.WWWAuth = appendOrReset(g.WWWAuth, value)
	}
	return nil
}

// appendOrReset adds value to a multi-valued attribute; an empty value clears it, as git says.
func appendOrReset(list []string, value string) []string {
	if value == "" {
		return nil
	}
	return append(list, value)
}

// setURL takes the protocol, host and path a url= line holds; parts the URL lacks stay as
// they were.
func (g *GitRequest) setURL(raw string) error {
	u, err := url.Parse(raw)
	switch {
	case err != nil || u.Scheme == "" || u.Host == "":
		return errors.New("url= holds no protocol://host URL")
	case strings.ContainsAny(u.Path, "\n\x00"):
		return errors.New("url= holds a path with a newline or NUL")
	}
	g.Protocol, g.Host = u.Scheme, u.Host
	if path := strings.TrimPrefix(u.Path, "/"); path != "" {
		g.Path = path
	}
	return nil
}

// ErrGitAmbiguous reports that several profiles serve git's host equally well.
var ErrGitAmbiguous = errors.New("several profiles match")

// GitProfile picks the profile for git's request: the one whose url has git's protocol as its
// scheme and git's host as its host, and, when git sends a path, a path that is a prefix of it.
// The longest such prefix wins; a tie goes to preferred or else the default profile, if either
// is among the tied. It returns nil when no profile matches, and ErrGitAmbiguous when a tie
// remains.
func (c *Config) GitProfile(req *GitRequest, preferred string) (*Profile, error) {
	var best []*Profile
	bestLen := -1
	for _, name := range c.Names() {
		n, ok := gitMatch(c.Profiles[name], req)
		switch {
		case !ok || n < bestLen:
		case n > bestLen:
			best, bestLen = []*Profile{c.Profiles[name]}, n
		default:
			best = append(best, c.Profiles[name])
		}
	}
	switch len(best) {
	case 0:
		return nil, nil
	case 1:
		return best[0], nil
	}
	for _, name := range []string{preferred, c.DefaultProfile} {
		if i := slices.IndexFunc(best, func(p *Profile) bool { return p.Name == name }); i >= 0 {
			return best[i], nil
		}
	}
	names := make([]string, len(best))
	for i, p := range best {
		names[i] = p.Name
	}
	err := fmt.Errorf("%w %s://%s: %s", ErrGitAmbiguous, req.Protocol, req.Host,
		strings.Join(names, ", "))
	return nil, withHint(err, "set credential.useHttpPath = true so that git sends the path, "+
		"or scope a helper with --profile to the remote's URL (credential.<url>.helper)")
}

// gitMatch reports whether p's url serves req and, when git sent a path, how long a prefix of it
// p's path is.
func gitMatch(p *Profile, req *GitRequest) (int, bool) {
	u, err := url.Parse(p.URL)
	if err != nil || !strings.EqualFold(u.Scheme, req.Protocol) ||
		hostPort(u.Scheme, u.Host) != hostPort(req.Protocol, req.Host) {
		return 0, false
	}
	if req.Path == "" {
		return 0, true
	}
	prefix := strings.Trim(u.Path, "/")
	path := strings.Trim(req.Path, "/")
	if prefix == "" || path == prefix || strings.HasPrefix(path, prefix+"/") {
		return len(prefix), true
	}
	return 0, false
}

// hostPort puts host in one form for comparison: lower case, without the scheme's default port.
func hostPort(scheme, host string) string {
	host = strings.ToLower(host)
	name, port, err := net.SplitHostPort(host)
	if err != nil {
		return host
	}
	if (port == "443" && strings.EqualFold(scheme, "https")) ||
		(port == "80" && strings.EqualFold(scheme, "http")) {
		if strings.Contains(name, ":") {
			return "[" + name + "]"
		}
		return name
	}
	return host
}

// GitSafe reports whether a token may be handed to git for req: over https, or over http only
// to a loopback host. It guards a helper chosen by --profile, which no url match vouches for.
func GitSafe(req *GitRequest) bool {
	switch strings.ToLower(req.Protocol) {
	case "https":
		return true
	case "http":
		host := req.Host
		if name, _, err := net.SplitHostPort(host); err == nil {
			host = name
		}
		return isLoopback(strings.Trim(host, "[]"))
	}
	return false
}

// GitAnswer renders the reply to git's get: username (the client id), password (the token) and
// password_expiry_utc when the expiry is known; and, when git announced capability[]=authtype,
// the token again as a Bearer credential. Older git ignores what it does not know.
func GitAnswer(req *GitRequest, clientID string, tok *Token) ([]byte, error) {
	if strings.ContainsAny(clientID+tok.AccessToken, "\n\x00") {
		return nil, errors.New("the client id or token holds a newline or NUL, " +
			"which git's credential protocol cannot carry")
	}
	var b strings.Builder
	if req.Has("authtype") {
		b.WriteString("capability[]=authtype\nauthtype=Bearer\n")
		b.WriteString("credential=" + tok.AccessToken + "\n")
	}
	b.WriteString("username=" + clientID + "\npassword=" + tok.AccessToken + "\n")
	if !tok.ExpiresAt.IsZero() {
		b.WriteString("password_expiry_utc=" + strconv.FormatInt(tok.ExpiresAt.Unix(), 10) + "\n")
	}
	return []byte(b.String()), nil
}
