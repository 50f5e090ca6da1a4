package web_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// assertionKey is a client's P-256 key with its public JWK.
type assertionKey struct {
	priv *ecdsa.PrivateKey
	kid  string
}

func newAssertionKey(t *testing.T, kid string) assertionKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return assertionKey{priv: k, kid: kid}
}

func b64(i *big.Int) string {
	return base64.RawURLEncoding.EncodeToString(i.FillBytes(make([]byte, 32)))
}

// jwk is the public JWK; extra members are added (to test refusals).
func (k assertionKey) jwk(extra map[string]any) map[string]any {
	m := map[string]any{"kty": "EC", "crv": "P-256", "kid": k.kid, "x": b64(k.priv.X), "y": b64(k.priv.Y)}
	for n, v := range extra {
		m[n] = v
	}
	return m
}

// assertion signs a client assertion; change edits the claims first.
func (k assertionKey) assertion(t *testing.T, clientID, aud string, change func(jwt.MapClaims)) string {
	t.Helper()
	claims := jwt.MapClaims{"iss": clientID, "sub": clientID, "aud": aud,
		"exp": time.Now().Add(time.Minute).Unix(), "iat": time.Now().Unix(), "jti": rand.Text()}
	if change != nil {
		change(claims)
	}
	tok := jwt.NewWithClaims(jwt.SigningMethodES256, claims)
	tok.Header["kid"] = k.kid
	s, err := tok.SignedString(k.priv)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// registerKeyClient registers a machine client that authenticates with
// private_key_jwt.
func (e *testEnv) registerKeyClient(k assertionKey) string {
	e.t.Helper()
	resp, m := e.postJSON("/register", map[string]any{"client_name": "Key robot", "grant_types": []string{"client_credentials"},
		"token_endpoint_auth_method": "private_key_jwt", "jwks": map[string]any{"keys": []any{k.jwk(nil)}}})
	if resp.StatusCode != http.StatusCreated || m["client_secret"] != nil || m["jwks"] == nil {
		e.t.Fatalf("register a private_key_jwt client: %d %v", resp.StatusCode, m)
	}
	return m["client_id"].(string)
}

func assertionForm(assertion string, kv ...string) url.Values {
	f := url.Values{"client_assertion_type": {"urn:ietf:params:oauth:client-assertion-type:jwt-bearer"}, "client_assertion": {assertion}}
	for i := 0; i < len(kv); i += 2 {
		f.Set(kv[i], kv[i+1])
	}
	return f
}

// TestPrivateKeyJWT: a client registered with its public key gets a
// client_credentials token with a signed assertion (RFC 7523 §2.2), and
// uses one at /introspect and /revoke too (the same client authentication
// step serves /par); each bad assertion is invalid_client, a replayed one
// too.
func TestPrivateKeyJWT(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	key := newAssertionKey(t, "k1")
	id := e.registerKeyClient(key)
	token := e.URL + "/token"

	// covers: RFC 7523 §3
	first := key.assertion(t, id, token, nil)
	resp, m := e.postForm("/token", "", "", assertionForm(first, "grant_type", "client_credentials"))
	if resp.StatusCode != http.StatusOK || m["access_token"] == nil {
		t.Fatalf("client_credentials with an assertion: %d %v", resp.StatusCode, m)
	}
	access := m["access_token"].(string)
	// The issuer as aud, and the client_id beside the assertion, work too.
	resp, m = e.postForm("/introspect", "", "", assertionForm(key.assertion(t, id, e.URL, nil), "client_id", id, "token", access))
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("introspect with an assertion: %d %v", resp.StatusCode, m)
	}
	if resp, m := e.postForm("/revoke", "", "", assertionForm(key.assertion(t, id, token, nil), "token", access)); resp.StatusCode != http.StatusOK {
		t.Fatalf("revoke with an assertion: %d %v", resp.StatusCode, m)
	}

	other := newAssertionKey(t, "k1")
	cases := []struct {
		name   string
		form   url.Values
		status int
		code   string
	}{
		{"replayed assertion (same jti)", assertionForm(first, "grant_type", "client_credentials"), 401, "invalid_client"},
		{"signed with another key", assertionForm(other.assertion(t, id, token, nil), "grant_type", "client_credentials"), 401, "invalid_client"},
		{"wrong aud", assertionForm(key.assertion(t, id, "https://elsewhere.example/token", nil), "grant_type", "client_credentials"), 401, "invalid_client"},
		{"iss is not the client", assertionForm(key.assertion(t, id, token, func(c jwt.MapClaims) { c["iss"] = "demo-machine" }), "grant_type", "client_credentials"), 401, "invalid_client"},
		{"sub of another client", assertionForm(key.assertion(t, id, token, func(c jwt.MapClaims) { c["sub"] = "demo-machine" }), "grant_type", "client_credentials"), 401, "invalid_client"},
		{"no exp", assertionForm(key.assertion(t, id, token, func(c jwt.MapClaims) { delete(c, "exp") }), "grant_type", "client_credentials"), 401, "invalid_client"},
		{"expired", assertionForm(key.assertion(t, id, token, func(c jwt.MapClaims) { c["exp"] = time.Now().Add(-time.Hour).Unix() }), "grant_type", "client_credentials"), 401, "invalid_client"},
		{"exp too far ahead", assertionForm(key.assertion(t, id, token, func(c jwt.MapClaims) { c["exp"] = time.Now().Add(time.Hour).Unix() }), "grant_type", "client_credentials"), 401, "invalid_client"},
		{"no jti", assertionForm(key.assertion(t, id, token, func(c jwt.MapClaims) { delete(c, "jti") }), "grant_type", "client_credentials"), 401, "invalid_client"},
		{"alg none", assertionForm(unsigned(id, token), "grant_type", "client_credentials"), 401, "invalid_client"},
		{"malformed", assertionForm("not.a.jwt", "client_id", id, "grant_type", "client_credentials"), 401, "invalid_client"},
		{"wrong assertion type", assertionForm(key.assertion(t, id, token, nil), "client_assertion_type", "urn:x", "grant_type", "client_credentials"), 400, "invalid_request"},
		{"assertion and secret", assertionForm(key.assertion(t, id, token, nil), "client_secret", "x", "grant_type", "client_credentials"), 400, "invalid_request"},
		{"oversized", assertionForm(strings.Repeat("a", 9000), "client_id", id, "grant_type", "client_credentials"), 400, "invalid_request"},
		{"a secret client with an assertion", assertionForm(key.assertion(t, "demo-machine", token, nil), "grant_type", "client_credentials"), 401, "invalid_client"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resp, m := e.postForm("/token", "", "", tc.form)
			if resp.StatusCode != tc.status || m["error"] != tc.code {
				t.Fatalf("%d %v, want %d %s", resp.StatusCode, m, tc.status, tc.code)
			}
			if tc.status == 401 && resp.Header.Get("WWW-Authenticate") == "" {
				t.Errorf("401 without WWW-Authenticate")
			}
		})
	}
	// A key client of the code grant pushes its authorization request with
	// an assertion too: /par authenticates as /token does.
	resp, reg := e.postJSON("/register", map[string]any{"client_name": "Key web app", "redirect_uris": []string{redirectURI},
		"token_endpoint_auth_method": "private_key_jwt", "jwks": map[string]any{"keys": []any{key.jwk(nil)}}})
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("register a private_key_jwt web app: %d %v", resp.StatusCode, reg)
	}
	webID := reg["client_id"].(string)
	push := pkce(url.Values{"response_type": {"code"}, "scope": {"tracks:read"}, "state": {"s"}})
	for k, v := range assertionForm(key.assertion(t, webID, e.URL, nil)) {
		push[k] = v
	}
	if resp, m := e.postForm("/par", "", "", push); resp.StatusCode != http.StatusCreated || m["request_uri"] == nil {
		t.Fatalf("/par with an assertion: %d %v", resp.StatusCode, m)
	}

	// A key client cannot fall back to a secret it does not have.
	if resp, m := e.postForm("/token", id, "guess", url.Values{"grant_type": {"client_credentials"}}); resp.StatusCode != 401 {
		t.Fatalf("key client with Basic: %d %v, want 401", resp.StatusCode, m)
	}
}

func unsigned(id, aud string) string {
	tok := jwt.NewWithClaims(jwt.SigningMethodNone, jwt.MapClaims{"iss": id, "sub": id, "aud": aud,
		"exp": time.Now().Add(time.Minute).Unix(), "jti": rand.Text()})
	s, _ := tok.SignedString(jwt.UnsafeAllowNoneSignatureType)
	return s
}

// TestPrivateKeyJWTRegistration: only public asymmetric keys, given as
// jwks, are accepted (RFC 7591 §2); jwks_uri is refused (the server
// fetches nothing a registrant names).
func TestPrivateKeyJWTRegistration(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	key := newAssertionKey(t, "k1")
	rsaKey, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	smallRSA := map[string]any{"kty": "RSA", "n": base64.RawURLEncoding.EncodeToString(rsaKey.N.Bytes()), "e": "AQAB"}
	base := func(kv ...any) map[string]any {
		m := map[string]any{"client_name": "Key robot", "grant_types": []string{"client_credentials"}, "token_endpoint_auth_method": "private_key_jwt"}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i].(string)] = kv[i+1]
		}
		return m
	}
	set := func(keys ...any) map[string]any { return map[string]any{"keys": keys} }
	big := strings.Repeat("x", 9000)
	for _, tc := range []struct {
		name string
		meta map[string]any
	}{
		// covers: RFC 7591 §2
		{"no jwks", base()},
		{"jwks_uri", base("jwks_uri", "https://keys.example/jwks.json")},
		{"private key", base("jwks", set(key.jwk(map[string]any{"d": b64(key.priv.D)})))},
		{"symmetric key", base("jwks", set(map[string]any{"kty": "oct", "k": "c2VjcmV0"}))},
		{"x5u", base("jwks", set(key.jwk(map[string]any{"x5u": "https://keys.example/cert.pem"})))},
		{"small RSA key", base("jwks", set(smallRSA))},
		{"not a key", base("jwks", set(map[string]any{"kty": "EC", "crv": "P-256", "x": "AA", "y": "AA"}))},
		{"empty set", base("jwks", set())},
		{"oversized jwks", base("jwks", set(map[string]any{"kty": "EC", "pad": big}))},
		{"jwks on a secret client", map[string]any{"grant_types": []string{"client_credentials"}, "jwks": set(key.jwk(nil))}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, m := e.postJSON("/register", tc.meta)
			if resp.StatusCode != http.StatusBadRequest || m["error"] != "invalid_client_metadata" {
				t.Fatalf("%d %v, want 400 invalid_client_metadata", resp.StatusCode, m)
			}
		})
	}
	_, doc := e.getJSON("/.well-known/openid-configuration")
	methods, _ := json.Marshal(doc["token_endpoint_auth_methods_supported"])
	algs, _ := json.Marshal(doc["token_endpoint_auth_signing_alg_values_supported"])
	if !strings.Contains(string(methods), "private_key_jwt") || !strings.Contains(string(methods), "client_secret_jwt") ||
		!strings.Contains(string(algs), "ES256") || !strings.Contains(string(algs), "HS256") {
		t.Errorf("metadata: methods %s, algs %s", methods, algs)
	}
}
