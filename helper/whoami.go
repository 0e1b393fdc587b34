package helper

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"time"
)

// UserPath is the platform's endpoint that tells who a token stands for, below a profile's url.
const UserPath = "/api/8/User/myUser"

// ErrTokenRefused reports a token that the platform answered 401 to.
var ErrTokenRefused = errors.New("the platform refused the token")

// Identity is who a token stands for, as the platform's User.myUser describes it.
type Identity struct {
	// ID is the user's id, which for an OAuth client is also its name.
	ID string `json:"id"`
	// Name is the user's name.
	Name string `json:"name"`
	// Email is the user's email address.
	Email string `json:"email"`
	// FirstName is the user's first name.
	FirstName string `json:"firstName"`
	// LastName is the user's last name.
	LastName string `json:"lastName"`
	// Groups are the groups the user belongs to.
	Groups []GroupRef `json:"groups"`
	// C3Groups are the platform's own groups the user belongs to.
	C3Groups []GroupRef `json:"c3Groups"`
}

// GroupRef is a group as myUser lists it.
type GroupRef struct {
	// ID is the group's id.
	ID string `json:"id"`
	// Name is the group's name.
	Name string `json:"name"`
}

// GroupNames lists the user's groups by name (by id when a group has no name): groups, else
// c3Groups.
func (id *Identity) GroupNames() []string {
	refs := id.Groups
	if len(refs) == 0 {
		refs = id.C3Groups
	}
	names := make([]string, 0, len(refs))
	for _, g := range refs {
		name := g.Name
		if name == "" {
			name = g.ID
		}
		names = append(names, clean(name, 200))
	}
	return names
}

// WhoAmI asks the platform who token stands for: GET <url>/api/8/User/myUser with the token as
// a bearer. It returns the identity, with its text made safe to print, and the reply as sent.
// When the platform refuses the token (401), the token is dropped from the profile's cache, so
// that the next command fetches a new one, and the error wraps ErrTokenRefused.
func (h *Helper) WhoAmI(ctx context.Context, p *Profile, token string) (*Identity, []byte, error) {
	ctx, cancel := context.WithTimeout(ctx, time.Duration(p.Timeout))
	defer cancel()
	client, err := newHTTPClient(p)
	if err != nil {
		return nil, nil, err
	}
	status, body, err := getUser(ctx, client, p.URL+UserPath, token)
	if err != nil {
		return nil, nil, fmt.Errorf("profile %q: %w", p.Name, err)
	}
	h.Log.Debugf("myUser for profile %s with token %s: %d", p.Name, Fingerprint(token), status)

	if status == http.StatusUnauthorized {
		return nil, nil, h.refused(p, token)
	}
	if status != http.StatusOK {
		return nil, nil, fmt.Errorf("profile %q: %s answered %d %s%s", p.Name, p.URL+UserPath,
			status, http.StatusText(status), errorDetail(body))
	}
	var id Identity
	if err := json.Unmarshal(body, &id); err != nil {
		return nil, nil, withHint(fmt.Errorf("profile %q: %s answered with something that is not "+
			"JSON (%d bytes)", p.Name, p.URL+UserPath, len(body)), "check the profile's url")
	}
	id.ID, id.Name, id.Email = clean(id.ID, 200), clean(id.Name, 200), clean(id.Email, 200)
	id.FirstName, id.LastName = clean(id.FirstName, 200), clean(id.LastName, 200)
	return &id, body, nil
}

// getUser makes the request to myUser at target with client, and returns the answer's status
// and body, read up to maxBodySize.
func getUser(ctx context.Context, client *http.Client, target, token string) (int, []byte, error) {
	client.CheckRedirect = func(req *http.Request, _ []*http.Request) error {
		return fmt.Errorf("myUser redirected to %s://%s, which c3cred does not follow",
			req.URL.Scheme, clean(req.URL.Host, 100))
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return 0, nil, fmt.Errorf("url %q: %w", target, err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Accept", "application/json")

	resp, err := client.Do(req)
	if err != nil {
		return 0, nil, userTransportError(req.URL.Host, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBodySize+1))
	switch {
	case err != nil:
		return 0, nil, userTransportError(req.URL.Host, err)
	case len(body) > maxBodySize:
		return 0, nil, fmt.Errorf("%s sent a reply over %d bytes", target, maxBodySize)
	}
	if mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type")); mt == "text/html" &&
		resp.StatusCode == http.StatusOK {
		return 0, nil, withHint(fmt.Errorf("%s answered with an HTML page, not a user",
			target), "a sign-in page usually means the profile's url is wrong")
	}
	return resp.StatusCode, body, nil
}

// userTransportError describes a failed exchange with host, without the URL.
func userTransportError(host string, err error) error {
	var uerr *url.Error
	if errors.As(err, &uerr) {
		err = uerr.Err
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("myUser request to %s ran out of time: %w", host, err)
	}
	return fmt.Errorf("could not reach %s: %w", host, err)
}

// refused drops a refused token from the cache, unless the cache already holds another one, and
// says so.
func (h *Helper) refused(p *Profile, token string) error {
	err := fmt.Errorf("profile %q: %w: %s answered 401", p.Name, ErrTokenRefused, p.URL+UserPath)
	hint := "the next command fetches a new token; if the platform refuses that too, " +
		"ask the app's admin whether client id " + p.ClientID + " may use the app"
	if e, cerr := h.Cached(p); cerr == nil && e.AccessToken != token {
		return withHint(err, hint)
	}
	if ferr := h.Forget(p); ferr != nil {
		return fmt.Errorf("%w; %v", err, ferr)
	}
	return withHint(fmt.Errorf("%w; dropped it from the cache", err), hint)
}

// errorDetail renders an RFC 6749-shaped error body as ": code: description", or nothing.
func errorDetail(body []byte) string {
	var eb tokenErrorBody
	if json.Unmarshal(body, &eb) != nil || eb.Code == "" {
		return ""
	}
	detail := ": " + clean(eb.Code, 64)
	if eb.Description != "" {
		detail += ": " + clean(eb.Description, 200)
	}
	return detail
}
