package web_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/oauthlab/oauthlab/authserver/internal/web"
	"github.com/oauthlab/oauthlab/shared/actortest"
	"github.com/oauthlab/oauthlab/shared/dpop"
)

// tokenWithProof posts a token request with the given DPoP header values
// (none when proofs is empty); user/pass authenticate a confidential client.
func (e *testEnv) tokenWithProof(user, pass string, form url.Values, proofs ...string) (*http.Response, map[string]any) {
	e.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, e.URL+"/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if user != "" {
		req.SetBasicAuth(user, pass)
	}
	for _, p := range proofs {
		req.Header.Add("DPoP", p)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	var m map[string]any
	_ = json.Unmarshal([]byte(readBody(e.t, resp)), &m)
	return resp, m
}

// proof is a fresh proof by key for this server's endpoint path.
func (e *testEnv) proof(key *dpop.Key, method, path, token string) string {
	e.t.Helper()
	p, err := key.Proof(method, e.URL+path, token, "")
	if err != nil {
		e.t.Fatal(err)
	}
	return p
}

func newKey(t *testing.T, alg string) *dpop.Key {
	t.Helper()
	k, err := dpop.GenerateKey(alg)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// jwtClaims decodes a JWT's payload without checking it.
func jwtClaims(t *testing.T, raw string) map[string]any {
	t.Helper()
	parts := strings.Split(raw, ".")
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// TestDPoPBindsTokens: a token request with a proof gets a DPoP token
// whose cnf.jkt is the key's thumbprint; introspection shows cnf; the
// confidential client's refresh token stays unbound; /userinfo takes the
// token only with the DPoP scheme and a proof by that key.
func TestDPoPBindsTokens(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	key, thief := newKey(t, "EdDSA"), newKey(t, "ES256")
	code := env.codeWith(map[string]string{"scope": "openid offline_access tracks:read"})
	form := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {redirectURI}, "code_verifier": {testVerifier}}
	resp, m := env.tokenWithProof("demo-client", "demo-secret", form, env.proof(key, "POST", "/token", ""))
	// covers: RFC 9449 §5
	if resp.StatusCode != 200 || m["token_type"] != "DPoP" {
		t.Fatalf("token with proof = %d %v, want 200 token_type DPoP", resp.StatusCode, m)
	}
	at := m["access_token"].(string)
	// covers: RFC 9449 §6.1
	if cnf, _ := jwtClaims(t, at)["cnf"].(map[string]any); cnf["jkt"] != key.Thumbprint() {
		t.Fatalf("access token cnf = %v, want jkt %s", cnf, key.Thumbprint())
	}
	in := env.introspect(at)
	if cnf, _ := in["cnf"].(map[string]any); cnf["jkt"] != key.Thumbprint() || in["token_type"] != "DPoP" {
		t.Fatalf("introspection = %v, want cnf.jkt and token_type DPoP", in)
	}
	// A confidential client's refresh token is not bound (RFC 9449 §5): a
	// refresh without a proof gets a Bearer token.
	resp, m = env.refresh(m["refresh_token"].(string))
	if resp.StatusCode != 200 || m["token_type"] != "Bearer" {
		t.Fatalf("confidential refresh without proof = %d %v, want a Bearer token", resp.StatusCode, m)
	}

	userinfo := func(scheme string, proofs ...string) *http.Response {
		req, _ := http.NewRequest(http.MethodGet, env.URL+"/userinfo", nil)
		req.Header.Set("Authorization", scheme+" "+at)
		for _, p := range proofs {
			req.Header.Add("DPoP", p)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	if resp := userinfo("DPoP", env.proof(key, "GET", "/userinfo", at)); resp.StatusCode != 200 {
		t.Fatalf("userinfo with DPoP = %d, want 200", resp.StatusCode)
	}
	// covers: RFC 9449 §7.1
	for name, resp := range map[string]*http.Response{
		"as Bearer":         userinfo("Bearer"),
		"thief's key":       userinfo("DPoP", env.proof(thief, "GET", "/userinfo", at)),
		"no proof":          userinfo("DPoP"),
		"proof for /token":  userinfo("DPoP", env.proof(key, "GET", "/token", at)),
		"proof for a POST":  userinfo("DPoP", env.proof(key, "POST", "/userinfo", at)),
		"proof without ath": userinfo("DPoP", env.proof(key, "GET", "/userinfo", "")),
	} {
		challenge := strings.Join(resp.Header.Values("WWW-Authenticate"), ", ")
		if resp.StatusCode != 401 || !strings.Contains(challenge, "DPoP error=") {
			t.Errorf("userinfo %s = %d %q, want 401 with a DPoP challenge", name, resp.StatusCode, challenge)
		}
	}
}

// TestDPoPForgedProofsAtToken: every kind of bad proof at /token is 400
// invalid_dpop_proof with a JSON body (RFC 9449 §5), and gets no token.
func TestDPoPForgedProofsAtToken(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	f := actortest.NewDPoPForger()
	tokenURL := env.URL + "/token"
	good := f.Proof("POST", tokenURL, "", nil)
	cases := []struct {
		name   string
		proofs []string
	}{
		{"wrong method", []string{f.Proof("GET", tokenURL, "", nil)}},
		{"wrong URL", []string{f.Proof("POST", env.URL+"/introspect", "", nil)}},
		{"another server", []string{f.Proof("POST", "https://evil.example/token", "", nil)}},
		{"old iat", []string{f.Proof("POST", tokenURL, "", func(_, c map[string]any) { c["iat"] = time.Now().Add(-10 * time.Minute).Unix() })}},
		{"future iat", []string{f.Proof("POST", tokenURL, "", func(_, c map[string]any) { c["iat"] = time.Now().Add(10 * time.Minute).Unix() })}},
		{"no jti", []string{f.Proof("POST", tokenURL, "", func(_, c map[string]any) { c["jti"] = nil })}},
		{"typ JWT", []string{f.Proof("POST", tokenURL, "", func(h, _ map[string]any) { h["typ"] = "JWT" })}},
		{"alg none", []string{f.Proof("POST", tokenURL, "", func(h, _ map[string]any) { h["alg"] = "none" })}},
		{"alg HS256", []string{f.Proof("POST", tokenURL, "", func(h, _ map[string]any) { h["alg"] = "HS256" })}},
		{"private key in jwk", []string{f.Proof("POST", tokenURL, "", func(h, _ map[string]any) {
			j := f.JWK()
			j["d"] = base64.RawURLEncoding.EncodeToString(f.Private.Seed())
			h["jwk"] = j
		})}},
		{"no jwk", []string{f.Proof("POST", tokenURL, "", func(h, _ map[string]any) { h["jwk"] = nil })}},
		{"forged signature", []string{good[:strings.LastIndex(good, ".")+1] + "AAAA"}},
		{"two proofs", []string{f.Proof("POST", tokenURL, "", nil), f.Proof("POST", tokenURL, "", nil)}},
		{"not a JWT", []string{"hello"}},
	}
	form := url.Values{"grant_type": {"client_credentials"}}
	for _, tc := range cases {
		resp, m := env.tokenWithProof("demo-machine", "machine-secret", form, tc.proofs...)
		// covers: RFC 9449 §4.3
		if resp.StatusCode != 400 || m["error"] != "invalid_dpop_proof" || m["access_token"] != nil {
			t.Errorf("%s: %d %v, want 400 invalid_dpop_proof", tc.name, resp.StatusCode, m)
		}
	}
	// The good proof works once (client_credentials is bound too) ...
	resp, m := env.tokenWithProof("demo-machine", "machine-secret", form, good)
	if resp.StatusCode != 200 || m["token_type"] != "DPoP" {
		t.Fatalf("good proof = %d %v, want a DPoP token", resp.StatusCode, m)
	}
	// ... and never again.
	// covers: RFC 9449 §11.1
	if resp, m := env.tokenWithProof("demo-machine", "machine-secret", form, good); resp.StatusCode != 400 || m["error"] != "invalid_dpop_proof" {
		t.Fatalf("replayed proof = %d %v, want 400 invalid_dpop_proof", resp.StatusCode, m)
	}
}

// TestDPoPJKTAtAuthorize: a code requested with dpop_jkt is redeemed only
// with a proof by that key (RFC 9449 §10), and a malformed dpop_jkt is
// refused at /authorize.
func TestDPoPJKTAtAuthorize(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	key, other := newKey(t, "ES256"), newKey(t, "EdDSA")
	code := env.codeWith(map[string]string{"dpop_jkt": key.Thumbprint()})
	form := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {redirectURI}, "code_verifier": {testVerifier}}
	// covers: RFC 9449 §10
	if resp, m := env.tokenWithProof("demo-client", "demo-secret", form); resp.StatusCode != 400 || m["error"] != "invalid_dpop_proof" {
		t.Fatalf("no proof = %d %v, want invalid_dpop_proof", resp.StatusCode, m)
	}
	if resp, m := env.tokenWithProof("demo-client", "demo-secret", form, env.proof(other, "POST", "/token", "")); resp.StatusCode != 400 || m["error"] != "invalid_dpop_proof" {
		t.Fatalf("another key = %d %v, want invalid_dpop_proof", resp.StatusCode, m)
	}
	if resp, m := env.tokenWithProof("demo-client", "demo-secret", form, env.proof(key, "POST", "/token", "")); resp.StatusCode != 200 || m["token_type"] != "DPoP" {
		t.Fatalf("the dpop_jkt key = %d %v, want a DPoP token", resp.StatusCode, m)
	}
	resp, err := env.browser().Get(env.authorizeURL(map[string]string{"dpop_jkt": "too-short"}))
	if err != nil {
		t.Fatal(err)
	}
	if q := env.redirectParams(resp); q.Get("error") != "invalid_request" {
		t.Fatalf("malformed dpop_jkt: redirect %v, want invalid_request", q)
	}
}

// TestDPoPPublicClientRefresh: a public client's refresh token is bound to
// its DPoP key, through every rotation (RFC 9449 §5).
func TestDPoPPublicClientRefresh(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	status, reg := env.register(map[string]any{"redirect_uris": []string{"http://127.0.0.1:5555/cb"},
		"token_endpoint_auth_method": "none", "grant_types": []string{"authorization_code", "refresh_token"}})
	if status != http.StatusCreated {
		t.Fatalf("register: %d %v", status, reg)
	}
	clientID := reg["client_id"].(string)
	key, thief := newKey(t, "EdDSA"), newKey(t, "EdDSA")
	verifier := oauth2.GenerateVerifier()
	b := env.browser()
	resp := env.login(b, env.authorizeURL(map[string]string{"client_id": clientID, "redirect_uri": "http://127.0.0.1:5555/cb",
		"code_challenge": oauth2.S256ChallengeFromVerifier(verifier), "code_challenge_method": "S256"}), "alice", "wonderland")
	if resp.StatusCode == http.StatusOK {
		resp = env.consent(b, resp, "approve")
	}
	resp.Body.Close()
	loc, _ := url.Parse(resp.Header.Get("Location"))
	form := url.Values{"grant_type": {"authorization_code"}, "code": {loc.Query().Get("code")}, "client_id": {clientID},
		"redirect_uri": {"http://127.0.0.1:5555/cb"}, "code_verifier": {verifier}}
	resp, m := env.tokenWithProof("", "", form, env.proof(key, "POST", "/token", ""))
	if resp.StatusCode != 200 || m["refresh_token"] == nil {
		t.Fatalf("public code exchange = %d %v", resp.StatusCode, m)
	}
	rt := m["refresh_token"].(string)
	refresh := func(proofs ...string) (*http.Response, map[string]any) {
		return env.tokenWithProof("", "", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}, "client_id": {clientID}}, proofs...)
	}
	// covers: RFC 9449 §5
	for name, proofs := range map[string][]string{"no proof": nil, "thief's key": {env.proof(thief, "POST", "/token", "")}} {
		if resp, m := refresh(proofs...); resp.StatusCode != 400 || m["error"] != "invalid_dpop_proof" {
			t.Fatalf("refresh with %s = %d %v, want invalid_dpop_proof", name, resp.StatusCode, m)
		}
	}
	for i := 0; i < 2; i++ { // the binding survives rotation
		resp, m := refresh(env.proof(key, "POST", "/token", ""))
		if resp.StatusCode != 200 || m["token_type"] != "DPoP" {
			t.Fatalf("refresh %d with the key = %d %v", i, resp.StatusCode, m)
		}
		rt = m["refresh_token"].(string)
	}
	if resp, m := refresh(env.proof(thief, "POST", "/token", "")); resp.StatusCode != 400 || m["error"] != "invalid_dpop_proof" {
		t.Fatalf("rotated token with the thief's key = %d %v, want invalid_dpop_proof", resp.StatusCode, m)
	}
}

// TestDPoPNonces: with nonces on, a proof without one is refused with
// use_dpop_nonce and a DPoP-Nonce header (RFC 9449 §8); the Transport
// retries with it and gets the token.
func TestDPoPNonces(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t, func(o *web.Options) { o.DPoP.NonceKey = []byte("0123456789abcdef0123456789abcdef") })
	key := newKey(t, "ES256")
	form := url.Values{"grant_type": {"client_credentials"}}
	resp, m := env.tokenWithProof("demo-machine", "machine-secret", form, env.proof(key, "POST", "/token", ""))
	// covers: RFC 9449 §8
	if resp.StatusCode != 400 || m["error"] != "use_dpop_nonce" || resp.Header.Get("DPoP-Nonce") == "" {
		t.Fatalf("proof without nonce = %d %v nonce %q, want use_dpop_nonce", resp.StatusCode, m, resp.Header.Get("DPoP-Nonce"))
	}
	nonce := resp.Header.Get("DPoP-Nonce")
	p, _ := key.Proof("POST", env.URL+"/token", "", nonce)
	if resp, m := env.tokenWithProof("demo-machine", "machine-secret", form, p); resp.StatusCode != 200 || m["token_type"] != "DPoP" {
		t.Fatalf("proof with nonce = %d %v", resp.StatusCode, m)
	}
	// The client library does the dance by itself.
	ctx := context.WithValue(context.Background(), oauth2.HTTPClient, &http.Client{Transport: &dpop.Transport{Key: key}})
	cfg := clientcredentials.Config{ClientID: "demo-machine", ClientSecret: "machine-secret", TokenURL: env.URL + "/token", AuthStyle: oauth2.AuthStyleInHeader}
	tok, err := cfg.Token(ctx)
	if err != nil || tok.Type() != "DPoP" {
		t.Fatalf("x/oauth2 through dpop.Transport: %v %v", tok, err)
	}
}

// TestDPoPMetadata: both metadata documents list the proof algorithms
// (RFC 9449 §5.1).
func TestDPoPMetadata(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	for _, path := range []string{"/.well-known/oauth-authorization-server", "/.well-known/openid-configuration"} {
		resp, err := http.Get(env.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		_ = json.Unmarshal([]byte(readBody(t, resp)), &m)
		algs, _ := m["dpop_signing_alg_values_supported"].([]any)
		// covers: RFC 9449 §5.1
		if len(algs) == 0 || algs[0] != "EdDSA" {
			t.Errorf("%s: dpop_signing_alg_values_supported = %v", path, m["dpop_signing_alg_values_supported"])
		}
	}
}
