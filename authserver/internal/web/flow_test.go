package web_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/MicahParks/keyfunc/v3"
	"github.com/golang-jwt/jwt/v5"
	"github.com/oauthlab/oauthlab/shared/actortest"
	"golang.org/x/oauth2"
)

// TestAuthorizationCodeGrant drives the whole grant over HTTP with the real
// golang.org/x/oauth2 client and a cookie jar: login, consent, code, token,
// JWT verification against the JWKS, refresh with rotation, introspection,
// revocation, remembered consent and the connected-apps page.
func TestAuthorizationCodeGrant(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	ctx := context.Background()
	conf := &oauth2.Config{
		ClientID: "demo-client", ClientSecret: "demo-secret", RedirectURL: redirectURI,
		Scopes: []string{"tracks:read", "playlists:read"},
		Endpoint: oauth2.Endpoint{
			AuthURL: env.URL + "/authorize", TokenURL: env.URL + "/token", AuthStyle: oauth2.AuthStyleInHeader,
		},
	}
	verifier := oauth2.GenerateVerifier()
	b := env.browser()

	// 1. The client sends the browser to /authorize; the user signs in and
	//    approves on the consent page, which names the client and scopes.
	resp := env.login(b, conf.AuthCodeURL("state-123", oauth2.S256ChallengeOption(verifier)), "alice", "wonderland")
	body := readBody(t, resp)
	for _, want := range []string{"Music Stats (demo client)", "See your most played tracks", `id="deny"`} {
		if !strings.Contains(body, want) {
			t.Fatalf("consent page lacks %q:\n%s", want, body)
		}
	}
	resp.Body = io.NopCloser(strings.NewReader(body))
	q := env.redirectParams(env.consent(b, resp, "approve"))

	// 2. The authorization response carries the code, the state unchanged
	//    and the issuer (RFC 9207).
	if q.Get("state") != "state-123" || q.Get("iss") != env.URL || q.Get("code") == "" {
		t.Fatalf("authorization response = %v, want code, state=state-123 and iss=%s", q, env.URL)
	}

	// 3. The client exchanges the code with its PKCE verifier.
	tok, err := conf.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatalf("exchange: %v", err)
	}
	if tok.TokenType != "Bearer" || tok.RefreshToken == "" || tok.Extra("scope") != "tracks:read playlists:read" {
		t.Fatalf("token response: type %q, refresh %q, scope %v", tok.TokenType, tok.RefreshToken, tok.Extra("scope"))
	}

	// 4. The access token is an RFC 9068 JWT that verifies against the JWKS.
	claims := verifyJWT(t, env, tok.AccessToken)
	want := map[string]any{
		"iss": env.URL, "sub": "demo-user-alice", "aud": "http://localhost:9090",
		"client_id": "demo-client", "scope": "tracks:read playlists:read",
	}
	for k, v := range want {
		if claims[k] != v {
			t.Errorf("claim %s = %v, want %v", k, claims[k], v)
		}
	}
	for _, k := range []string{"exp", "iat", "nbf", "jti"} {
		if _, ok := claims[k]; !ok {
			t.Errorf("claim %s missing", k)
		}
	}

	// 5. Introspection says it is active, for alice.
	if in := env.introspect(tok.AccessToken); in["active"] != true || in["sub"] != "demo-user-alice" || in["username"] != "alice" {
		t.Fatalf("introspect = %v, want active for alice", in)
	}

	// 6. Refresh: a new refresh token every time (rotation).
	expired := &oauth2.Token{RefreshToken: tok.RefreshToken}
	tok2, err := conf.TokenSource(ctx, expired).Token()
	if err != nil {
		t.Fatalf("refresh: %v", err)
	}
	if tok2.RefreshToken == "" || tok2.RefreshToken == tok.RefreshToken || tok2.AccessToken == tok.AccessToken {
		t.Fatal("refresh must return a new access token and a new refresh token")
	}

	// 7. Revoking the refresh token (RFC 7009) revokes the grant: its
	//    access tokens become inactive at once and it no longer refreshes.
	resp, _ = env.postForm("/revoke", "demo-client", "demo-secret", url.Values{"token": {tok2.RefreshToken}, "token_type_hint": {"refresh_token"}})
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("revoke: status %d", resp.StatusCode)
	}
	for _, at := range []string{tok.AccessToken, tok2.AccessToken} {
		if in := env.introspect(at); in["active"] != false || len(in) != 1 {
			t.Fatalf("introspect after revoke = %v, want only active=false", in)
		}
	}
	_, err = conf.TokenSource(ctx, &oauth2.Token{RefreshToken: tok2.RefreshToken}).Token()
	assertOAuthError(t, err, "invalid_grant")

	// 8. Consent is remembered: the next request skips the consent page.
	resp, err = b.Get(conf.AuthCodeURL("again", oauth2.S256ChallengeOption(verifier)))
	if err != nil {
		t.Fatal(err)
	}
	if q := env.redirectParams(resp); q.Get("code") == "" || q.Get("state") != "again" {
		t.Fatalf("second authorization = %v, want a code without consent", q)
	}
	// ... unless the client asks for consent again.
	resp, err = b.Get(conf.AuthCodeURL("s", oauth2.S256ChallengeOption(verifier), oauth2.SetAuthURLParam("prompt", "consent")))
	if err != nil {
		t.Fatal(err)
	}
	if body := readBody(t, resp); !strings.Contains(body, `id="approve"`) {
		t.Fatalf("prompt=consent must show the consent page, got %d", resp.StatusCode)
	}

	// 9. The connected-apps page lists the client; one click revokes it.
	tok3, err := conf.Exchange(ctx, env.code(oauth2.S256ChallengeFromVerifier(verifier)), oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatal(err)
	}
	resp, err = b.Get(env.URL + "/account")
	if err != nil {
		t.Fatal(err)
	}
	body = readBody(t, resp)
	if !strings.Contains(body, `data-client-id="demo-client"`) || !strings.Contains(body, `class="revoke`) || !strings.Contains(body, `id="logout"`) {
		t.Fatalf("account page lacks the app, its revoke button or logout:\n%s", body)
	}
	form := actortest.HiddenFields(body[strings.Index(body, `data-client-id="demo-client"`):])
	if form.Get("client_id") != "demo-client" {
		t.Fatalf("revoke form = %v", form)
	}
	resp, err = b.PostForm(env.URL+"/account/revoke", form)
	if err != nil {
		t.Fatal(err)
	}
	if body := readBody(t, resp); strings.Contains(body, `data-client-id="demo-client"`) {
		t.Fatal("the app is still listed after revoking it")
	}
	if in := env.introspect(tok3.AccessToken); in["active"] != false {
		t.Fatalf("access token still active after the user revoked the app: %v", in)
	}
	_, err = conf.TokenSource(ctx, &oauth2.Token{RefreshToken: tok3.RefreshToken}).Token()
	assertOAuthError(t, err, "invalid_grant")
}

func verifyJWT(t *testing.T, env *testEnv, raw string) jwt.MapClaims {
	t.Helper()
	resp, err := http.Get(env.URL + "/.well-known/jwks.json")
	if err != nil {
		t.Fatal(err)
	}
	kf, err := keyfunc.NewJWKSetJSON([]byte(readBody(t, resp)))
	if err != nil {
		t.Fatalf("JWKS: %v", err)
	}
	tok, err := jwt.Parse(raw, kf.Keyfunc, jwt.WithIssuer(env.URL), jwt.WithAudience("http://localhost:9090"),
		jwt.WithValidMethods([]string{"ES256", "EdDSA", "RS256", "PS256"}), jwt.WithExpirationRequired())
	if err != nil {
		t.Fatalf("access token does not verify against the JWKS: %v", err)
	}
	if tok.Header["typ"] != "at+jwt" || tok.Header["kid"] == nil {
		t.Fatalf("JWT header = %v, want typ at+jwt and a kid", tok.Header)
	}
	return tok.Claims.(jwt.MapClaims)
}

func assertOAuthError(t *testing.T, err error, code string) {
	t.Helper()
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) || re.ErrorCode != code {
		t.Fatalf("error = %v, want OAuth error %s", err, code)
	}
}
