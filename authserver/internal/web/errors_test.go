package web_test

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"golang.org/x/oauth2"
)

// TestAuthorizeErrors covers RFC 6749 §4.1.2.1: errors about the client or
// redirect URI are shown on a page and never redirected; every other error
// is redirected to the client with error, state and iss (RFC 9207).
// covers: RFC 6749 §4.1.2.1, RFC 9700 §4.11.2
func TestAuthorizeErrors(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	challenge := oauth2.S256ChallengeFromVerifier(oauth2.GenerateVerifier())
	tests := []struct {
		name   string
		params map[string]string
		raw    string // extra raw query, for repeated parameters
		page   bool   // error shown on a page (400), not redirected
		code   string // error code in the redirect
	}{
		{name: "missing client_id", params: map[string]string{"client_id": ""}, page: true},
		{name: "unknown client_id", params: map[string]string{"client_id": "nope"}, page: true},
		{name: "SQL-looking client_id", params: map[string]string{"client_id": "x' OR '1'='1"}, page: true},
		{name: "unregistered redirect_uri", params: map[string]string{"redirect_uri": "https://evil.example/cb"}, page: true},
		{name: "redirect_uri differs by a slash", params: map[string]string{"redirect_uri": redirectURI + "/"}, page: true},
		{name: "redirect_uri with extra query", params: map[string]string{"redirect_uri": redirectURI + "?a=b"}, page: true},
		{name: "repeated client_id", raw: "&client_id=demo-client", page: true},
		{name: "repeated redirect_uri", raw: "&redirect_uri=" + url.QueryEscape(redirectURI), page: true},
		{name: "client without the code grant", params: map[string]string{"client_id": "demo-machine", "redirect_uri": ""}, page: true},
		{name: "missing response_type", params: map[string]string{"response_type": ""}, code: "invalid_request"},
		{name: "implicit grant", params: map[string]string{"response_type": "token"}, code: "unsupported_response_type"},
		{name: "unknown scope", params: map[string]string{"scope": "tracks:read admin"}, code: "invalid_scope"},
		{name: "scope not allowed for the client", params: map[string]string{"scope": "charts:read"}, code: "invalid_scope"},
		{name: "scope with forbidden characters", params: map[string]string{"scope": "tracks:read \"x\""}, code: "invalid_scope"},
		{name: "PKCE plain", params: map[string]string{"code_challenge": challenge, "code_challenge_method": "plain"}, code: "invalid_request"},
		{name: "PKCE without method means plain", params: map[string]string{"code_challenge": challenge, "code_challenge_method": ""}, code: "invalid_request"},
		{name: "PKCE malformed challenge", params: map[string]string{"code_challenge": "short", "code_challenge_method": "S256"}, code: "invalid_request"},
		{name: "PKCE method without challenge", params: map[string]string{"code_challenge": "", "code_challenge_method": "S256"}, code: "invalid_request"},
		// covers: RFC 9700 §2.1.1
		{name: "no PKCE from a confidential client (OAuth 2.1)", params: map[string]string{"code_challenge": "", "code_challenge_method": ""}, code: "invalid_request"},
		{name: "repeated scope", raw: "&scope=tracks:read", code: "invalid_request"},
		{name: "repeated state", raw: "&state=other", code: "invalid_request"},
		{name: "oversized parameter", params: map[string]string{"nonce": strings.Repeat("a", 5000)}, code: "invalid_request"},
		{name: "prompt=none when signed out", params: map[string]string{"prompt": "none"}, code: "login_required"},
	}
	client := env.browser()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := client.Get(env.authorizeURL(tt.params) + tt.raw)
			if err != nil {
				t.Fatal(err)
			}
			body := readBody(t, resp)
			if tt.page {
				if resp.StatusCode != http.StatusBadRequest || resp.Header.Get("Location") != "" {
					t.Fatalf("status %d, Location %q; want 400 and no redirect", resp.StatusCode, resp.Header.Get("Location"))
				}
				if !strings.Contains(body, `id="error"`) {
					t.Fatalf("error page lacks id=\"error\":\n%s", body)
				}
				return
			}
			if resp.StatusCode != http.StatusFound {
				t.Fatalf("status %d, want 302 to the client; body:\n%s", resp.StatusCode, body)
			}
			q := env.redirectParams(resp)
			wantState := "xyz"
			if tt.name == "repeated state" {
				wantState = ""
			}
			if q.Get("error") != tt.code || q.Get("state") != wantState || q.Get("iss") != env.URL || q.Get("error_description") == "" || q.Has("code") {
				t.Fatalf("redirect query = %v, want error=%s state=%q iss=%s", q, tt.code, wantState, env.URL)
			}
		})
	}

	t.Run("deny gives access_denied", func(t *testing.T) {
		b := env.browser()
		resp := env.login(b, env.authorizeURL(nil), "bob", "builder")
		q := env.redirectParams(env.consent(b, resp, "deny"))
		if q.Get("error") != "access_denied" || q.Get("state") != "xyz" || q.Get("iss") != env.URL {
			t.Fatalf("deny: redirect query = %v", q)
		}
	})

	t.Run("public client without PKCE", func(t *testing.T) {
		resp, m := env.postJSON("/register", map[string]any{
			"redirect_uris": []string{redirectURI}, "token_endpoint_auth_method": "none",
			"grant_types": []string{"authorization_code"}, "client_name": "SPA",
		})
		if resp.StatusCode != http.StatusCreated {
			t.Fatalf("register: %d %v", resp.StatusCode, m)
		}
		resp, err := client.Get(env.authorizeURL(map[string]string{"client_id": m["client_id"].(string), "code_challenge": "", "code_challenge_method": ""}))
		if err != nil {
			t.Fatal(err)
		}
		// A registered client with a non-IP redirect URI: the error is shown
		// on a page until the user signs in (RFC 9700 §4.11.2).
		if body := readBody(t, resp); resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "code_challenge is required") {
			t.Fatalf("public client without code_challenge: %d, want 400 and a page saying code_challenge is required:\n%s", resp.StatusCode, body)
		}
	})
}

// TestTokenErrors covers RFC 6749 §5.2 at the token endpoint: each error
// with its status, headers and JSON body.
func TestTokenErrors(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	verifier := oauth2.GenerateVerifier()
	codeWithPKCE := env.code(oauth2.S256ChallengeFromVerifier(verifier))
	codeOther := env.code("")
	basic := func(id, secret string) string {
		return "Basic " + base64.StdEncoding.EncodeToString([]byte(id+":"+secret))
	}
	demo := basic("demo-client", "demo-secret")
	_, other := env.postJSON("/register", map[string]any{"redirect_uris": []string{redirectURI}, "client_name": "Other app"})
	_, poster := env.postJSON("/register", map[string]any{"redirect_uris": []string{redirectURI}, "client_name": "Posting app", "token_endpoint_auth_method": "client_secret_post"})
	form := func(kv ...string) string {
		v := url.Values{}
		for i := 0; i < len(kv); i += 2 {
			v.Add(kv[i], kv[i+1])
		}
		return v.Encode()
	}
	const formType = "application/x-www-form-urlencoded"
	tests := []struct {
		name        string
		method      string
		contentType string
		auth        string
		body        string
		status      int
		code        string
		wwwAuth     bool
	}{
		{name: "GET is not allowed", method: http.MethodGet, status: 405, code: "invalid_request"},
		{name: "JSON body", contentType: "application/json", auth: demo, body: `{"grant_type":"client_credentials"}`, status: 400, code: "invalid_request"},
		{name: "no content type", contentType: "-", auth: demo, body: form("grant_type", "client_credentials"), status: 400, code: "invalid_request"},
		{name: "repeated parameter", auth: demo, body: form("grant_type", "authorization_code", "code", "a", "code", "b"), status: 400, code: "invalid_request"},
		{name: "oversized body", auth: demo, body: form("grant_type", "authorization_code", "code", strings.Repeat("a", 70<<10)), status: 400, code: "invalid_request"},
		{name: "no client authentication", body: form("grant_type", "authorization_code", "code", "x"), status: 401, code: "invalid_client", wwwAuth: true},
		{name: "wrong secret (basic)", auth: basic("demo-client", "wrong"), body: form("grant_type", "authorization_code", "code", "x"), status: 401, code: "invalid_client", wwwAuth: true},
		{name: "wrong secret (post)", body: form("grant_type", "authorization_code", "code", "x", "client_id", "demo-client", "client_secret", "wrong"), status: 401, code: "invalid_client", wwwAuth: true},
		{name: "unknown client", auth: basic("nobody", "x"), body: form("grant_type", "client_credentials"), status: 401, code: "invalid_client", wwwAuth: true},
		{name: "SQL-looking client id", auth: basic("' OR 1=1 --", "x"), body: form("grant_type", "client_credentials"), status: 401, code: "invalid_client", wwwAuth: true},
		{name: "bearer instead of basic", auth: "Bearer abc", body: form("grant_type", "client_credentials"), status: 401, code: "invalid_client", wwwAuth: true},
		{name: "malformed basic", auth: "Basic !!!", body: form("grant_type", "client_credentials"), status: 401, code: "invalid_client", wwwAuth: true},
		{name: "two authentication methods", auth: demo, body: form("grant_type", "authorization_code", "code", "x", "client_secret", "demo-secret"), status: 400, code: "invalid_request"},
		{name: "missing grant_type", auth: demo, body: form("code", "x"), status: 400, code: "invalid_request"},
		{name: "unknown grant_type", auth: demo, body: form("grant_type", "password", "username", "alice", "password", "wonderland"), status: 400, code: "unsupported_grant_type"},
		{name: "grant the client did not register", auth: demo, body: form("grant_type", "client_credentials"), status: 400, code: "unauthorized_client"},
		{name: "missing code", auth: demo, body: form("grant_type", "authorization_code", "redirect_uri", redirectURI), status: 400, code: "invalid_request"},
		{name: "unknown code", auth: demo, body: form("grant_type", "authorization_code", "code", "made-up", "redirect_uri", redirectURI), status: 400, code: "invalid_grant"},
		{name: "missing redirect_uri", auth: demo, body: form("grant_type", "authorization_code", "code", codeWithPKCE, "code_verifier", verifier), status: 400, code: "invalid_grant"},
		{name: "wrong redirect_uri", auth: demo, body: form("grant_type", "authorization_code", "code", codeWithPKCE, "code_verifier", verifier, "redirect_uri", redirectURI+"x"), status: 400, code: "invalid_grant"},
		{name: "missing code_verifier", auth: demo, body: form("grant_type", "authorization_code", "code", codeWithPKCE, "redirect_uri", redirectURI), status: 400, code: "invalid_grant"},
		{name: "wrong code_verifier", auth: demo, body: form("grant_type", "authorization_code", "code", codeWithPKCE, "redirect_uri", redirectURI, "code_verifier", oauth2.GenerateVerifier()), status: 400, code: "invalid_grant"},
		{name: "malformed code_verifier", auth: demo, body: form("grant_type", "authorization_code", "code", codeWithPKCE, "redirect_uri", redirectURI, "code_verifier", "short"), status: 400, code: "invalid_grant"},
		// The downgrade (a verifier for a code without challenge) is in TestPKCEForEveryClient.
		{name: "verifier of another code", auth: demo, body: form("grant_type", "authorization_code", "code", codeOther, "redirect_uri", redirectURI, "code_verifier", verifier), status: 400, code: "invalid_grant"},
		{name: "client not registered for the code grant", auth: basic("demo-machine", "machine-secret"), body: form("grant_type", "authorization_code", "code", codeWithPKCE), status: 400, code: "unauthorized_client"},
		{name: "code of another client", auth: basic(other["client_id"].(string), other["client_secret"].(string)), body: form("grant_type", "authorization_code", "code", codeWithPKCE, "redirect_uri", redirectURI, "code_verifier", verifier), status: 400, code: "invalid_grant"},
		{name: "client_secret_post for a client registered with client_secret_basic", body: form("grant_type", "authorization_code", "code", "nope", "client_id", "demo-client", "client_secret", "demo-secret"), status: 401, code: "invalid_client", wwwAuth: true},
		{name: "client_secret_post works for a client registered with it, but not for a wrong code", body: form("grant_type", "authorization_code", "code", "nope", "client_id", poster["client_id"].(string), "client_secret", poster["client_secret"].(string)), status: 400, code: "invalid_grant"},
		{name: "basic for a client registered with client_secret_post", auth: basic(poster["client_id"].(string), poster["client_secret"].(string)), body: form("grant_type", "authorization_code", "code", "nope"), status: 401, code: "invalid_client", wwwAuth: true},
		{name: "missing refresh_token", auth: demo, body: form("grant_type", "refresh_token"), status: 400, code: "invalid_request"},
		{name: "unknown refresh_token", auth: demo, body: form("grant_type", "refresh_token", "refresh_token", "nope"), status: 400, code: "invalid_grant"},
		{name: "client_credentials with a user scope", auth: basic("demo-machine", "machine-secret"), body: form("grant_type", "client_credentials", "scope", "tracks:read"), status: 400, code: "invalid_scope"},
		{name: "client_credentials with an unknown scope", auth: basic("demo-machine", "machine-secret"), body: form("grant_type", "client_credentials", "scope", "root"), status: 400, code: "invalid_scope"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			method := tt.method
			if method == "" {
				method = http.MethodPost
			}
			req, _ := http.NewRequest(method, env.URL+"/token", strings.NewReader(tt.body))
			switch tt.contentType {
			case "":
				req.Header.Set("Content-Type", formType)
			case "-":
			default:
				req.Header.Set("Content-Type", tt.contentType)
			}
			if tt.auth != "" {
				req.Header.Set("Authorization", tt.auth)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body := readBody(t, resp)
			if resp.StatusCode != tt.status {
				t.Fatalf("status = %d, want %d; body %s", resp.StatusCode, tt.status, body)
			}
			var got struct {
				Error       string `json:"error"`
				Description string `json:"error_description"`
			}
			if err := json.Unmarshal([]byte(body), &got); err != nil || got.Error != tt.code {
				t.Fatalf("body = %s, want error %q", body, tt.code)
			}
			if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
				t.Errorf("Content-Type = %q, want application/json", ct)
			}
			if cc := resp.Header.Get("Cache-Control"); cc != "no-store" {
				t.Errorf("Cache-Control = %q, want no-store", cc)
			}
			if got := resp.Header.Get("WWW-Authenticate"); (got != "") != tt.wwwAuth || (tt.wwwAuth && got != `Basic realm="authserver"`) {
				t.Errorf("WWW-Authenticate = %q, want it set: %v", got, tt.wwwAuth)
			}
		})
	}

	// The failed attempts above did not burn the code: the right request
	// still redeems it (checks come before the single-use update).
	resp, m := env.postForm("/token", "demo-client", "demo-secret", url.Values{
		"grant_type": {"authorization_code"}, "code": {codeWithPKCE}, "redirect_uri": {redirectURI}, "code_verifier": {verifier},
	})
	if resp.StatusCode != http.StatusOK || m["access_token"] == nil {
		t.Fatalf("valid exchange after failed ones: %d %v", resp.StatusCode, m)
	}
}

func (e *testEnv) postJSON(path string, v any) (*http.Response, map[string]any) {
	e.t.Helper()
	b, _ := json.Marshal(v)
	resp, err := http.Post(e.URL+path, "application/json", strings.NewReader(string(b)))
	if err != nil {
		e.t.Fatal(err)
	}
	body := readBody(e.t, resp)
	var m map[string]any
	if err := json.Unmarshal([]byte(body), &m); err != nil {
		e.t.Fatalf("POST %s: not JSON: %q", path, body)
	}
	return resp, m
}
