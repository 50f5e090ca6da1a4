package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/oauthlab/oauthlab/authserver/internal/web"
	"github.com/oauthlab/oauthlab/shared/actortest"
)

// TestRegister covers RFC 7591: validation of redirect URIs and metadata,
// and the initial access token when one is configured.
func TestRegister(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	tests := []struct {
		name   string
		meta   map[string]any
		status int
		err    string
	}{
		{name: "confidential web app", meta: map[string]any{"redirect_uris": []string{"https://app.example/cb"}, "client_name": "App"}, status: 201},
		{name: "loopback http is fine", meta: map[string]any{"redirect_uris": []string{"http://127.0.0.1:5555/cb"}}, status: 201},
		{name: "machine client", meta: map[string]any{"grant_types": []string{"client_credentials"}, "scope": "charts:read"}, status: 201},
		// covers: RFC 8628 §3.1
		{name: "device client without redirect URI", meta: map[string]any{"grant_types": []string{"urn:ietf:params:oauth:grant-type:device_code"}, "token_endpoint_auth_method": "none", "scope": "tracks:read"}, status: 201},
		{name: "no redirect URI", meta: map[string]any{"client_name": "x"}, status: 400, err: "invalid_redirect_uri"},
		{name: "relative redirect URI", meta: map[string]any{"redirect_uris": []string{"/cb"}}, status: 400, err: "invalid_redirect_uri"},
		{name: "fragment", meta: map[string]any{"redirect_uris": []string{"https://app.example/cb#x"}}, status: 400, err: "invalid_redirect_uri"},
		{name: "plain http", meta: map[string]any{"redirect_uris": []string{"http://app.example/cb"}}, status: 400, err: "invalid_redirect_uri"},
		{name: "javascript scheme", meta: map[string]any{"redirect_uris": []string{"javascript://x/%0aalert(1)"}}, status: 400, err: "invalid_redirect_uri"},
		{name: "unknown grant", meta: map[string]any{"redirect_uris": []string{"https://a.example/cb"}, "grant_types": []string{"password"}}, status: 400, err: "invalid_client_metadata"},
		{name: "implicit", meta: map[string]any{"redirect_uris": []string{"https://a.example/cb"}, "response_types": []string{"token"}}, status: 400, err: "invalid_client_metadata"},
		{name: "unknown scope", meta: map[string]any{"redirect_uris": []string{"https://a.example/cb"}, "scope": "admin"}, status: 400, err: "invalid_client_metadata"},
		{name: "machine asking for user data", meta: map[string]any{"grant_types": []string{"client_credentials"}, "scope": "tracks:read"}, status: 400, err: "invalid_client_metadata"},
		{name: "public machine", meta: map[string]any{"grant_types": []string{"client_credentials"}, "token_endpoint_auth_method": "none"}, status: 400, err: "invalid_client_metadata"},
		{name: "wrong type", meta: map[string]any{"redirect_uris": "https://a.example/cb"}, status: 400, err: "invalid_client_metadata"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, m := env.postJSON("/register", tt.meta)
			if resp.StatusCode != tt.status || (tt.err != "" && m["error"] != tt.err) {
				t.Fatalf("%d %v, want %d %s", resp.StatusCode, m, tt.status, tt.err)
			}
			if tt.status == 201 && (m["client_id"] == "" || m["client_secret"] == "" || resp.Header.Get("Cache-Control") != "no-store") {
				t.Fatalf("registration response = %v", m)
			}
		})
	}

	t.Run("registered machine client gets tokens", func(t *testing.T) {
		_, m := env.postJSON("/register", map[string]any{"grant_types": []string{"client_credentials"}})
		resp, tok := env.postForm("/token", m["client_id"].(string), m["client_secret"].(string), url.Values{"grant_type": {"client_credentials"}})
		if resp.StatusCode != 200 || tok["scope"] != "charts:read" {
			t.Fatalf("token for a registered client: %d %v", resp.StatusCode, tok)
		}
	})

	t.Run("not JSON", func(t *testing.T) {
		resp, err := http.Post(env.URL+"/register", "text/plain", strings.NewReader("hello"))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 400 {
			t.Fatalf("status %d, want 400", resp.StatusCode)
		}
	})
}

func TestRegisterWithInitialAccessToken(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t, func(o *web.Options) { o.RegistrationToken = "let-me-in" })
	meta := `{"redirect_uris":["https://app.example/cb"]}`
	for _, tt := range []struct {
		auth   string
		status int
	}{{"", 401}, {"Bearer wrong", 401}, {"Basic bGV0LW1lLWlu", 401}, {"Bearer let-me-in", 201}} {
		req, _ := http.NewRequest(http.MethodPost, env.URL+"/register", strings.NewReader(meta))
		req.Header.Set("Content-Type", "application/json")
		if tt.auth != "" {
			req.Header.Set("Authorization", tt.auth)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tt.status {
			t.Fatalf("Authorization %q: %d, want %d", tt.auth, resp.StatusCode, tt.status)
		}
		if tt.status == 401 && !strings.Contains(resp.Header.Get("WWW-Authenticate"), "invalid_token") {
			t.Fatalf("401 without WWW-Authenticate Bearer error=invalid_token")
		}
	}
}

// TestRegisterIsRateLimited: each address may register only so many
// clients an hour (429 with Retry-After and an RFC 7591 error body); other
// addresses are not affected, and the limit lifts after the hour.
// covers: RFC 6585 §4
func TestRegisterIsRateLimited(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t, func(o *web.Options) { o.RegistrationsPerHour = 3 })
	meta := map[string]any{"redirect_uris": []string{"https://app.example/cb"}}
	for i := range 3 {
		if resp, m := env.postJSON("/register", meta); resp.StatusCode != http.StatusCreated {
			t.Fatalf("registration %d: %d %v", i+1, resp.StatusCode, m)
		}
	}
	resp, m := env.postJSON("/register", meta)
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" ||
		m["error"] != "temporarily_unavailable" || m["error_description"] == "" {
		t.Fatalf("4th registration: %d %v %v, want 429 with Retry-After and an error body", resp.StatusCode, resp.Header, m)
	}
	other := actortest.ClientFrom("127.0.0.2", nil)
	resp2, err := other.Post(env.URL+"/register", "application/json", strings.NewReader(`{"redirect_uris":["https://app.example/cb"]}`))
	if err != nil {
		t.Fatal(err)
	}
	resp2.Body.Close()
	if resp2.StatusCode != http.StatusCreated {
		t.Fatalf("another address: %d, want 201", resp2.StatusCode)
	}
	env.advance(time.Hour)
	if resp, m := env.postJSON("/register", meta); resp.StatusCode != http.StatusCreated {
		t.Fatalf("an hour later: %d %v, want 201", resp.StatusCode, m)
	}
}
