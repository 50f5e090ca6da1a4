package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/oauthlab/oauthlab/authserver/internal/oauth"
)

const (
	musicAPI    = "http://localhost:9090"
	podcastsAPI = "http://localhost:9091"
)

// addTwoAPIClient registers a confidential client that may ask for scopes
// of both demo APIs.
func (e *testEnv) addTwoAPIClient() {
	e.t.Helper()
	hash, err := oauth.HashPassword("two-secret")
	if err != nil {
		e.t.Fatal(err)
	}
	err = e.DB.CreateClient(context.Background(), oauth.Client{
		ID: "two-apis", SecretHash: hash, Name: "Two APIs", RedirectURIs: []string{redirectURI},
		GrantTypes: []string{oauth.GrantAuthorizationCode, oauth.GrantRefreshToken},
		Scopes:     []string{"tracks:read", "playlists:read", "podcasts:read"},
		AuthMethod: oauth.AuthSecretBasic, Source: oauth.SourceCLI, CreatedAt: time.Now(),
	})
	if err != nil {
		e.t.Fatal(err)
	}
}

// resourceAuthorize runs /authorize for two-apis with the given scope and
// resources, and returns the redirect's query (a code or an error).
func (e *testEnv) resourceAuthorize(scope string, resources ...string) url.Values {
	e.t.Helper()
	q := url.Values{"client_id": {"two-apis"}, "redirect_uri": {redirectURI}, "response_type": {"code"},
		"state": {"s"}, "scope": {scope}, "resource": resources}
	pkce(q)
	b := e.browser()
	first, err := b.Get(e.URL + "/authorize?" + q.Encode())
	if err != nil {
		e.t.Fatal(err)
	}
	if first.StatusCode == http.StatusFound {
		return e.redirectParams(first) // an error sent at once
	}
	first.Body.Close()
	resp := e.login(b, e.URL+"/authorize?"+q.Encode(), "alice", "wonderland")
	if resp.StatusCode == http.StatusOK {
		resp = e.consent(b, resp, "approve")
	}
	return e.redirectParams(resp)
}

func (e *testEnv) resourceToken(form url.Values) (*http.Response, map[string]any) {
	e.t.Helper()
	return e.postForm("/token", "two-apis", "two-secret", form)
}

// audOf returns the access token's aud claim as a list.
// (The signature is checked by the tests of the default audience.)
func audOf(t *testing.T, _ *testEnv, raw string) []string {
	t.Helper()
	var claims jwt.MapClaims
	if _, _, err := jwt.NewParser().ParseUnverified(raw, &claims); err != nil {
		t.Fatal(err)
	}
	aud, err := claims.GetAudience()
	if err != nil {
		t.Fatal(err)
	}
	return aud
}

// TestResourceIndicators drives /authorize and /token with the resource
// parameter: the audience is exactly what was asked, an unknown or
// malformed resource is invalid_target, a token request may narrow and
// never widen, and a scope must belong to a requested resource.
func TestResourceIndicators(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	env.addTwoAPIClient()

	authorizeErrors := []struct {
		name, scope string
		resources   []string
		want        string
	}{
		// covers: RFC 8707 §2
		{"unknown resource", "tracks:read", []string{"http://localhost:9999"}, "invalid_target"},
		{"fragment", "tracks:read", []string{musicAPI + "#x"}, "invalid_target"},
		{"relative", "tracks:read", []string{"/v1"}, "invalid_target"},
		{"oversized", "tracks:read", []string{musicAPI + "/" + strings.Repeat("a", 3000)}, "invalid_target"},
		{"scope of another resource", "podcasts:read", []string{musicAPI}, "invalid_scope"},
		{"podcasts scope without resource", "podcasts:read", nil, "invalid_scope"},
	}
	for _, tt := range authorizeErrors {
		q := env.resourceAuthorize(tt.scope, tt.resources...)
		if q.Get("error") != tt.want {
			t.Errorf("/authorize %s: got %v, want error=%s", tt.name, q, tt.want)
		}
	}

	// No resource: the audience stays the music API (the contract).
	q := env.resourceAuthorize("tracks:read")
	resp, m := env.resourceToken(url.Values{"grant_type": {"authorization_code"}, "code": {q.Get("code")}, "redirect_uri": {redirectURI}, "code_verifier": {testVerifier}})
	if resp.StatusCode != 200 {
		t.Fatalf("default audience: %d %v", resp.StatusCode, m)
	}
	if aud := audOf(t, env, m["access_token"].(string)); len(aud) != 1 || aud[0] != musicAPI {
		t.Fatalf("aud without resource = %v, want %s", aud, musicAPI)
	}

	// Widening at /token: the code was for the music API only.
	q = env.resourceAuthorize("tracks:read", musicAPI)
	resp, m = env.resourceToken(url.Values{"grant_type": {"authorization_code"}, "code": {q.Get("code")},
		"redirect_uri": {redirectURI}, "resource": {podcastsAPI}, "code_verifier": {testVerifier}})
	if resp.StatusCode != 400 || m["error"] != "invalid_target" {
		t.Fatalf("widening at /token = %d %v, want invalid_target", resp.StatusCode, m)
	}

	// Two resources, then narrowing at /token and at refresh.
	q = env.resourceAuthorize("tracks:read podcasts:read", musicAPI, podcastsAPI)
	resp, m = env.resourceToken(url.Values{"grant_type": {"authorization_code"}, "code": {q.Get("code")},
		"redirect_uri": {redirectURI}, "resource": {podcastsAPI}, "code_verifier": {testVerifier}})
	if resp.StatusCode != 200 || m["scope"] != "podcasts:read" {
		t.Fatalf("narrowing at /token = %d %v, want podcasts:read", resp.StatusCode, m)
	}
	if aud := audOf(t, env, m["access_token"].(string)); len(aud) != 1 || aud[0] != podcastsAPI {
		t.Fatalf("narrowed aud = %v, want exactly %s", aud, podcastsAPI)
	}
	refresh := m["refresh_token"].(string)
	resp, m = env.resourceToken(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {refresh}, "resource": {musicAPI}})
	if resp.StatusCode != 200 || m["scope"] != "tracks:read" {
		t.Fatalf("refresh narrowed to music = %d %v", resp.StatusCode, m)
	}
	if aud := audOf(t, env, m["access_token"].(string)); len(aud) != 1 || aud[0] != musicAPI {
		t.Fatalf("refresh aud = %v, want %s", aud, musicAPI)
	}
	resp, m = env.resourceToken(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {m["refresh_token"].(string)}})
	if resp.StatusCode != 200 {
		t.Fatalf("refresh without resource = %d %v", resp.StatusCode, m)
	}
	if aud := audOf(t, env, m["access_token"].(string)); len(aud) != 2 {
		t.Fatalf("refresh without resource: aud = %v, want both resources", aud)
	}
	if in := env.introspect(m["access_token"].(string)); len(in["aud"].([]any)) != 2 {
		t.Fatalf("introspection aud = %v, want both resources", in["aud"])
	}
	resp, m = env.resourceToken(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {m["refresh_token"].(string)},
		"resource": {"http://localhost:9999"}})
	if resp.StatusCode != 400 || m["error"] != "invalid_target" {
		t.Fatalf("refresh to an unknown resource = %d %v, want invalid_target", resp.StatusCode, m)
	}
}

// TestResourceMetadataAndConsent checks the registry reaches the metadata
// and the consent page (which says which API each scope is for).
func TestResourceMetadataAndConsent(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	env.addTwoAPIClient()
	resp, err := http.Get(env.URL + "/.well-known/oauth-authorization-server")
	if err != nil {
		t.Fatal(err)
	}
	if body := readBody(t, resp); !strings.Contains(body, `"podcasts:read"`) {
		t.Fatalf("scopes_supported misses the podcasts scope: %s", body)
	}
	q := url.Values{"client_id": {"two-apis"}, "redirect_uri": {redirectURI}, "response_type": {"code"},
		"scope": {"tracks:read podcasts:read"}, "resource": {musicAPI, podcastsAPI}}
	pkce(q)
	resp = env.login(env.browser(), env.URL+"/authorize?"+q.Encode(), "alice", "wonderland")
	body := readBody(t, resp)
	if !strings.Contains(body, "Podcasts API") || !strings.Contains(body, "Music API") {
		t.Fatalf("the consent page does not name the APIs:\n%s", body)
	}
}
