package oauth

import (
	"context"
	"errors"

	"github.com/oauthlab/oauthlab/shared/scopes"
)

// refreshTokenGrant rotates a refresh token for new tokens (RFC 6749 §6).
type refreshTokenGrant struct{}

func (refreshTokenGrant) Name() string { return GrantRefreshToken }

// CheckClient: any client that may get a refresh token may use it.
func (refreshTokenGrant) CheckClient(Client) error { return nil }

func (refreshTokenGrant) ResponseTypes() []string { return nil }

// Exchange rotates a refresh token (RFC 6749 §6, RFC 9700 §4.14.2).
func (refreshTokenGrant) Exchange(ctx context.Context, s *Server, req TokenRequest) (TokenResponse, error) {
	if req.RefreshToken == "" {
		return TokenResponse{}, ErrInvalidRequest("refresh_token is missing")
	}
	rt, err := s.Store.RefreshToken(ctx, HashSecret(req.RefreshToken))
	if errors.Is(err, ErrNotFound) {
		return TokenResponse{}, ErrInvalidGrant("the refresh token is invalid")
	}
	if err != nil {
		return TokenResponse{}, err
	}
	// RFC 6749 §6: the refresh token was issued to this client.
	if rt.ClientID != req.Client.ID {
		return TokenResponse{}, ErrInvalidGrant("the refresh token was issued to another client")
	}
	// RFC 9700 §4.14.2: a rotated token presented again means two parties
	// hold the family; revoke all of it.
	if !rt.UsedAt.IsZero() {
		if err := s.revokeGrant(ctx, rt.GrantID, rt.ClientID, "rotated refresh token used again"); err != nil {
			return TokenResponse{}, err
		}
		return TokenResponse{}, ErrInvalidGrant("the refresh token was already used; its whole family is revoked")
	}
	g, ok, err := s.activeGrant(ctx, rt.GrantID)
	if err != nil || !ok {
		return TokenResponse{}, firstErr(err, ErrInvalidGrant("the refresh token was revoked"))
	}
	if !s.now().Before(rt.ExpiresAt) {
		return TokenResponse{}, ErrInvalidGrant("the refresh token has expired")
	}
	if err := checkRefreshDPoP(rt, req); err != nil {
		return TokenResponse{}, err
	}
	// RFC 6749 §6: the scope may narrow, never widen beyond what the
	// refresh token carries.
	accessScopes := rt.Scopes
	if req.ScopeGiven {
		requested := scopes.Parse(req.Scope)
		for _, tok := range requested {
			if !scopes.ValidToken(tok) {
				return TokenResponse{}, ErrInvalidScope("scope contains characters RFC 6749 section 3.3 does not allow")
			}
		}
		if len(requested) == 0 || !scopes.Covers(rt.Scopes, requested) {
			return TokenResponse{}, ErrInvalidScope("the scope may only narrow what was granted")
		}
		accessScopes = requested
	}
	resources, accessScopes, err := s.narrowGrant(req.Resources, rt.Resources, accessScopes)
	if err != nil {
		return TokenResponse{}, err
	}
	// The new refresh token keeps the original scope (RFC 6749 §6: "the
	// refresh token scope MUST be identical to that of the refresh token
	// included by the client").
	// OIDC Core §12.2: a refreshed ID token keeps sub and auth_time and has
	// no nonce.
	issued, resp, err := s.issue(ctx, issuance{
		grantID: rt.GrantID, client: req.Client, userID: rt.UserID,
		accessScopes: accessScopes, refreshScopes: rt.Scopes,
		resources:   grantResources{access: resources, refresh: rt.Resources},
		withRefresh: true, idToken: &idTokenInfo{auth: g.Auth}, jkt: req.DPoPJKT,
	})
	if err != nil {
		return TokenResponse{}, err
	}
	err = s.Store.RotateRefreshToken(ctx, rt.Hash, s.now(), issued)
	if errors.Is(err, ErrAlreadyUsed) {
		if err := s.revokeGrant(ctx, rt.GrantID, rt.ClientID, "rotated refresh token used again"); err != nil {
			return TokenResponse{}, err
		}
		return TokenResponse{}, ErrInvalidGrant("the refresh token was already used; its whole family is revoked")
	}
	if err != nil {
		return TokenResponse{}, err
	}
	return resp, nil
}
