package oauth

import (
	"context"
	"errors"
	"strings"
)

// looksLikeJWT tells access tokens (three dot-separated parts) from refresh
// tokens (one base64url string) without a database round trip.
func looksLikeJWT(tok string) bool { return strings.Count(tok, ".") == 2 }

// Revoke invalidates a token (RFC 7009 §2.1). The hint only says where to
// look first; any token type is searched. Unknown tokens, and tokens of
// other clients, get the same empty success (RFC 7009 §2.2), so that the
// endpoint tells a caller nothing about tokens that are not theirs.
func (s *Server) Revoke(ctx context.Context, c Client, token string) error {
	if token == "" {
		return ErrInvalidRequest("token is missing")
	}
	if len(token) > 8*maxParamLen {
		return nil
	}
	if looksLikeJWT(token) {
		claimed, err := s.verifyAccessToken(ctx, token)
		if err != nil {
			return nil
		}
		if claimed.Machine {
			// A machine token has no row to mark: its jti is recorded
			// until the token expires, and introspection looks it up.
			if claimed.ClientID != c.ID {
				return nil
			}
			return s.Store.RevokeMachineToken(ctx, claimed.JTI, claimed.ExpiresAt)
		}
		at, err := s.Store.AccessToken(ctx, claimed.JTI)
		if errors.Is(err, ErrNotFound) || (err == nil && at.ClientID != c.ID) {
			return nil
		}
		if err != nil {
			return err
		}
		return s.Store.RevokeAccessToken(ctx, claimed.JTI, s.now())
	}
	rt, err := s.Store.RefreshToken(ctx, HashSecret(token))
	if errors.Is(err, ErrNotFound) || (err == nil && rt.ClientID != c.ID) {
		return nil
	}
	if err != nil {
		return err
	}
	// RFC 7009 §2.1: revoking a refresh token SHOULD also invalidate the
	// access tokens of the same grant; revoking the grant does both.
	return s.Store.RevokeGrant(ctx, rt.GrantID, s.now())
}
