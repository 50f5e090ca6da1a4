package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"golang.org/x/oauth2"
)

// TestNativeAppLoopbackAnyPort: RFC 8252 §7.3. A public client registered
// with a loopback IP redirect URI may come back on any port; everything
// else about the URI still matches exactly, "localhost" and confidential
// clients get no such leeway, and the token request must repeat the exact
// URI (port included) the code was sent to.
func TestNativeAppLoopbackAnyPort(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	register := func(redirect, auth string) string {
		resp, m := env.postJSON("/register", map[string]any{"redirect_uris": []string{redirect}, "token_endpoint_auth_method": auth})
		if resp.StatusCode != http.StatusCreated {
			t.Fatalf("register %s: %d %v", redirect, resp.StatusCode, m)
		}
		return m["client_id"].(string)
	}
	native4 := register("http://127.0.0.1:5555/cb", "none")
	native6 := register("http://[::1]:5555/cb", "none")
	nativeName := register("http://localhost:5555/cb", "none")
	confidential := register("http://127.0.0.1:5555/cb", "client_secret_basic")
	verifier := oauth2.GenerateVerifier()

	tests := []struct {
		name, client, redirect string
		accepted               bool
	}{
		{"registered port", native4, "http://127.0.0.1:5555/cb", true},
		{"another port", native4, "http://127.0.0.1:61234/cb", true},
		{"no port", native4, "http://127.0.0.1/cb", true},
		{"IPv6, another port", native6, "http://[::1]:61234/cb", true},
		{"another path", native4, "http://127.0.0.1:61234/other", false},
		{"an added query", native4, "http://127.0.0.1:61234/cb?x=1", false},
		{"another loopback address", native4, "http://127.0.0.2:61234/cb", false},
		{"https instead of http", native4, "https://127.0.0.1:61234/cb", false},
		{"localhost, another port", nativeName, "http://localhost:61234/cb", false},
		{"confidential client, another port", confidential, "http://127.0.0.1:61234/cb", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := url.Values{"client_id": {tt.client}, "redirect_uri": {tt.redirect}, "response_type": {"code"},
				"scope": {"tracks:read"}, "code_challenge": {oauth2.S256ChallengeFromVerifier(verifier)}, "code_challenge_method": {"S256"}}
			resp, err := env.browser().Get(env.URL + "/authorize?" + q.Encode())
			if err != nil {
				t.Fatal(err)
			}
			body := readBody(t, resp)
			if tt.accepted {
				// Accepted: the user is sent to sign in.
				if resp.StatusCode != http.StatusOK || !strings.Contains(body, `id="login"`) {
					t.Fatalf("status %d: want the sign-in page:\n%s", resp.StatusCode, body)
				}
				return
			}
			if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "redirect_uri is not registered") {
				t.Fatalf("status %d: want 400 redirect_uri is not registered:\n%s", resp.StatusCode, body)
			}
		})
	}

	t.Run("the token request repeats the exact URI", func(t *testing.T) {
		used := "http://127.0.0.1:61234/cb"
		q := url.Values{"client_id": {native4}, "redirect_uri": {used}, "response_type": {"code"},
			"scope": {"tracks:read"}, "code_challenge": {oauth2.S256ChallengeFromVerifier(verifier)}, "code_challenge_method": {"S256"}}
		b := env.browser()
		resp := env.login(b, env.URL+"/authorize?"+q.Encode(), "alice", "wonderland")
		resp = env.consent(b, resp, "approve")
		resp.Body.Close()
		loc, err := url.Parse(resp.Header.Get("Location"))
		if err != nil || loc.Host != "127.0.0.1:61234" || loc.Query().Get("code") == "" {
			t.Fatalf("want a code sent to port 61234, got %d %q", resp.StatusCode, resp.Header.Get("Location"))
		}
		code := loc.Query().Get("code")
		exchange := func(redirect string) (*http.Response, map[string]any) {
			return env.postForm("/token", "", "", url.Values{"grant_type": {"authorization_code"}, "code": {code},
				"client_id": {native4}, "redirect_uri": {redirect}, "code_verifier": {verifier}})
		}
		if resp, m := exchange("http://127.0.0.1:5555/cb"); resp.StatusCode != http.StatusBadRequest || m["error"] != "invalid_grant" {
			t.Fatalf("token request with the registered port: %d %v, want invalid_grant", resp.StatusCode, m)
		}
		if resp, m := exchange(used); resp.StatusCode != http.StatusOK || m["access_token"] == nil {
			t.Fatalf("token request with the exact URI: %d %v, want a token", resp.StatusCode, m)
		}
	})
}
