// Package identitytest is a local OpenID Provider's signing side for tests:
// an RS256 key, its JWKS on a real loopback HTTP server, and helpers that
// sign ID tokens and logout tokens as the provider would.
package identitytest

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Kid is the key id of every provider's key.
const Kid = "rs-test-1"

// Provider signs tokens with its key and serves the public key as a JWKS.
type Provider struct {
	Key  *rsa.PrivateKey
	JWKS *httptest.Server // the JWKS document at any path
}

// NewProvider starts a provider with a fresh 2048-bit RSA key.
func NewProvider(t testing.TB) *Provider {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	p := &Provider{Key: key}
	p.JWKS = httptest.NewServer(http.HandlerFunc(p.ServeJWKS))
	t.Cleanup(p.JWKS.Close)
	return p
}

// ServeJWKS writes the provider's JWKS (RFC 7517).
func (p *Provider) ServeJWKS(w http.ResponseWriter, _ *http.Request) {
	b64 := base64.RawURLEncoding.EncodeToString
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"keys": []map[string]string{{
		"kty": "RSA", "use": "sig", "alg": "RS256", "kid": Kid,
		"n": b64(p.Key.N.Bytes()), "e": b64(big.NewInt(int64(p.Key.E)).Bytes()),
	}}})
}

// Sign signs claims with method and key, with the given typ (no typ header
// when empty) and the provider's kid.
func Sign(t testing.TB, method jwt.SigningMethod, key any, typ string, claims jwt.MapClaims) string {
	t.Helper()
	tok := jwt.NewWithClaims(method, claims)
	tok.Header["kid"] = Kid
	if typ == "" {
		delete(tok.Header, "typ")
	} else {
		tok.Header["typ"] = typ
	}
	raw, err := tok.SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// AtHash is OIDC Core §3.1.3.6 for RS256: the left half of the SHA-256 of
// the access token, base64url.
func AtHash(accessToken string) string {
	sum := sha256.Sum256([]byte(accessToken))
	return base64.RawURLEncoding.EncodeToString(sum[:16])
}

// IDClaims are the claims of a good ID token of issuer for clientID.
func IDClaims(issuer, clientID, nonce, accessToken string, now time.Time) jwt.MapClaims {
	c := jwt.MapClaims{
		"iss": issuer, "sub": "demo-user-alice", "aud": clientID,
		"exp": now.Add(5 * time.Minute).Unix(), "iat": now.Unix(), "auth_time": now.Unix(),
		"at_hash": AtHash(accessToken), "sid": "sid-1", "name": "Alice Liddell", "email": "alice@example.com",
	}
	if nonce != "" {
		c["nonce"] = nonce
	}
	return c
}

// LogoutClaims are the claims of a good logout token of issuer for
// clientID (OIDC Back-Channel Logout §2.4).
func LogoutClaims(issuer, clientID, jti string, now time.Time) jwt.MapClaims {
	return jwt.MapClaims{
		"iss": issuer, "aud": clientID, "iat": now.Unix(), "exp": now.Add(2 * time.Minute).Unix(),
		"jti": jti, "sub": "demo-user-alice", "sid": "sid-1",
		"events": map[string]any{"http://schemas.openid.net/event/backchannel-logout": map[string]any{}},
	}
}
