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
	if t.Machine {
		// A private claim (RFC 7519 §4.3) naming the grant: a
		// client_credentials token is not stored, so introspection and
		// revocation learn from the signed token itself that no row is to
		// be looked for (see liveMachineToken).
		claims[grantTypeClaim] = GrantClientCredentials
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

// grantTypeClaim names the grant of an access token that is not stored.
const grantTypeClaim = "gty"

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
// lifetime (RFC 9068 §4) and returns what its claims say: the jti, and for
// a machine token (not stored) the whole record.
func (s *Server) verifyAccessToken(ctx context.Context, raw string) (AccessToken, error) {
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
		return AccessToken{}, errNotOurs
	}
	claims, _ := tok.Claims.(jwt.MapClaims)
	if _, ok := claims["iat"].(float64); !ok {
		// RFC 9068 §2.2: iat is required in an access token, as a number.
		return AccessToken{}, errNotOurs
	}
	aud, err := claims.GetAudience()
	if err != nil || len(aud) == 0 {
		return AccessToken{}, errNotOurs
	}
	for _, a := range aud {
		// RFC 9068 §4: the audience must be a resource this server issues tokens for.
		if _, ok := s.registry().Resource(a); !ok {
			return AccessToken{}, errNotOurs
		}
	}
	jti, _ := claims["jti"].(string)
	if jti == "" {
		return AccessToken{}, errNotOurs
	}
	if gty, _ := claims[grantTypeClaim].(string); gty != GrantClientCredentials {
		return AccessToken{JTI: jti}, nil
	}
	return machineTokenFromClaims(claims, jti, aud)
}

// machineTokenFromClaims is the record of a verified client_credentials
// token, which exists only as the token itself: every field comes from a
// claim that mintAccessToken wrote and the signature covers.
func machineTokenFromClaims(claims jwt.MapClaims, jti string, aud []string) (AccessToken, error) {
	clientID, _ := claims["client_id"].(string)
	scope, _ := claims["scope"].(string)
	iat, err := claims.GetIssuedAt()
	if err != nil || iat == nil || clientID == "" {
		return AccessToken{}, errNotOurs
	}
	exp, err := claims.GetExpirationTime()
	if err != nil || exp == nil {
		return AccessToken{}, errNotOurs
	}
	at := AccessToken{
		JTI: jti, ClientID: clientID, Scopes: scopes.Parse(scope), Resources: aud,
		IssuedAt: iat.Time, ExpiresAt: exp.Time, Machine: true,
	}
	if cnf, ok := claims["cnf"].(map[string]any); ok {
		at.JKT, _ = cnf["jkt"].(string)
	}
	return at, nil
}
