package oauth

import (
	"context"
	"slices"
	"time"
)

// Principal is what a valid access token says: who the data belongs to, which
// client is asking, and what it may do.
type Principal struct {
	// Subject is the `sub` claim: the user whose data the token reaches. For a
	// token from the client credentials grant it identifies the client itself
	// (RFC 9068 §2.2), which owns no music, and such a token never carries a
	// user-data scope anyway.
	Subject  string
	ClientID string
	Scopes   []string
	// ExpiresAt is the `exp` claim.
	ExpiresAt time.Time
	// JKT is the thumbprint of the key the token is bound to (its cnf.jkt,
	// RFC 9449 §6), or empty for a Bearer token.
	JKT string
}

// HasAnyScope reports whether the token carries at least one of want.
func (p *Principal) HasAnyScope(want ...string) bool {
	for _, w := range want {
		if slices.Contains(p.Scopes, w) {
			return true
		}
	}
	return false
}

// Validator turns a bearer token into the Principal it stands for.
//
// A token that must be refused gives an *Error (invalid_token). Any other
// error means the validator could not decide (the authorization server is
// unreachable, say): the request should fail without blaming the token.
type Validator interface {
	Validate(ctx context.Context, token string) (*Principal, error)
}
