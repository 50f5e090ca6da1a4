package oauth

import (
	"context"
	"errors"
	"net/http"
	"slices"

	"github.com/oauthlab/oauthlab/shared/scopes"
)

// ErrInsufficientScope is RFC 6750 §3.1 insufficient_scope: the access
// token is valid but lacks a scope the request needs.
func ErrInsufficientScope(desc string) *Error {
	return newError("insufficient_scope", http.StatusForbidden, desc)
}

// UserInfo returns the claims about the user of an access token (OIDC Core
// §5.3): sub always, and the profile and email claims the token's scopes
// allow (OIDC Core §5.4). The token must be one of our access tokens, not
// revoked, of an active grant, and carry openid. proofJKT is the thumbprint
// of the checked DPoP proof's key when the token came with the DPoP scheme,
// empty when it came as Bearer; it must match the token's binding.
func (s *Server) UserInfo(ctx context.Context, token, proofJKT string) (map[string]any, error) {
	invalid := ErrInvalidToken("the access token is invalid, expired or revoked")
	if len(token) > 8*maxParamLen || !looksLikeJWT(token) {
		return nil, invalid
	}
	// RFC 9068 §4: only an at+jwt passes, so an ID token is refused here.
	claimed, err := s.verifyAccessToken(ctx, token)
	if err != nil || claimed.Machine { // a machine token has no user
		return nil, invalid
	}
	at, err := s.Store.AccessToken(ctx, claimed.JTI)
	if errors.Is(err, ErrNotFound) {
		return nil, invalid
	}
	if err != nil {
		return nil, err
	}
	if !at.RevokedAt.IsZero() || !s.now().Before(at.ExpiresAt) || at.UserID == "" {
		return nil, invalid
	}
	if err := checkPresentedDPoP(at, proofJKT); err != nil {
		return nil, err
	}
	if ok, err := s.grantActive(ctx, at.GrantID); err != nil || !ok {
		return nil, firstErr(err, invalid)
	}
	// OIDC Core §5.3: the UserInfo endpoint needs an access token granted
	// with openid.
	if !slices.Contains(at.Scopes, scopes.OpenID) {
		return nil, ErrInsufficientScope("the access token was not granted the openid scope")
	}
	u, err := s.Store.User(ctx, at.UserID)
	if errors.Is(err, ErrNotFound) {
		return nil, invalid
	}
	if err != nil {
		return nil, err
	}
	// OIDC Core §5.3.2: sub is always returned.
	claims := map[string]any{"sub": u.Subject}
	// OIDC Core §5.4: profile asks for name, preferred_username and the like.
	if slices.Contains(at.Scopes, scopes.Profile) {
		name := u.Name
		if name == "" {
			name = u.DisplayName
		}
		claims["name"], claims["preferred_username"] = name, u.Username
	}
	// OIDC Core §5.4: email asks for email and email_verified.
	if slices.Contains(at.Scopes, scopes.Email) && u.Email != "" {
		claims["email"], claims["email_verified"] = u.Email, u.EmailVerified
	}
	return claims, nil
}
