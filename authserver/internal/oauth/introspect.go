package oauth

import (
	"context"
	"errors"

	"github.com/oauthlab/oauthlab/shared/scopes"
)

// Introspection is the RFC 7662 §2.2 response. For an inactive token only
// Active (false) is sent: RFC 7662 §2.2 says nothing else should be, so a
// caller learns nothing about tokens that are not valid.
type Introspection struct {
	Active    bool   `json:"active"`
	Scope     string `json:"scope,omitempty"`
	ClientID  string `json:"client_id,omitempty"`
	Username  string `json:"username,omitempty"`
	TokenType string `json:"token_type,omitempty"`
	Exp       int64  `json:"exp,omitempty"`
	Iat       int64  `json:"iat,omitempty"`
	Nbf       int64  `json:"nbf,omitempty"`
	Sub       string `json:"sub,omitempty"`
	// Aud is a string for one resource, an array for several (RFC 7662 §2.2).
	Aud any    `json:"aud,omitempty"`
	Iss string `json:"iss,omitempty"`
	Jti string `json:"jti,omitempty"`
	// Cnf is the key a DPoP-bound token is bound to (RFC 9449 §6.2).
	Cnf *Confirmation `json:"cnf,omitempty"`
}

// Introspect reports whether a token is active (RFC 7662 §2). The caller
// is an authenticated confidential client (RFC 7662 §2.1). RFC 7662 §4 asks
// the server to decide who may learn what: a resource server (a client
// registered for no grant at all, such as music-api) may introspect any
// access token; any other client only its own tokens. Revoked, expired,
// malformed, foreign and not-yours tokens are all simply inactive.
func (s *Server) Introspect(ctx context.Context, caller Client, token string) (Introspection, error) {
	inactive := Introspection{Active: false}
	if token == "" {
		return inactive, ErrInvalidRequest("token is missing")
	}
	if len(token) > 8*maxParamLen {
		return inactive, nil
	}
	now := s.now()
	if looksLikeJWT(token) {
		claimed, err := s.verifyAccessToken(ctx, token)
		if err != nil {
			return inactive, nil
		}
		at, live, err := s.liveAccessToken(ctx, claimed)
		if !live || err != nil {
			return inactive, err
		}
		if at.ClientID != caller.ID && !caller.ResourceServer() {
			return inactive, nil
		}
		sub := at.UserID
		if sub == "" {
			sub = at.ClientID
		}
		return Introspection{
			Active: true, Scope: scopes.Join(at.Scopes), ClientID: at.ClientID,
			Username: s.username(ctx, at.UserID), TokenType: accessTokenType(at),
			Exp: at.ExpiresAt.Unix(), Iat: at.IssuedAt.Unix(), Nbf: at.IssuedAt.Unix(),
			Sub: sub, Aud: audience(s.tokenResources(at)), Iss: s.Issuer, Jti: at.JTI, Cnf: confirmation(at),
		}, nil
	}
	rt, err := s.Store.RefreshToken(ctx, HashSecret(token))
	if errors.Is(err, ErrNotFound) {
		return inactive, nil
	}
	if err != nil {
		return inactive, err
	}
	// Refresh tokens are for the client that holds them, not for resource
	// servers (RFC 6749 §1.5): only their own client may ask.
	if !rt.UsedAt.IsZero() || !now.Before(rt.ExpiresAt) || rt.ClientID != caller.ID {
		return inactive, nil
	}
	if ok, err := s.grantActive(ctx, rt.GrantID); !ok || err != nil {
		return inactive, err
	}
	return Introspection{
		Active: true, Scope: scopes.Join(rt.Scopes), ClientID: rt.ClientID,
		Username: s.username(ctx, rt.UserID), TokenType: "refresh_token",
		Exp: rt.ExpiresAt.Unix(), Sub: rt.UserID, Iss: s.Issuer,
	}, nil
}

// liveAccessToken returns the record of a verified access token and
// whether the token is still live: not revoked, not expired, and its grant
// active. A machine token has no row and no grant; see liveMachineToken.
func (s *Server) liveAccessToken(ctx context.Context, claimed AccessToken) (AccessToken, bool, error) {
	if claimed.Machine {
		return s.liveMachineToken(ctx, claimed)
	}
	at, err := s.Store.AccessToken(ctx, claimed.JTI)
	if errors.Is(err, ErrNotFound) {
		return AccessToken{}, false, nil
	}
	if err != nil {
		return AccessToken{}, false, err
	}
	if !at.RevokedAt.IsZero() || !s.now().Before(at.ExpiresAt) {
		return at, false, nil
	}
	ok, err := s.grantActive(ctx, at.GrantID)
	return at, ok, err
}

// liveMachineToken: a client_credentials token is its own record (its
// claims, under our signature; verifyAccessToken already refused it once
// expired). It is live unless it was revoked (RFC 7009 §2.1, the one thing
// stored of it) or its client is gone or no longer registered for the
// grant: a stored token went with its client's rows, and this one must not
// outlive them either.
func (s *Server) liveMachineToken(ctx context.Context, at AccessToken) (AccessToken, bool, error) {
	if revoked, err := s.Store.MachineTokenRevoked(ctx, at.JTI); revoked || err != nil {
		return at, false, err
	}
	c, err := s.Store.Client(ctx, at.ClientID)
	if errors.Is(err, ErrNotFound) {
		return at, false, nil
	}
	if err != nil {
		return at, false, err
	}
	return at, c.AllowsGrant(GrantClientCredentials), nil
}

// activeGrant returns the grant, and false when it is gone or revoked.
func (s *Server) activeGrant(ctx context.Context, id string) (Grant, bool, error) {
	g, err := s.Store.Grant(ctx, id)
	if errors.Is(err, ErrNotFound) {
		return Grant{}, false, nil
	}
	if err != nil {
		return Grant{}, false, err
	}
	return g, g.RevokedAt.IsZero(), nil
}

func (s *Server) grantActive(ctx context.Context, id string) (bool, error) {
	g, err := s.Store.Grant(ctx, id)
	if errors.Is(err, ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return g.RevokedAt.IsZero(), nil
}

func (s *Server) username(ctx context.Context, subject string) string {
	if subject == "" {
		return ""
	}
	u, err := s.Store.User(ctx, subject)
	if err != nil {
		return ""
	}
	return u.Username
}
