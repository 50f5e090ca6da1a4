// Package scopes is the vocabulary of permissions that the resource API
// understands, the authorization server grants, and the client asks for.
//
// A scope string on the wire is a space-delimited list of scope tokens
// (RFC 6749 §3.3). Order carries no meaning, so the helpers here treat a
// scope as a set while keeping the first-seen order for display.
package scopes

import (
	"slices"
	"strings"
)

// The scopes of the resource API (a small music service).
const (
	TracksRead     = "tracks:read"
	PlaylistsRead  = "playlists:read"
	PlaylistsWrite = "playlists:write"
	ChartsRead     = "charts:read"
)

// Scope describes one scope for the people who grant it.
type Scope struct {
	Name string
	// Description says in plain words what the scope allows, for the consent
	// page and the client's scope picker.
	Description string
	// UserData is true for scopes that reach a user's own data. Such scopes are
	// only ever granted by a user (authorization code grant), never to a
	// machine client acting for itself (client credentials grant).
	UserData bool
}

// All lists every scope the resource API understands.
var All = []Scope{
	{Name: TracksRead, Description: "See your most played tracks of the last week", UserData: true},
	{Name: PlaylistsRead, Description: "See your playlists and the tracks in them", UserData: true},
	{Name: PlaylistsWrite, Description: "Create, rename, change and delete your playlists", UserData: true},
	{Name: ChartsRead, Description: "Read the service-wide charts (no personal data)", UserData: false},
}

// PodcastsRead is the one scope of the podcasts API, the second, tiny
// resource server this project adds to the demo (see docs/contract.md).
const PodcastsRead = "podcasts:read"

// Podcasts lists the podcasts API's scopes. They are not in All: All is
// the music API's vocabulary of the contract.
var Podcasts = []Scope{
	{Name: PodcastsRead, Description: "See your podcast subscriptions", UserData: true},
}

// The OpenID Connect scopes (OIDC Core §3.1.2.1 and §5.4). They are not
// scopes of the resource API: they ask the authorization server, acting as an
// OpenID Provider, for an ID token and for claims about the user.
const (
	OpenID        = "openid"
	Profile       = "profile"
	Email         = "email"
	OfflineAccess = "offline_access"
)

// OpenIDConnect lists the OpenID Connect scopes, apart from All so that a
// page can show where OAuth ends and OpenID Connect begins. All of them
// concern a signed-in user, so none is ever granted to a machine client.
var OpenIDConnect = []Scope{
	{Name: OpenID, Description: "Sign you in to the app and tell it who you are (your user id)", UserData: true},
	{Name: Profile, Description: "See your name and username", UserData: true},
	{Name: Email, Description: "See your email address and whether it is verified", UserData: true},
	{Name: OfflineAccess, Description: "Keep access while you are away (a refresh token)", UserData: true},
}

// IsOpenIDConnect reports whether name is one of the OpenID Connect scopes.
func IsOpenIDConnect(name string) bool {
	for _, s := range OpenIDConnect {
		if s.Name == name {
			return true
		}
	}
	return false
}

// Names returns the name of every scope, in the order of All.
func Names() []string {
	names := make([]string, len(All))
	for i, s := range All {
		names[i] = s.Name
	}
	return names
}

// Lookup finds a scope by name.
func Lookup(name string) (Scope, bool) {
	for _, s := range All {
		if s.Name == name {
			return s, true
		}
	}
	return Scope{}, false
}

// Parse splits a space-delimited scope string (RFC 6749 §3.3) into its
// tokens, dropping empty tokens and repeats.
func Parse(s string) []string {
	var out []string
	for _, tok := range strings.Split(s, " ") {
		if tok != "" && !slices.Contains(out, tok) {
			out = append(out, tok)
		}
	}
	return out
}

// Join is the inverse of Parse.
func Join(list []string) string { return strings.Join(list, " ") }

// ValidToken reports whether tok uses only the characters RFC 6749 §3.3
// allows in a scope token: %x21 / %x23-5B / %x5D-7E (printable ASCII without
// space, double quote and backslash).
func ValidToken(tok string) bool {
	if tok == "" {
		return false
	}
	for i := 0; i < len(tok); i++ {
		c := tok[i]
		if c < 0x21 || c > 0x7e || c == '"' || c == '\\' {
			return false
		}
	}
	return true
}

// Covers reports whether every scope in requested is also in granted.
func Covers(granted, requested []string) bool {
	for _, s := range requested {
		if !slices.Contains(granted, s) {
			return false
		}
	}
	return true
}
