package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/oauthlab/oauthlab/authserver/internal/oauth"
)

// TestUnverifiedClientErrorsWaitForSignIn: RFC 9700 §4.11.2. A client that
// registered itself at /register with a redirect URI on the open internet
// could use deliberately bad requests to bounce users to its site through
// this server. Its errors are shown on a page until the user signed in;
// seeded and CLI clients, and loopback IP redirect URIs, still get the
// error by redirect at once.
// covers: RFC 9700 §4.11.2
func TestUnverifiedClientErrorsWaitForSignIn(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	register := func(redirect string) string {
		resp, m := env.postJSON("/register", map[string]any{"redirect_uris": []string{redirect}, "client_name": "Music Stats (demo client)"})
		if resp.StatusCode != http.StatusCreated {
			t.Fatalf("register %s: %d %v", redirect, resp.StatusCode, m)
		}
		return m["client_id"].(string)
	}
	cli := oauth.Client{ID: "cli-app", Name: "CLI app", RedirectURIs: []string{"https://cli-app.example/cb"},
		GrantTypes: []string{oauth.GrantAuthorizationCode}, Scopes: []string{"tracks:read"},
		AuthMethod: oauth.AuthSecretBasic, Source: oauth.SourceCLI, CreatedAt: time.Now()}
	if err := env.DB.CreateClient(context.Background(), cli); err != nil {
		t.Fatal(err)
	}
	clients := []struct {
		name, id, redirect string
		waits              bool
	}{
		{"registered, https", register("https://stats.example/cb"), "https://stats.example/cb", true},
		{"registered, localhost (a name, not an IP)", register("http://localhost:5555/cb"), "http://localhost:5555/cb", true},
		{"registered, 127.0.0.1", register("http://127.0.0.1:5555/cb"), "http://127.0.0.1:5555/cb", false},
		{"registered, [::1]", register("http://[::1]:5555/cb"), "http://[::1]:5555/cb", false},
		{"seeded", "demo-client", redirectURI, false},
		{"added with the CLI", "cli-app", "https://cli-app.example/cb", false},
	}
	variants := []struct {
		name, error string
		params      map[string]string
	}{
		{"bad scope", "invalid_scope", map[string]string{"scope": "admin"}},
		{"implicit grant", "unsupported_response_type", map[string]string{"response_type": "token"}},
		{"plain PKCE", "invalid_request", map[string]string{"code_challenge": strings.Repeat("a", 43), "code_challenge_method": "plain"}},
		{"prompt=none without a session", "login_required", map[string]string{"prompt": "none"}},
	}
	for _, cl := range clients {
		for _, v := range variants {
			t.Run(cl.name+"/"+v.name, func(t *testing.T) {
				q := pkce(url.Values{"client_id": {cl.id}, "redirect_uri": {cl.redirect}, "response_type": {"code"},
					"scope": {"tracks:read"}, "state": {"s1"}})
				for k, val := range v.params {
					q.Set(k, val)
				}
				resp, err := env.browser().Get(env.URL + "/authorize?" + q.Encode())
				if err != nil {
					t.Fatal(err)
				}
				body := readBody(t, resp)
				ru, _ := url.Parse(cl.redirect)
				if cl.waits {
					if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "unverified") ||
						!strings.Contains(body, "sent on to "+ru.Hostname()) {
						t.Fatalf("status %d, Location %q: want a 400 page naming the app unverified and its host:\n%s",
							resp.StatusCode, resp.Header.Get("Location"), body)
					}
					return
				}
				loc, _ := url.Parse(resp.Header.Get("Location"))
				if resp.StatusCode != http.StatusFound || loc == nil || loc.Query().Get("error") != v.error {
					t.Fatalf("status %d, Location %q: want 302 with error=%s", resp.StatusCode, resp.Header.Get("Location"), v.error)
				}
			})
		}
	}

	t.Run("after sign-in the error is redirected", func(t *testing.T) {
		b := env.browser()
		resp := env.login(b, env.URL+"/login", "alice", "wonderland")
		resp.Body.Close()
		q := pkce(url.Values{"client_id": {clients[0].id}, "redirect_uri": {clients[0].redirect}, "response_type": {"code"},
			"scope": {"admin"}, "state": {"s1"}})
		resp, err := b.Get(env.URL + "/authorize?" + q.Encode())
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		loc, _ := url.Parse(resp.Header.Get("Location"))
		if resp.StatusCode != http.StatusFound || loc == nil || loc.Host != "stats.example" || loc.Query().Get("error") != "invalid_scope" {
			t.Fatalf("signed in: status %d, Location %q: want 302 to stats.example with invalid_scope", resp.StatusCode, resp.Header.Get("Location"))
		}
	})
}
