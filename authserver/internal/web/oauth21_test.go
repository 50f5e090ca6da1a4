package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/oauthlab/oauthlab/authserver/internal/oauth"
)

// TestPKCEForEveryClient: OAuth 2.1 requires PKCE of confidential clients
// too. demo-client (confidential) is refused without a code_challenge; a
// client the operator exempted (`clients add -allow-no-pkce`) gets a code
// without one, and a verifier sent for such a code is a downgrade attempt.
func TestPKCEForEveryClient(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	legacy := oauth.Client{ID: "legacy-app", Name: "Legacy app", RedirectURIs: []string{redirectURI},
		GrantTypes: []string{oauth.GrantAuthorizationCode}, Scopes: []string{"tracks:read"},
		AuthMethod: oauth.AuthSecretBasic, Source: oauth.SourceCLI, CreatedAt: time.Now(), PKCEOptional: true}
	var err error
	if legacy.SecretHash, err = oauth.HashPassword("legacy-secret"); err != nil {
		t.Fatal(err)
	}
	if err := env.DB.CreateClient(context.Background(), legacy); err != nil {
		t.Fatal(err)
	}

	// covers: RFC 9700 §2.1.1
	q := env.redirectParams(mustGet(t, env.browser(), env.authorizeURL(map[string]string{"code_challenge": "", "code_challenge_method": ""})))
	if q.Get("error") != "invalid_request" || q.Get("state") != "xyz" {
		t.Fatalf("confidential client without PKCE: %v, want invalid_request", q)
	}

	noPKCE := map[string]string{"client_id": "legacy-app", "scope": "tracks:read", "code_challenge": "", "code_challenge_method": ""}
	codeFor := func() string {
		b := env.browser()
		resp := env.login(b, env.authorizeURL(noPKCE), "alice", "wonderland")
		if resp.StatusCode == http.StatusOK {
			resp = env.consent(b, resp, "approve")
		}
		code := env.redirectParams(resp).Get("code")
		if code == "" {
			t.Fatalf("the exempted client got no code")
		}
		return code
	}
	exchange := func(code string, extra ...string) (*http.Response, map[string]any) {
		form := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {redirectURI}}
		for i := 0; i < len(extra); i += 2 {
			form.Set(extra[i], extra[i+1])
		}
		return env.postForm("/token", "legacy-app", "legacy-secret", form)
	}
	if resp, m := exchange(codeFor()); resp.StatusCode != http.StatusOK || m["access_token"] == nil {
		t.Fatalf("exempted client's exchange: %d %v", resp.StatusCode, m)
	}
	// covers: RFC 9700 §2.1.1
	resp, m := exchange(codeFor(), "code_verifier", oauth2.GenerateVerifier())
	if resp.StatusCode != http.StatusBadRequest || m["error"] != "invalid_grant" {
		t.Fatalf("verifier for a code without challenge: %d %v, want invalid_grant", resp.StatusCode, m)
	}
}

// TestNoTokensInQueryStrings: OAuth 2.1 removes the query-string method of
// RFC 6750 §2.3. /userinfo refuses a token there (400 invalid_request with
// a Bearer challenge) even when it is valid, rather than ignoring it.
func TestNoTokensInQueryStrings(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	tok := e.tokens(e.browser(), map[string]string{"scope": "openid offline_access"})
	// covers: RFC 6750 §2.3
	resp := mustGet(t, http.DefaultClient, e.URL+"/userinfo?"+url.Values{"access_token": {tok.AccessToken}}.Encode())
	body := readBody(t, resp)
	ch := resp.Header.Get("WWW-Authenticate")
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(ch, `error="invalid_request"`) || !strings.Contains(body, `"invalid_request"`) {
		t.Fatalf("token in the query: %d %q %s, want 400 invalid_request", resp.StatusCode, ch, body)
	}
	// The same token in the header works.
	if resp, m := e.userinfo(http.MethodGet, tok.AccessToken); resp.StatusCode != http.StatusOK {
		t.Fatalf("token in the header: %d %v", resp.StatusCode, m)
	}
}
