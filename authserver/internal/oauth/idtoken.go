package oauth

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/oauthlab/oauthlab/shared/scopes"
)

// IDTokenType is the `typ` header of ID tokens. OIDC Core §2 does not
// require one; "JWT" (RFC 7519 §5.1) with keys of their own keeps ID tokens
// and access tokens (at+jwt) apart in both directions.
const IDTokenType = "JWT"

// LogoutTokenType is the `typ` of logout tokens (OIDC Back-Channel Logout
// §2.4).
const LogoutTokenType = "logout+jwt"

// BackchannelLogoutEvent is the member of a logout token's `events` claim
// (OIDC Back-Channel Logout §2.4).
const BackchannelLogoutEvent = "http://schemas.openid.net/event/backchannel-logout"

// IDTokenTTL is the lifetime of ID tokens: they are read once, at sign-in.
const IDTokenTTL = 10 * time.Minute

// LogoutTokenTTL is the lifetime of logout tokens: they are delivered at once.
const LogoutTokenTTL = 2 * time.Minute

// IDTokenAlgs lists the algorithms a client may register as
// id_token_signed_response_alg, the default first.
var IDTokenAlgs = []string{AlgRS256, AlgEdDSA, AlgES256, AlgPS256}

// idTokenAlg is the algorithm that signs the client's ID tokens.
func idTokenAlg(c Client) string {
	if c.IDTokenAlg == "" {
		return DefaultIDTokenAlg
	}
	return c.IDTokenAlg
}

// idTokenInfo is what an ID token says beyond the grant: the nonce of the
// authorization request (only in the first ID token, OIDC Core §12.2).
type idTokenInfo struct {
	nonce string
	auth  Authentication
}

// mintIDToken signs an ID token (OIDC Core §2) for the client. The user's
// profile and email claims are not in it: they come from /userinfo, which
// keeps the ID token small.
func (s *Server) mintIDToken(ctx context.Context, c Client, sub string, info idTokenInfo, accessToken string) (string, error) {
	key, err := s.Keys.IDTokenKey(ctx, idTokenAlg(c))
	if err != nil {
		return "", err
	}
	now := s.now().Truncate(time.Second)
	claims := jwt.MapClaims{
		"iss": s.Issuer,
		"sub": sub,
		// OIDC Core §2: aud contains the client id; one audience, so no azp.
		"aud": c.ID,
		"exp": now.Add(IDTokenTTL).Unix(),
		"iat": now.Unix(),
		// OIDC Core §2: auth_time is required with max_age or
		// require_auth_time; it is always sent, which is simpler to check.
		"auth_time": info.auth.AuthTime.Unix(),
		// OIDC Core §3.1.3.6: at_hash binds the access token to this ID token.
		"at_hash": leftHalfHash(accessToken),
	}
	if info.auth.SID != "" {
		// OIDC Front-Channel Logout §3: sid names the session, as the
		// logout token will (OIDC Back-Channel Logout §2.4).
		claims["sid"] = info.auth.SID
	}
	if info.nonce != "" {
		// OIDC Core §3.1.2.1: the nonce of the request is echoed unchanged.
		claims["nonce"] = info.nonce
	}
	return signJWT(key, IDTokenType, claims)
}

// LogoutToken signs a logout token (OIDC Back-Channel Logout §2.4) telling
// the client that the session sid of user sub has ended.
func (s *Server) LogoutToken(ctx context.Context, c Client, sub, sid string) (string, error) {
	key, err := s.Keys.IDTokenKey(ctx, idTokenAlg(c))
	if err != nil {
		return "", err
	}
	now := s.now().Truncate(time.Second)
	return signJWT(key, LogoutTokenType, jwt.MapClaims{
		"iss": s.Issuer,
		"aud": c.ID,
		"iat": now.Unix(),
		"exp": now.Add(LogoutTokenTTL).Unix(),
		"jti": NewSecret()[:22],
		"sub": sub,
		"sid": sid,
		// OIDC Back-Channel Logout §2.4: events holds the logout event, and
		// a nonce is forbidden so that it cannot pass for an ID token.
		"events": map[string]any{BackchannelLogoutEvent: map[string]any{}},
	})
}

func signJWT(key SigningKey, typ string, claims jwt.MapClaims) (string, error) {
	tok := jwt.NewWithClaims(key.Method(), claims)
	tok.Header["typ"] = typ
	tok.Header["kid"] = key.KID
	signed, err := tok.SignedString(key.Private)
	if err != nil {
		return "", fmt.Errorf("sign %s: %w", typ, err)
	}
	return signed, nil
}

// leftHalfHash is the at_hash of an access token (OIDC Core §3.1.3.6): the
// left half of its SHA-256 (every ID-token algorithm here uses SHA-256),
// base64url without padding.
func leftHalfHash(token string) string {
	sum := sha256.Sum256([]byte(token))
	return base64.RawURLEncoding.EncodeToString(sum[:len(sum)/2])
}

// IDTokenClaims are what this server reads back from its own ID tokens.
type IDTokenClaims struct {
	Subject  string
	ClientID string
	SID      string
}

var errNotIDToken = errors.New("not an ID token of this server")

// VerifyIDToken checks that raw is an ID token this server issued: typ
// JWT, signed with an ID-token key, our issuer, and the audience a known
// client. An expired one is accepted when allowExpired (id_token_hint,
// OIDC Core §3.1.2.1 and OIDC RP-Initiated Logout §2).
func (s *Server) VerifyIDToken(ctx context.Context, raw string, allowExpired bool) (IDTokenClaims, error) {
	if len(raw) > 8*maxParamLen {
		return IDTokenClaims{}, errNotIDToken
	}
	opts := []jwt.ParserOption{jwt.WithValidMethods(Algs), jwt.WithIssuer(s.Issuer), jwt.WithTimeFunc(s.Now)}
	if allowExpired {
		opts = append(opts, jwt.WithoutClaimsValidation())
	} else {
		opts = append(opts, jwt.WithExpirationRequired())
	}
	tok, err := jwt.Parse(raw, func(t *jwt.Token) (any, error) {
		// An access token (at+jwt) or a logout token (logout+jwt) is not an
		// ID token, whatever key signed it.
		if typ, _ := t.Header["typ"].(string); typ != IDTokenType {
			return nil, errNotIDToken
		}
		kid, _ := t.Header["kid"].(string)
		key, ok := s.Keys.LookupIDTokenKey(ctx, kid)
		if !ok || t.Method.Alg() != key.Alg {
			return nil, errNotIDToken
		}
		return key.Private.Public(), nil
	}, opts...)
	if err != nil || !tok.Valid {
		return IDTokenClaims{}, errNotIDToken
	}
	claims, _ := tok.Claims.(jwt.MapClaims)
	if iss, _ := claims["iss"].(string); iss != s.Issuer {
		return IDTokenClaims{}, errNotIDToken // WithoutClaimsValidation skips the issuer check
	}
	var out IDTokenClaims
	out.Subject, _ = claims["sub"].(string)
	out.SID, _ = claims["sid"].(string)
	aud, err := claims.GetAudience()
	if err != nil || len(aud) != 1 || out.Subject == "" {
		return IDTokenClaims{}, errNotIDToken
	}
	out.ClientID = aud[0]
	// OIDC Core §2: aud is the client the token was issued to; it must be
	// one of ours.
	if _, err := s.Store.Client(ctx, out.ClientID); err != nil {
		return IDTokenClaims{}, errNotIDToken
	}
	return out, nil
}

// wantsIDToken reports whether granted scopes call for an ID token
// (OIDC Core §3.1.3.3: when openid was granted).
func wantsIDToken(granted []string) bool { return slices.Contains(granted, scopes.OpenID) }
