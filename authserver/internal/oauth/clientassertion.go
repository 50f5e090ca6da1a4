package oauth

import (
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"slices"
	"time"

	"github.com/MicahParks/jwkset"
	"github.com/golang-jwt/jwt/v5"
)

// Asymmetric client authentication (RFC 7523 §2.2, OIDC Core §9
// private_key_jwt): the client signs a short JWT with a private key and the
// server checks it with the public key the client registered. No shared
// secret exists that a database leak or a log could give away.

// AuthPrivateKeyJWT is the token_endpoint_auth_method of such a client.
const AuthPrivateKeyJWT = "private_key_jwt"

// ClientAssertionType is the client_assertion_type of a JWT assertion
// (RFC 7523 §2.2).
const ClientAssertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

// ClientAssertionAlgs are the signature algorithms accepted for
// private_key_jwt assertions: asymmetric only, never "none" or an HMAC
// (client_secret_jwt has ClientSecretAssertionAlgs).
var ClientAssertionAlgs = []string{AlgES256, AlgEdDSA, AlgRS256, AlgPS256}

// maxAssertionLifetime bounds how far in the future an assertion's exp may
// be: an assertion is for one request, and its jti is kept until exp.
const maxAssertionLifetime = 5 * time.Minute

// assertionLeeway allows for clocks a little apart.
const assertionLeeway = 30 * time.Second

// maxJWKSBytes bounds a registered JWK Set.
const maxJWKSBytes = 8 << 10

// AssertionReplayStore remembers the jti of each client assertion until it
// expires. It is an optional capability of the Store: without it,
// private_key_jwt is refused.
type AssertionReplayStore interface {
	// UseAssertionJTI records the jti; it returns ErrAlreadyUsed when the
	// client already used it (on any replica).
	UseAssertionJTI(ctx context.Context, clientID, jtiHash string, expires, now time.Time) error
}

// CheckClientJWKS validates the jwks of a private_key_jwt registration
// (RFC 7591 §2) and returns it compacted: public asymmetric keys only.
func CheckClientJWKS(raw json.RawMessage) (string, error) {
	if len(raw) == 0 {
		return "", ErrInvalidClientMetadata("private_key_jwt needs jwks: the client's public keys")
	}
	if len(raw) > maxJWKSBytes {
		return "", ErrInvalidClientMetadata("jwks is too large")
	}
	var set struct {
		Keys []map[string]any `json:"keys"`
	}
	if err := json.Unmarshal(raw, &set); err != nil || len(set.Keys) == 0 || len(set.Keys) > 10 {
		return "", ErrInvalidClientMetadata("jwks must be a JWK Set with 1 to 10 keys")
	}
	for _, k := range set.Keys {
		// RFC 7517 §4.7-§4.8: x5u would make the server fetch a URL the registrant names (SSRF); x5c is not needed.
		for _, member := range []string{"x5u", "x5c"} {
			if _, ok := k[member]; ok {
				return "", ErrInvalidClientMetadata("jwks keys must not have " + member)
			}
		}
		// RFC 7591 §2: jwks holds public keys; a private or symmetric key is refused, not stored.
		for _, member := range []string{"d", "p", "q", "dp", "dq", "qi", "k", "oth"} {
			if _, ok := k[member]; ok {
				return "", ErrInvalidClientMetadata("jwks must hold public keys only (found private or symmetric member " + member + ")")
			}
		}
		one, _ := json.Marshal(k)
		jwk, err := jwkset.NewJWKFromRawJSON(one, jwkset.JWKMarshalOptions{}, jwkset.JWKValidateOptions{})
		if err != nil {
			return "", ErrInvalidClientMetadata("jwks holds a key that is not a valid public JWK")
		}
		if !usableKey(jwk.Key()) {
			return "", ErrInvalidClientMetadata("jwks keys must be EC P-256, Ed25519 or RSA (2048 bits or more) public keys")
		}
	}
	compact, _ := json.Marshal(set)
	return string(compact), nil
}

func usableKey(k any) bool {
	switch k := k.(type) {
	case *ecdsa.PublicKey:
		return k.Curve == elliptic.P256()
	case ed25519.PublicKey:
		return true
	case *rsa.PublicKey:
		return k.N.BitLen() >= 2048
	}
	return false
}

// clientKeys returns the public keys of a client's registered JWK Set.
func clientKeys(c Client) ([]jwkset.JWK, error) {
	var set jwkset.JWKSMarshal
	if err := json.Unmarshal([]byte(c.JWKS), &set); err != nil {
		return nil, err
	}
	return set.JWKSlice()
}

// verifyClientAssertion checks a private_key_jwt or client_secret_jwt
// assertion (RFC 7523 §3) for client c, by the method c registered. Every
// failure is invalid_client.
func (s *Server) verifyClientAssertion(ctx context.Context, c Client, assertion string) error {
	replay, ok := s.Store.(AssertionReplayStore)
	if !ok {
		return ErrInvalidClient("this server cannot check client assertions")
	}
	var keyFunc jwt.Keyfunc
	var algs []string
	switch c.AuthMethod {
	case AuthPrivateKeyJWT:
		keys, err := clientKeys(c)
		if err != nil || len(keys) == 0 {
			return ErrInvalidClient("the client has no usable registered keys")
		}
		keyFunc = func(t *jwt.Token) (any, error) {
			kid, _ := t.Header["kid"].(string)
			for _, k := range keys {
				if kid == "" && len(keys) == 1 || k.Marshal().KID == kid && kid != "" {
					return k.Key(), nil
				}
			}
			return nil, errors.New("no registered key has this kid")
		}
		algs = ClientAssertionAlgs
	case AuthSecretJWT:
		// OIDC Core §9: a client_secret_jwt assertion is an HMAC keyed with the client secret, decrypted here only to check it.
		key, err := s.secretJWTKey(c)
		if err != nil {
			return ErrInvalidClient("the client's secret cannot be used to check assertions")
		}
		keyFunc = func(*jwt.Token) (any, error) { return key, nil }
		algs = ClientSecretAssertionAlgs
	default:
		return ErrInvalidClient("this client does not authenticate with a client assertion")
	}
	now := s.now()
	claims := jwt.RegisteredClaims{}
	_, err := jwt.ParseWithClaims(assertion, &claims, keyFunc,
		// RFC 8725 §3.1: the algorithm comes from the allow-list of the client's method (asymmetric, or HMAC for client_secret_jwt), never from the token alone.
		jwt.WithValidMethods(algs),
		// RFC 7523 §3: exp is required.
		jwt.WithExpirationRequired(),
		jwt.WithTimeFunc(func() time.Time { return now }),
		jwt.WithLeeway(assertionLeeway),
	)
	if err != nil {
		return ErrInvalidClient("the client assertion is not valid: " + assertionProblem(err))
	}
	// RFC 7523 §3: iss and sub are both the client_id.
	if claims.Issuer != c.ID || claims.Subject != c.ID {
		return ErrInvalidClient("the client assertion's iss and sub must both be the client_id")
	}
	// RFC 7523 §3: aud names this server: its issuer or its token endpoint.
	if !slices.Contains(claims.Audience, s.Issuer) && !slices.Contains(claims.Audience, s.Issuer+"/token") {
		return ErrInvalidClient("the client assertion's aud must be the issuer or the token endpoint")
	}
	// RFC 7523 §3: an exp unreasonably far ahead is refused; a long-lived assertion would be a reusable credential.
	if claims.ExpiresAt.Sub(now) > maxAssertionLifetime {
		return ErrInvalidClient("the client assertion's exp is more than 5 minutes ahead")
	}
	// RFC 7523 §3: the jti lets the server refuse a replayed assertion; it is single use until exp.
	if claims.ID == "" || len(claims.ID) > 200 {
		return ErrInvalidClient("the client assertion needs a jti")
	}
	// Kept past exp by the leeway, during which the assertion still passes.
	err = replay.UseAssertionJTI(ctx, c.ID, HashSecret(claims.ID), claims.ExpiresAt.Add(assertionLeeway), now)
	if errors.Is(err, ErrAlreadyUsed) {
		return ErrInvalidClient("the client assertion was already used (jti seen before)")
	}
	return err
}

// assertionProblem names what was wrong with an assertion, in words that
// leak nothing the caller did not send.
func assertionProblem(err error) string {
	switch {
	case errors.Is(err, jwt.ErrTokenExpired):
		return "expired"
	case errors.Is(err, jwt.ErrTokenRequiredClaimMissing):
		return "exp is missing"
	case errors.Is(err, jwt.ErrTokenSignatureInvalid), errors.Is(err, jwt.ErrTokenUnverifiable):
		return "the signature does not verify with a registered key"
	case errors.Is(err, jwt.ErrTokenMalformed):
		return "malformed"
	case errors.Is(err, jwt.ErrTokenNotValidYet), errors.Is(err, jwt.ErrTokenUsedBeforeIssued):
		return "not valid yet"
	}
	return "refused"
}
