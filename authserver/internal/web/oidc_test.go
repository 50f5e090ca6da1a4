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

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/oauthlab/oauthlab/shared/actortest"
	"golang.org/x/oauth2"
)

// oidcScope is what an OpenID Connect client of the music API asks for.
const oidcScope = "openid profile email offline_access tracks:read"

// oauth2Config is demo-client as the real x/oauth2 client sees it.
func (e *testEnv) oauth2Config(scope string) *oauth2.Config {
	return &oauth2.Config{
		ClientID: "demo-client", ClientSecret: "demo-secret", RedirectURL: redirectURI,
		Endpoint: oauth2.Endpoint{AuthURL: e.URL + "/authorize", TokenURL: e.URL + "/token", AuthStyle: oauth2.AuthStyleInHeader},
		Scopes:   strings.Fields(scope),
	}
}

// verifier is an independent OpenID Connect relying party (go-oidc) that
// discovers this server and checks its ID tokens for demo-client.
func (e *testEnv) verifier(algs ...string) *oidc.IDTokenVerifier {
	e.t.Helper()
	return e.verifierFor("demo-client", algs...)
}

// verifierFor is verifier for another client.
func (e *testEnv) verifierFor(clientID string, algs ...string) *oidc.IDTokenVerifier {
	e.t.Helper()
	p, err := oidc.NewProvider(context.Background(), e.URL)
	if err != nil {
		e.t.Fatalf("discovery: %v", err)
	}
	return p.Verifier(&oidc.Config{ClientID: clientID, Now: e.now, SupportedSigningAlgs: algs})
}

// signIn runs the front channel in browser b for params (added to
// authorizeURL), signing in as alice when asked and approving consent
// when asked, and returns the redirect's query.
func (e *testEnv) signIn(b *http.Client, params map[string]string) url.Values {
	e.t.Helper()
	resp, err := b.Get(e.authorizeURL(params))
	if err != nil {
		e.t.Fatal(err)
	}
	if resp.StatusCode == http.StatusOK {
		body := readBody(e.t, resp)
		if strings.Contains(body, `id="login"`) {
			resp = e.postPage(b, "/login", body, map[string]string{"username": "alice", "password": "wonderland"})
			if resp.StatusCode == http.StatusOK {
				body = readBody(e.t, resp)
			}
		}
		if strings.Contains(body, `id="approve"`) {
			resp = e.postPage(b, "/consent", body, map[string]string{"decision": "approve"})
		}
	}
	return e.redirectParams(resp)
}

// tokens runs the whole flow with PKCE and exchanges the code with x/oauth2.
func (e *testEnv) tokens(b *http.Client, params map[string]string) *oauth2.Token {
	e.t.Helper()
	verifier := oauth2.GenerateVerifier()
	if params == nil {
		params = map[string]string{}
	}
	params["code_challenge"], params["code_challenge_method"] = oauth2.S256ChallengeFromVerifier(verifier), "S256"
	scope := params["scope"]
	q := e.signIn(b, params)
	if q.Get("code") == "" {
		e.t.Fatalf("no code: %v", q)
	}
	tok, err := e.oauth2Config(scope).Exchange(context.Background(), q.Get("code"), oauth2.VerifierOption(verifier))
	if err != nil {
		e.t.Fatalf("exchange: %v", err)
	}
	return tok
}

func idTokenOf(t *testing.T, tok *oauth2.Token) string {
	t.Helper()
	raw, _ := tok.Extra("id_token").(string)
	return raw
}

// jwtParts decodes a JWT's header and claims without checking anything.
func jwtParts(t *testing.T, raw string) (header, claims map[string]any) {
	t.Helper()
	parts := strings.Split(raw, ".")
	if len(parts) != 3 {
		t.Fatalf("not a JWT: %q", raw)
	}
	for i, dst := range []*map[string]any{&header, &claims} {
		b, err := base64.RawURLEncoding.DecodeString(parts[i])
		if err != nil || json.Unmarshal(b, dst) != nil {
			t.Fatalf("bad JWT part %d", i)
		}
	}
	return header, claims
}

func TestIDTokenIsCheckedByAnIndependentRelyingParty(t *testing.T) {
	e := newTestEnv(t)
	tok := e.tokens(e.browser(), map[string]string{"scope": oidcScope, "nonce": "n-0S6_WzA2Mj"})
	raw := idTokenOf(t, tok)
	if raw == "" {
		t.Fatal("no id_token in the token response for an openid request")
	}
	idt, err := e.verifier().Verify(context.Background(), raw) // RS256 only, the default
	if err != nil {
		t.Fatalf("go-oidc refuses the ID token: %v", err)
	}
	if idt.Subject != "demo-user-alice" || idt.Nonce != "n-0S6_WzA2Mj" || len(idt.Audience) != 1 || idt.Audience[0] != "demo-client" {
		t.Errorf("sub %q nonce %q aud %v", idt.Subject, idt.Nonce, idt.Audience)
	}
	if err := idt.VerifyAccessToken(tok.AccessToken); err != nil {
		t.Errorf("at_hash: %v", err)
	}
	if exp := idt.Expiry.Sub(idt.IssuedAt); exp <= 0 || exp > 10*time.Minute {
		t.Errorf("ID token lifetime %v, want short", exp)
	}
	header, claims := jwtParts(t, raw)
	if header["typ"] != "JWT" || header["alg"] != "RS256" || header["kid"] == "" {
		t.Errorf("header %v", header)
	}
	if _, ok := claims["aud"].(string); !ok {
		t.Errorf("aud %v: want a single string", claims["aud"])
	}
	authTime, _ := claims["auth_time"].(float64)
	if authTime == 0 || time.Since(time.Unix(int64(authTime), 0)) > time.Minute {
		t.Errorf("auth_time %v", claims["auth_time"])
	}
	if sid, _ := claims["sid"].(string); sid == "" {
		t.Error("no sid")
	}
	for _, kept := range []string{"name", "email", "email_verified", "preferred_username", "azp"} {
		if _, ok := claims[kept]; ok {
			t.Errorf("ID token carries %s; profile claims come from /userinfo", kept)
		}
	}
}

// covers: OIDC Core §3.1.2.1
func TestIDTokenByScopeAndNonce(t *testing.T) {
	cases := []struct {
		scope, nonce string
		wantIDToken  bool
		wantRefresh  bool
	}{
		{"openid", "", true, false},
		{"openid", "abc", true, false},
		{"openid offline_access", "abc", true, true},
		{"openid profile tracks:read", "", true, false},
		// Plain OAuth keeps RFC 6749: a refresh token, no ID token.
		{"tracks:read", "", false, true},
		{"tracks:read", "abc", false, true},
	}
	e := newTestEnv(t)
	for _, tc := range cases {
		t.Run(tc.scope+"/"+tc.nonce, func(t *testing.T) {
			tok := e.tokens(e.browser(), map[string]string{"scope": tc.scope, "nonce": tc.nonce})
			raw := idTokenOf(t, tok)
			if (raw != "") != tc.wantIDToken {
				t.Fatalf("id_token present = %v, want %v", raw != "", tc.wantIDToken)
			}
			// OIDC Core §11: offline_access decides the refresh token.
			if (tok.RefreshToken != "") != tc.wantRefresh {
				t.Errorf("refresh token present = %v, want %v", tok.RefreshToken != "", tc.wantRefresh)
			}
			if raw == "" {
				return
			}
			_, claims := jwtParts(t, raw)
			if got, _ := claims["nonce"].(string); got != tc.nonce {
				t.Errorf("nonce %q, want %q", got, tc.nonce)
			}
		})
	}
}

func TestRefreshReturnsAFreshIDToken(t *testing.T) {
	e := newTestEnv(t)
	tok := e.tokens(e.browser(), map[string]string{"scope": "openid offline_access", "nonce": "first"})
	_, first := jwtParts(t, idTokenOf(t, tok))
	e.advance(2 * time.Minute)
	resp, m := e.postForm("/token", "demo-client", "demo-secret", url.Values{
		"grant_type": {"refresh_token"}, "refresh_token": {tok.RefreshToken}})
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("refresh: %d %v", resp.StatusCode, m)
	}
	raw, _ := m["id_token"].(string)
	if raw == "" {
		t.Fatal("no ID token on refresh of an openid grant")
	}
	if _, err := e.verifier().Verify(context.Background(), raw); err != nil {
		t.Fatalf("go-oidc: %v", err)
	}
	_, again := jwtParts(t, raw)
	// OIDC Core §12.2: same sub, the original auth_time, no nonce.
	if again["sub"] != first["sub"] || again["auth_time"] != first["auth_time"] {
		t.Errorf("refreshed sub/auth_time %v/%v, want %v/%v", again["sub"], again["auth_time"], first["sub"], first["auth_time"])
	}
	if _, ok := again["nonce"]; ok {
		t.Error("refreshed ID token carries a nonce")
	}
	if again["iat"] == first["iat"] {
		t.Error("the refreshed ID token is not fresh")
	}
}

// userinfo calls /userinfo with a Bearer token (none when token is empty).
func (e *testEnv) userinfo(method, token string) (*http.Response, map[string]any) {
	e.t.Helper()
	req, _ := http.NewRequest(method, e.URL+"/userinfo", nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	body := readBody(e.t, resp)
	var m map[string]any
	_ = json.Unmarshal([]byte(body), &m)
	return resp, m
}

func TestUserInfoByScope(t *testing.T) {
	cases := []struct {
		scope string
		want  map[string]any
	}{
		{"openid", map[string]any{"sub": "demo-user-alice"}},
		{"openid profile", map[string]any{"sub": "demo-user-alice", "name": "Alice Liddell", "preferred_username": "alice"}},
		{"openid email", map[string]any{"sub": "demo-user-alice", "email": "alice@example.com", "email_verified": true}},
	}
	e := newTestEnv(t)
	for _, tc := range cases {
		t.Run(tc.scope, func(t *testing.T) {
			tok := e.tokens(e.browser(), map[string]string{"scope": tc.scope})
			for _, method := range []string{http.MethodGet, http.MethodPost} {
				resp, got := e.userinfo(method, tok.AccessToken)
				if resp.StatusCode != http.StatusOK || len(got) != len(tc.want) {
					t.Fatalf("%s: %d %v, want %v", method, resp.StatusCode, got, tc.want)
				}
				for k, v := range tc.want {
					if got[k] != v {
						t.Errorf("%s: %s = %v, want %v", method, k, got[k], v)
					}
				}
			}
		})
	}
}

func TestUserInfoErrors(t *testing.T) {
	e := newTestEnv(t)
	oidcTok := e.tokens(e.browser(), map[string]string{"scope": "openid offline_access"})
	plainTok := e.tokens(e.browser(), map[string]string{"scope": "tracks:read"})
	revoked := e.tokens(e.browser(), map[string]string{"scope": "openid offline_access"})
	if resp, _ := e.postForm("/revoke", "demo-client", "demo-secret", url.Values{"token": {revoked.RefreshToken}}); resp.StatusCode != http.StatusOK {
		t.Fatalf("revoke: %d", resp.StatusCode)
	}
	cases := []struct {
		name, token string
		status      int
		challenge   string
	}{
		{"no token", "", http.StatusUnauthorized, `Bearer realm="authserver"`},
		{"garbage", "not-a-token", http.StatusUnauthorized, `error="invalid_token"`},
		{"ID token as access token", idTokenOf(t, oidcTok), http.StatusUnauthorized, `error="invalid_token"`},
		{"revoked grant", revoked.AccessToken, http.StatusUnauthorized, `error="invalid_token"`},
		{"no openid scope", plainTok.AccessToken, http.StatusForbidden, `error="insufficient_scope"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resp, m := e.userinfo(http.MethodGet, tc.token)
			ch := resp.Header.Get("WWW-Authenticate")
			if resp.StatusCode != tc.status || !strings.Contains(ch, tc.challenge) {
				t.Fatalf("%d %q %v, want %d with %q", resp.StatusCode, ch, m, tc.status, tc.challenge)
			}
			if tc.token == "" && strings.Contains(ch, "error=") {
				t.Errorf("RFC 6750 §3.1: no error code without a token, got %q", ch)
			}
		})
	}
}

// covers: RFC 9068 §4
func TestIDTokensAndAccessTokensNeverPassForEachOther(t *testing.T) {
	e := newTestEnv(t)
	tok := e.tokens(e.browser(), map[string]string{"scope": "openid offline_access"})
	idToken := idTokenOf(t, tok)
	if got := e.introspect(idToken); got["active"] != false {
		t.Errorf("introspection calls an ID token active: %v", got)
	}
	if resp, _ := e.postForm("/revoke", "demo-client", "demo-secret", url.Values{"token": {idToken}}); resp.StatusCode != http.StatusOK {
		t.Fatalf("revoke: %d", resp.StatusCode)
	}
	if got := e.introspect(tok.AccessToken); got["active"] != true {
		t.Errorf("revoking an ID token revoked the access token: %v", got)
	}
	// An access token is no id_token_hint.
	q := e.redirectParams(mustGet(t, e.browser(), e.authorizeURL(map[string]string{
		"scope": "openid", "prompt": "none", "id_token_hint": tok.AccessToken})))
	if q.Get("error") != "invalid_request" {
		t.Errorf("access token as id_token_hint: %v, want invalid_request", q)
	}
}

func mustGet(t testing.TB, b *http.Client, u string) *http.Response {
	t.Helper()
	resp, err := b.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

// postPage submits the form of page body (its hidden fields plus set) to path.
func (e *testEnv) postPage(b *http.Client, path, body string, set map[string]string) *http.Response {
	e.t.Helper()
	form := actortest.HiddenFields(body)
	for k, v := range set {
		form.Set(k, v)
	}
	resp, err := b.PostForm(e.URL+path, form)
	if err != nil {
		e.t.Fatal(err)
	}
	return resp
}
