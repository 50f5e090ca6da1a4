package oauth

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/oauthlab/oauthlab/shared/scopes"
)

// AccessTokenType is the JWT `typ` of access tokens (RFC 9068 §2.1).
const AccessTokenType = "at+jwt"

// mintAccessToken signs a JWT access token per RFC 9068 §2.2.
func (s *Server) mintAccessToken(ctx context.Context, t AccessToken) (string, error) {
	key, err := s.Keys.Active(ctx)
	if err != nil {
		return "", err
	}
	sub := t.UserID
	if sub == "" {
		// RFC 9068 §2.2: with no resource owner (client credentials), `sub`
		// identifies the client itself.
		sub = t.ClientID
	}
	claims := jwt.MapClaims{
		"iss":       s.Issuer,
		"sub":       sub,
		"aud":       audience(s.tokenResources(t)), // RFC 8707 §2: exactly the requested resources
		"exp":       t.ExpiresAt.Unix(),
		"iat":       t.IssuedAt.Unix(),
		"nbf":       t.IssuedAt.Unix(),
		"jti":       t.JTI,
		"client_id": t.ClientID,
		"scope":     scopes.Join(t.Scopes),
	}
	if t.JKT != "" {
		// RFC 9449 §6.1: a DPoP-bound token names its key's thumbprint in cnf.jkt (RFC 7800 §3.1).
		claims["cnf"] = map[string]string{"jkt": t.JKT}
	}
	tok := jwt.NewWithClaims(key.Method(), claims)
	tok.Header["typ"] = AccessTokenType // RFC 9068 §2.1
	tok.Header["kid"] = key.KID         // lets the resource server pick the key
	signed, err := tok.SignedString(key.Private)
	if err != nil {
		return "", fmt.Errorf("sign access token: %w", err)
	}
	return signed, nil
}

// tokenResources is the audience of an access token record: its
// resources, or the default audience for records that have none.
func (s *Server) tokenResources(t AccessToken) []string {
	if len(t.Resources) == 0 {
		return []string{s.Audience}
	}
	return t.Resources
}

// newAccessToken builds the record of a fresh access token.
func (s *Server) newAccessToken(grantID, clientID, userID string, scope []string) AccessToken {
	now := s.Now().UTC().Truncate(time.Second)
	return AccessToken{
		JTI: NewRecordID(), GrantID: grantID, ClientID: clientID, UserID: userID,
		Scopes: scope, IssuedAt: now, ExpiresAt: now.Add(s.AccessTTL),
	}
}

// errNotOurs marks a token this server did not issue or cannot verify.
var errNotOurs = errors.New("not an access token of this server")

// verifyAccessToken checks the JWT's signature, typ, issuer, audience and
// lifetime (RFC 9068 §4) and returns its jti.
func (s *Server) verifyAccessToken(ctx context.Context, raw string) (string, error) {
	tok, err := jwt.Parse(raw, func(t *jwt.Token) (any, error) {
		// RFC 9068 §4: the typ header must be at+jwt, so that an ID token or
		// any other JWT signed with the same key is never taken for one.
		if typ, _ := t.Header["typ"].(string); typ != AccessTokenType && typ != "application/"+AccessTokenType {
			return nil, errNotOurs
		}
		if _, ok := t.Header["crit"]; ok {
			// RFC 7515 §4.1.11: we understand no extension, so a token that makes one critical is refused.
			return nil, errNotOurs
		}
		kid, _ := t.Header["kid"].(string)
		if kid == "" {
			// RFC 7515 §4.1.4: our tokens always name their key; one without kid is not ours.
			return nil, errNotOurs
		}
		key, ok := s.Keys.Lookup(ctx, kid)
		if !ok || t.Method.Alg() != key.Alg {
			return nil, errNotOurs
		}
		return key.Private.Public(), nil
	},
		jwt.WithValidMethods(Algs),
		jwt.WithIssuer(s.Issuer),
		// RFC 7519 §4.1.4: exp is a NumericDate; golang-jwt refuses any other type.
		jwt.WithExpirationRequired(),
		// RFC 7519 §4.1.6: iat is checked too, so that it must be a NumericDate.
		jwt.WithIssuedAt(),
		jwt.WithTimeFunc(s.Now),
	)
	if err != nil || !tok.Valid {
		return "", errNotOurs
	}
	claims, _ := tok.Claims.(jwt.MapClaims)
	if _, ok := claims["iat"].(float64); !ok {
		// RFC 9068 §2.2: iat is required in an access token, as a number.
		return "", errNotOurs
	}
	aud, err := claims.GetAudience()
	if err != nil || len(aud) == 0 {
		return "", errNotOurs
	}
	for _, a := range aud {
		// RFC 9068 §4: the audience must be a resource this server issues tokens for.
		if _, ok := s.registry().Resource(a); !ok {
			return "", errNotOurs
		}
	}
	jti, _ := claims["jti"].(string)
	if jti == "" {
		return "", errNotOurs
	}
	return jti, nil
}
