package oauth

import (
	"context"
	"slices"
)

// GrantType is one grant of the token endpoint (RFC 6749 §4, §6). Each
// lives in its own grant_*.go file and is listed once, in Grants: the
// token endpoint dispatches from that list, registration and the CLI
// accept exactly its names, and the metadata advertises them.
type GrantType interface {
	// Name is the grant_type value (RFC 6749 §4.1.3, §4.4.2, §6).
	Name() string
	// Exchange runs the grant for a client that is already authenticated
	// (or, if public, identified) and registered this grant. It returns an
	// *Error for anything the client got wrong.
	Exchange(ctx context.Context, s *Server, req TokenRequest) (TokenResponse, error)
	// CheckClient refuses client metadata the grant cannot work with
	// (RFC 7591 §2: invalid_client_metadata or invalid_redirect_uri).
	CheckClient(c Client) error
	// ResponseTypes are the response_type values that start the grant at
	// /authorize (RFC 7591 §2.1), nil for a grant without the front channel.
	ResponseTypes() []string
}

// Grants is every grant this server offers, in the order the metadata
// lists them. Adding a grant is one file and one line here.
var Grants = []GrantType{
	authorizationCodeGrant{},
	refreshTokenGrant{},
	clientCredentialsGrant{},
	deviceCodeGrant{},
}

// LookupGrant finds a grant by its grant_type value.
func LookupGrant(name string) (GrantType, bool) {
	for _, g := range Grants {
		if g.Name() == name {
			return g, true
		}
	}
	return nil, false
}

// GrantNames lists the grant_type values of Grants (grant_types_supported,
// RFC 8414 §2).
func GrantNames() []string {
	names := make([]string, 0, len(Grants))
	for _, g := range Grants {
		names = append(names, g.Name())
	}
	return names
}

// ResponseTypes lists the response_type values the grants answer at
// /authorize (response_types_supported, RFC 8414 §2).
func ResponseTypes() []string {
	var out []string
	for _, g := range Grants {
		for _, rt := range g.ResponseTypes() {
			if !slices.Contains(out, rt) {
				out = append(out, rt)
			}
		}
	}
	return out
}
