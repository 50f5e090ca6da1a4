package oauth

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/oauthlab/oauthlab/shared/scopes"
)

// Algorithms lists the only JWS algorithms accepted on access tokens: all
// asymmetric. RFC 8725 §3.1 and §3.2: a verifier must pin the algorithms it
// accepts, never "none", and never let an HMAC algorithm run with a public
// key as its secret (anyone can read the public key from the JWKS).
var Algorithms = []string{"ES256", "RS256", "PS256", "EdDSA"}

// DefaultLeeway is the clock skew tolerated on exp, nbf and iat.
const DefaultLeeway = 30 * time.Second

// DefaultMaxLifetime is the longest exp - iat accepted: the authorization
// server issues 10-minute tokens, so a token that claims to live for days
// was not made by it in its usual configuration (or was made to outlive a
// revocation).
const DefaultMaxLifetime = 15 * time.Minute

// JWTConfig configures a JWTValidator.
type JWTConfig struct {
	// Issuer is the exact `iss` expected (RFC 9068 §4).
	Issuer string
	// Audience is this API's resource identifier; `aud` must contain it
	// (RFC 9068 §4).
	Audience string
	// Keys finds the verification key of a token by its `kid` header: the
	// authorization server's JWK Set (NewJWKS).
	Keys KeySet
	// Leeway is the clock skew tolerated on time claims; DefaultLeeway if 0.
	Leeway time.Duration
	// MaxLifetime is the longest exp - iat accepted; DefaultMaxLifetime if 0.
	MaxLifetime time.Duration
	// CacheSize bounds the cache of verified tokens; 0 disables it.
	CacheSize int
	// Now is the clock; time.Now if nil.
	Now func() time.Time
}

// JWTValidator checks JWT access tokens locally (RFC 9068 §4) and remembers
// the tokens it has verified until they expire, so a client that sends the
// same token on every request pays for the signature check once.
type JWTValidator struct {
	cfg    JWTConfig
	parser *jwt.Parser
	cache  *cache
}

var _ Validator = (*JWTValidator)(nil)

// NewJWTValidator returns a validator for cfg.
func NewJWTValidator(cfg JWTConfig) *JWTValidator {
	if cfg.Leeway == 0 {
		cfg.Leeway = DefaultLeeway
	}
	if cfg.MaxLifetime == 0 {
		cfg.MaxLifetime = DefaultMaxLifetime
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	parser := jwt.NewParser(
		// RFC 8725 §3.1: an allow-list of algorithms, checked before the key
		// is even looked up.
		jwt.WithValidMethods(Algorithms),
		// RFC 9068 §4: iss must match exactly, aud must contain us.
		jwt.WithIssuer(cfg.Issuer),
		jwt.WithAudience(cfg.Audience),
		// RFC 9068 §2.2: exp and iat are required; RFC 7519 §4.1.4, §4.1.5:
		// exp and nbf are checked with a small leeway for clock skew.
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		jwt.WithLeeway(cfg.Leeway),
		jwt.WithTimeFunc(cfg.Now),
	)
	return &JWTValidator{cfg: cfg, parser: parser, cache: newCache(cfg.CacheSize)}
}

// KeySet finds the key that verifies a token. keyfunc.Keyfunc implements it.
type KeySet interface {
	KeyfuncCtx(ctx context.Context) jwt.Keyfunc
}

// accessTokenClaims are the claims of RFC 9068 §2.2.
type accessTokenClaims struct {
	jwt.RegisteredClaims
	ClientID string `json:"client_id"`
	Scope    string `json:"scope"`
	// Cnf binds the token to a DPoP key (RFC 9449 §6.1, RFC 7800 §3.1).
	Cnf *struct {
		JKT string `json:"jkt"`
	} `json:"cnf"`
}

// Validate implements Validator.
func (v *JWTValidator) Validate(ctx context.Context, token string) (*Principal, error) {
	now := v.cfg.Now()
	key := keyOf(token)
	if e, ok := v.cache.get(key, now); ok && v.stillPublished(ctx, e) {
		return e.value, nil
	}
	p, kid, alg, err := v.verify(ctx, token)
	if err != nil {
		return nil, err
	}
	// Remember the token until it expires: its signature and claims cannot
	// change; only time, or its key leaving the JWK Set, can make it invalid.
	v.cache.put(key, cacheEntry{value: p, expires: p.ExpiresAt, kid: kid, alg: alg}, now)
	return p, nil
}

// stillPublished reports whether the key that verified a cached token is
// still in the JWK Set (as of its last refresh). RFC 7517 §5: the set is
// the authorization server's current keys; one it dropped was retired,
// perhaps because it leaked, and tokens it signed must stop working even
// if they were verified before.
func (v *JWTValidator) stillPublished(ctx context.Context, e cacheEntry) bool {
	_, err := v.cfg.Keys.KeyfuncCtx(ctx)(&jwt.Token{Header: map[string]any{"kid": e.kid, "alg": e.alg}})
	return err == nil
}

func (v *JWTValidator) verify(ctx context.Context, token string) (p *Principal, kid, alg string, err error) {
	if err := numericTimeClaims(token); err != nil {
		return nil, "", "", err
	}
	var claims accessTokenClaims
	parsed, err := v.parser.ParseWithClaims(token, &claims, func(t *jwt.Token) (any, error) {
		// RFC 9068 §4: the resource server MUST check that typ is at+jwt (or
		// application/at+jwt), so that an ID token or any other JWT signed
		// by the same key cannot be used as an access token.
		typ, _ := t.Header["typ"].(string)
		if !isAccessTokenType(typ) {
			return nil, errWrongType
		}
		// RFC 7515 §4.1.11: a crit header lists extensions the verifier must
		// understand; this one understands none, so any crit is refused.
		if _, ok := t.Header["crit"]; ok {
			return nil, errCritical
		}
		// RFC 7515 §4.1.4: the kid names the key; without one, the verifier
		// would have to guess among the published keys.
		if kid, _ := t.Header["kid"].(string); kid == "" {
			return nil, errNoKID
		}
		// RFC 7515 §5.2: the signature is checked with the published key the kid names, before any claim is trusted.
		return v.cfg.Keys.KeyfuncCtx(ctx)(t)
	})
	if err != nil {
		return nil, "", "", ErrInvalidToken("%s", describe(err))
	}
	if !parsed.Valid {
		return nil, "", "", ErrInvalidToken("the access token is not valid")
	}
	// RFC 9068 §2.2: iat, sub, client_id and jti are required claims too.
	switch {
	case claims.IssuedAt == nil:
		return nil, "", "", ErrInvalidToken("the access token has no iat claim")
	case claims.Subject == "":
		return nil, "", "", ErrInvalidToken("the access token has no sub claim")
	case claims.ClientID == "":
		return nil, "", "", ErrInvalidToken("the access token has no client_id claim")
	case claims.ID == "":
		return nil, "", "", ErrInvalidToken("the access token has no jti claim")
	}
	// RFC 9068 §2.2: exp bounds the token's life; one far beyond what the
	// authorization server issues would outlive every key rotation and
	// revocation, so exp - iat is capped.
	if life := claims.ExpiresAt.Sub(claims.IssuedAt.Time); life > v.cfg.MaxLifetime {
		return nil, "", "", ErrInvalidToken("the access token claims a lifetime of %s, more than the %s this API accepts", life, v.cfg.MaxLifetime)
	}
	var jkt string
	if claims.Cnf != nil {
		// RFC 9449 §6.1: a cnf without a usable jkt binds to no key we could check, so the token is refused rather than taken as Bearer.
		if jkt = claims.Cnf.JKT; jkt == "" {
			return nil, "", "", ErrInvalidToken("the access token has a cnf claim without jkt")
		}
	}
	kid, _ = parsed.Header["kid"].(string)
	alg, _ = parsed.Header["alg"].(string)
	return &Principal{
		Subject:   claims.Subject,
		ClientID:  claims.ClientID,
		Scopes:    scopes.Parse(claims.Scope),
		ExpiresAt: claims.ExpiresAt.Time,
		JKT:       jkt,
	}, kid, alg, nil
}

var (
	errWrongType = errors.New(`the token's typ header is not "at+jwt" (RFC 9068 §4)`)
	errCritical  = errors.New("the token's crit header names an extension this API does not understand (RFC 7515 §4.1.11)")
	errNoKID     = errors.New("the token's header has no kid naming its signing key")
)

// numericTimeClaims checks that exp and iat, when present, are JSON
// numbers. The JWT library also accepts "123" in quotes, which RFC 7519
// §2 (NumericDate) does not allow.
func numericTimeClaims(token string) error {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return nil // the parser reports a malformed token
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return nil
	}
	var claims map[string]json.RawMessage
	if json.Unmarshal(payload, &claims) != nil {
		return nil
	}
	for _, name := range []string{"exp", "iat"} {
		raw, ok := claims[name]
		// RFC 7519 §4.1.4, §4.1.6: exp and iat are NumericDate values, JSON
		// numbers; a string or anything else is refused.
		if ok && (len(raw) == 0 || !(raw[0] == '-' || raw[0] >= '0' && raw[0] <= '9')) {
			return ErrInvalidToken("the access token's %s claim is not a number (RFC 7519 §2 NumericDate)", name)
		}
	}
	return nil
}

func isAccessTokenType(typ string) bool {
	typ = strings.ToLower(typ)
	return typ == "at+jwt" || typ == "application/at+jwt"
}

// describe turns a golang-jwt error into a sentence for error_description.
// It says what is wrong, never which key or secret was involved.
func describe(err error) string {
	switch {
	case errors.Is(err, errWrongType):
		return errWrongType.Error()
	case errors.Is(err, errCritical):
		return errCritical.Error()
	case errors.Is(err, errNoKID):
		return errNoKID.Error()
	case errors.Is(err, jwt.ErrTokenMalformed):
		return "the access token is not a well-formed JWT"
	case errors.Is(err, jwt.ErrTokenSignatureInvalid):
		return "the access token's signature does not verify, or its algorithm is not allowed"
	case errors.Is(err, jwt.ErrTokenUnverifiable):
		return "the access token cannot be verified: its algorithm is not allowed or its signing key is unknown"
	case errors.Is(err, jwt.ErrTokenExpired):
		return "the access token has expired"
	case errors.Is(err, jwt.ErrTokenNotValidYet):
		return "the access token is not valid yet"
	case errors.Is(err, jwt.ErrTokenUsedBeforeIssued):
		return "the access token was issued in the future"
	case errors.Is(err, jwt.ErrTokenInvalidIssuer):
		return "the access token was issued by another authorization server"
	case errors.Is(err, jwt.ErrTokenInvalidAudience):
		return "the access token is meant for another resource server"
	case errors.Is(err, jwt.ErrTokenRequiredClaimMissing):
		return "the access token lacks a required claim (RFC 9068 §2.2)"
	case errors.Is(err, jwt.ErrTokenInvalidClaims):
		return "the access token has invalid claims"
	default:
		return "the access token is not valid"
	}
}
