package web_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
)

// secretAssertion makes a client_secret_jwt assertion (RFC 7523 §2.2):
// HMAC-signed with the client secret; change edits the claims first.
func secretAssertion(t *testing.T, method jwt.SigningMethod, secret, clientID, aud string, change func(jwt.MapClaims)) string {
	t.Helper()
	claims := jwt.MapClaims{"iss": clientID, "sub": clientID, "aud": aud,
		"exp": time.Now().Add(time.Minute).Unix(), "iat": time.Now().Unix(), "jti": rand.Text()}
	if change != nil {
		change(claims)
	}
	s, err := jwt.NewWithClaims(method, claims).SignedString([]byte(secret))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// registerSecretJWTClient registers a machine client that authenticates
// with client_secret_jwt and returns its id and secret.
func (e *testEnv) registerSecretJWTClient(meta map[string]any) (string, string) {
	e.t.Helper()
	if meta == nil {
		meta = map[string]any{"client_name": "HMAC robot", "grant_types": []string{"client_credentials"}}
	}
	meta["token_endpoint_auth_method"] = "client_secret_jwt"
	resp, m := e.postJSON("/register", meta)
	if resp.StatusCode != http.StatusCreated || m["client_secret"] == nil || m["token_endpoint_auth_method"] != "client_secret_jwt" {
		e.t.Fatalf("register a client_secret_jwt client: %d %v", resp.StatusCode, m)
	}
	return m["client_id"].(string), m["client_secret"].(string)
}

// TestClientSecretJWT: a client_secret_jwt client gets a token with an
// HMAC assertion, by hand and through x/oauth2's EndpointParams, and uses
// one at /introspect, /revoke and /par; every bad assertion is
// invalid_client.
func TestClientSecretJWT(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	id, secret := e.registerSecretJWTClient(nil)
	token := e.URL + "/token"

	// covers: RFC 7523 §3
	first := secretAssertion(t, jwt.SigningMethodHS256, secret, id, token, nil)
	resp, m := e.postForm("/token", "", "", assertionForm(first, "grant_type", "client_credentials"))
	if resp.StatusCode != http.StatusOK || m["access_token"] == nil {
		t.Fatalf("client_credentials with an HMAC assertion: %d %v", resp.StatusCode, m)
	}
	access := m["access_token"].(string)
	if resp, m := e.postForm("/introspect", "", "", assertionForm(secretAssertion(t, jwt.SigningMethodHS256, secret, id, e.URL, nil), "client_id", id, "token", access)); resp.StatusCode != http.StatusOK || m["active"] != true {
		t.Fatalf("introspect with an HMAC assertion: %d %v", resp.StatusCode, m)
	}
	if resp, m := e.postForm("/revoke", "", "", assertionForm(secretAssertion(t, jwt.SigningMethodHS512, secret, id, token, nil), "token", access)); resp.StatusCode != http.StatusOK {
		t.Fatalf("revoke with an HS512 assertion: %d %v", resp.StatusCode, m)
	}

	// The real x/oauth2 client: the assertion rides in EndpointParams.
	conf := clientcredentials.Config{ClientID: id, TokenURL: token, AuthStyle: oauth2.AuthStyleInParams,
		EndpointParams: assertionForm(secretAssertion(t, jwt.SigningMethodHS256, secret, id, token, nil))}
	if tok, err := conf.Token(context.Background()); err != nil || tok.AccessToken == "" {
		t.Fatalf("x/oauth2 with client_secret_jwt: %v", err)
	}

	ecKey := newAssertionKey(t, "k1")
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	rs256, err := jwt.NewWithClaims(jwt.SigningMethodRS256, jwt.MapClaims{"iss": id, "sub": id, "aud": token,
		"exp": time.Now().Add(time.Minute).Unix(), "jti": rand.Text()}).SignedString(rsaKey)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name      string
		assertion string
		clientID  string
	}{
		{"wrong secret", secretAssertion(t, jwt.SigningMethodHS256, secret+"x", id, token, nil), ""},
		{"alg none", unsigned(id, token), ""},
		{"alg RS256", rs256, ""},
		{"alg ES256", ecKey.assertion(t, id, token, nil), ""},
		{"wrong aud", secretAssertion(t, jwt.SigningMethodHS256, secret, id, "https://elsewhere.example/token", nil), ""},
		{"iss is not the client", secretAssertion(t, jwt.SigningMethodHS256, secret, id, token, func(c jwt.MapClaims) { c["iss"] = "demo-machine" }), ""},
		{"sub of another client", secretAssertion(t, jwt.SigningMethodHS256, secret, id, token, func(c jwt.MapClaims) { c["sub"] = "demo-machine" }), ""},
		{"expired", secretAssertion(t, jwt.SigningMethodHS256, secret, id, token, func(c jwt.MapClaims) { c["exp"] = time.Now().Add(-time.Hour).Unix() }), ""},
		{"exp too far ahead", secretAssertion(t, jwt.SigningMethodHS256, secret, id, token, func(c jwt.MapClaims) { c["exp"] = time.Now().Add(time.Hour).Unix() }), ""},
		{"no jti", secretAssertion(t, jwt.SigningMethodHS256, secret, id, token, func(c jwt.MapClaims) { delete(c, "jti") }), ""},
		{"replayed jti", first, ""},
		// A client_secret_basic client may not turn its secret into an HMAC key.
		{"client registered with another method", secretAssertion(t, jwt.SigningMethodHS256, "machine-secret", "demo-machine", token, nil), "demo-machine"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			clientID := tc.clientID
			if clientID == "" {
				clientID = id
			}
			resp, m := e.postForm("/token", "", "", assertionForm(tc.assertion, "client_id", clientID, "grant_type", "client_credentials"))
			if resp.StatusCode != http.StatusUnauthorized || m["error"] != "invalid_client" {
				t.Fatalf("%d %v, want 401 invalid_client", resp.StatusCode, m)
			}
		})
	}
	// The secret is an HMAC key here: sending it as Basic is refused too.
	if resp, m := e.postForm("/token", id, secret, url.Values{"grant_type": {"client_credentials"}}); resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("client_secret_jwt client with Basic: %d %v, want 401", resp.StatusCode, m)
	}

	// A web app of the code grant pushes its request with an HMAC assertion.
	webID, webSecret := e.registerSecretJWTClient(map[string]any{"client_name": "HMAC web app", "redirect_uris": []string{redirectURI}})
	push := pkce(url.Values{"response_type": {"code"}, "scope": {"tracks:read"}, "state": {"s"}})
	for k, v := range assertionForm(secretAssertion(t, jwt.SigningMethodHS256, webSecret, webID, e.URL, nil)) {
		push[k] = v
	}
	if resp, m := e.postForm("/par", "", "", push); resp.StatusCode != http.StatusCreated || m["request_uri"] == nil {
		t.Fatalf("/par with an HMAC assertion: %d %v", resp.StatusCode, m)
	}
}

// TestClientSecretJWTSecretAtRest: the secret is stored encrypted, not in
// the clear, and only for client_secret_jwt clients.
func TestClientSecretJWTSecretAtRest(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	id, secret := e.registerSecretJWTClient(nil)
	c, err := e.DB.Client(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.SecretEnc) == 0 || bytes.Contains(c.SecretEnc, []byte(secret)) {
		t.Fatalf("secret_enc = %q: want the secret encrypted", c.SecretEnc)
	}
	machine, err := e.DB.Client(context.Background(), "demo-machine")
	if err != nil || machine.SecretEnc != nil {
		t.Fatalf("a client_secret_basic client has secret_enc %q (%v)", machine.SecretEnc, err)
	}
}
