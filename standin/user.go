package standin

import (
	"net/http"
	"strings"
)

// User is the identity a server's tokens stand for, as the token's claims and myUser tell it.
type User struct {
	// ID is the user's id, also its name; a User with an empty ID means DefaultUser().
	ID string

	// Email is the user's email address.
	Email string

	// FirstName is the user's first name.
	FirstName string

	// LastName is the user's last name.
	LastName string

	// IdpUserID is the user's id at the identity provider.
	IdpUserID string

	// Groups are the groups the OAuth application was registered with.
	Groups []string
}

// DefaultUser is the identity of a server whose Options name none.
func DefaultUser() User {
	return User{
		ID:        "standin@c3cred.test",
		Email:     "standin@c3cred.test",
		FirstName: "Stand",
		LastName:  "In",
		IdpUserID: "00ustandin0c3cred0x7",
		Groups:    []string{"C3.AppAdmin", "C3.EnvAdmin"},
	}
}

// userReply is myUser's JSON, in the shape of the platform's example.
type userReply struct {
	Type      string     `json:"type"`
	ID        string     `json:"id"`
	Name      string     `json:"name"`
	IdpUserID string     `json:"idpUserId"`
	Email     string     `json:"email"`
	LastName  string     `json:"lastName"`
	FirstName string     `json:"firstName"`
	Groups    []groupRef `json:"groups"`
	C3Groups  []groupRef `json:"c3Groups"`
}

// groupRef is a group as myUser lists it.
type groupRef struct {
	Type string `json:"type,omitempty"`
	ID   string `json:"id"`
	Name string `json:"name"`
}

// myUser serves GET <URL>/api/8/User/myUser: the user, for a valid bearer token.
func (s *Server) myUser(w http.ResponseWriter, r *http.Request) {
	s.userCount.Add(1)
	if r.Method != http.MethodGet && r.Method != http.MethodPost {
		w.Header().Set("Allow", "GET, POST")
		writeJSON(w, http.StatusMethodNotAllowed, apiError{Error: "invalid_request"})
		return
	}

	token, ok := bearer(r.Header.Get("Authorization"))
	if !ok || !s.Valid(token) {
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
		writeJSON(w, http.StatusUnauthorized, apiError{Error: "invalid_token",
			Description: "the access token is missing, expired, revoked or unknown"})
		return
	}
	writeJSON(w, http.StatusOK, s.userReply())
}

// bearer takes the token from an Authorization header of the Bearer scheme.
func bearer(header string) (string, bool) {
	scheme, token, _ := strings.Cut(header, " ")
	token = strings.TrimSpace(token)
	return token, strings.EqualFold(scheme, "Bearer") && token != ""
}

// userReply describes the server's user.
func (s *Server) userReply() userReply {
	u := s.User
	reply := userReply{
		Type: "User", ID: u.ID, Name: u.ID, IdpUserID: u.IdpUserID, Email: u.Email,
		FirstName: u.FirstName, LastName: u.LastName,
		Groups: []groupRef{}, C3Groups: []groupRef{},
	}
	for _, g := range u.Groups {
		reply.Groups = append(reply.Groups, groupRef{ID: g, Name: g})
		reply.C3Groups = append(reply.C3Groups, groupRef{Type: "UserGroup", ID: g, Name: g})
	}
	return reply
}
