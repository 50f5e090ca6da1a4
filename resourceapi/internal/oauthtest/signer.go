package oauthtest

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/MicahParks/jwkset"
	"github.com/golang-jwt/jwt/v5"
)

// Signer signs access tokens and publishes its keys.
type Signer struct {
	Issuer, Audience string

	t     testing.TB
	srv   *httptest.Server
	mu    sync.Mutex
	keys  map[string]signingKey // by algorithm: the key new tokens use
	jwks  *jwkset.MemoryJWKSet
	n     int
	calls atomic.Int64
}

type signingKey struct {
	kid    string
	method jwt.SigningMethod
	priv   crypto.Signer
}

// New starts a signer with one key per accepted algorithm (ES256, RS256,
// PS256, EdDSA), all published in its JWK Set.
func New(t testing.TB, issuer, audience string) *Signer {
	t.Helper()
	s := &Signer{Issuer: issuer, Audience: audience, t: t, keys: map[string]signingKey{}, jwks: jwkset.NewMemoryStorage()}
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	_, edKey, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	s.addKey("ES256", newECKey(t), true)
	s.addKey("RS256", rsaKey, true)
	s.addKey("PS256", rsaKey, true)
	s.addKey("EdDSA", edKey, true)
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.calls.Add(1)
		raw, err := s.jwks.JSONPublic(r.Context())
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(raw)
	}))
	t.Cleanup(s.srv.Close)
	return s
}

func newECKey(t testing.TB) *ecdsa.PrivateKey {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func (s *Signer) addKey(alg string, priv crypto.Signer, publish bool) signingKey {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.n++
	k := signingKey{kid: fmt.Sprintf("test-%s-%d", alg, s.n), method: jwt.GetSigningMethod(alg), priv: priv}
	if publish {
		jwk, err := jwkset.NewJWKFromKey(priv.Public(), jwkset.JWKOptions{Metadata: jwkset.JWKMetadataOptions{
			ALG: jwkset.ALG(alg), KID: k.kid, USE: jwkset.UseSig,
		}})
		if err != nil {
			s.t.Fatal(err)
		}
		if err := s.jwks.KeyWrite(context.Background(), jwk); err != nil {
			s.t.Fatal(err)
		}
		s.keys[alg] = k
	}
	return k
}

// JWKSURL is where the signer serves its JWK Set.
func (s *Signer) JWKSURL() string { return s.srv.URL }

// JWKSFetches counts the requests for the JWK Set so far.
func (s *Signer) JWKSFetches() int64 { return s.calls.Load() }

// Rotate publishes a new ES256 key, which signs every ES256 token from now
// on; the old key stays published, as in a real rotation.
func (s *Signer) Rotate() string {
	return s.addKey("ES256", newECKey(s.t), true).kid
}

// Retire removes the key kid from the JWK Set, as an authorization server
// does when it retires a key (after a rotation, or because it leaked).
func (s *Signer) Retire(kid string) {
	s.t.Helper()
	if ok, err := s.jwks.KeyDelete(context.Background(), kid); err != nil || !ok {
		s.t.Fatalf("oauthtest: retire %s: deleted %v, %v", kid, ok, err)
	}
}

// Claims returns the claims of a valid access token for sub with scope.
func (s *Signer) Claims(sub, scope string) jwt.MapClaims {
	now := time.Now()
	return jwt.MapClaims{
		"iss":       s.Issuer,
		"sub":       sub,
		"aud":       s.Audience,
		"exp":       now.Add(10 * time.Minute).Unix(),
		"iat":       now.Unix(),
		"nbf":       now.Unix(),
		"jti":       rand.Text(),
		"client_id": "demo-client",
		"scope":     scope,
	}
}

// Token returns a valid ES256 access token for sub with scope.
func (s *Signer) Token(sub, scope string) string {
	return s.Sign("ES256", s.Claims(sub, scope), nil)
}

// Sign signs claims with the published key of alg, with typ at+jwt and the
// key's kid in the header; header entries override or (with nil) remove
// header parameters.
func (s *Signer) Sign(alg string, claims jwt.MapClaims, header map[string]any) string {
	s.t.Helper()
	s.mu.Lock()
	k, ok := s.keys[alg]
	s.mu.Unlock()
	if !ok {
		s.t.Fatalf("oauthtest: no key for %s", alg)
	}
	return sign(s.t, k, claims, header)
}

// SignUnpublished signs with a fresh ES256 key that is not in the JWK Set.
func (s *Signer) SignUnpublished(claims jwt.MapClaims) string {
	s.t.Helper()
	k := signingKey{kid: "never-published", method: jwt.SigningMethodES256, priv: newECKey(s.t)}
	return sign(s.t, k, claims, nil)
}

// PublicKeyPEM returns the published RS256 public key in PEM: what an
// attacker would use as the HMAC secret in the HS256 key-confusion attack.
func (s *Signer) PublicKeyPEM() []byte {
	s.t.Helper()
	s.mu.Lock()
	k := s.keys["RS256"]
	s.mu.Unlock()
	der, err := x509.MarshalPKIXPublicKey(k.priv.Public())
	if err != nil {
		s.t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
}

// KID returns the kid of the published key for alg.
func (s *Signer) KID(alg string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.keys[alg].kid
}

func sign(t testing.TB, k signingKey, claims jwt.MapClaims, header map[string]any) string {
	t.Helper()
	tok := jwt.NewWithClaims(k.method, claims)
	tok.Header["typ"] = "at+jwt"
	tok.Header["kid"] = k.kid
	for name, v := range header {
		if v == nil {
			delete(tok.Header, name)
		} else {
			tok.Header[name] = v
		}
	}
	out, err := tok.SignedString(k.priv)
	if err != nil {
		t.Fatal(err)
	}
	return out
}
