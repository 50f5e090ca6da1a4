package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestLookAlikeClients: a client that registered itself may call itself
// anything, even "Music Stats (demo client)". The sign-in and consent
// pages mark it unverified, and both pages show every client's redirect
// host, which a name cannot fake.
func TestLookAlikeClients(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	resp, m := env.postJSON("/register", map[string]any{
		"redirect_uris": []string{"https://stats.example/cb"}, "client_name": "Music Stats (demo client)",
	})
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("register: %d %v", resp.StatusCode, m)
	}
	fake := pkce(url.Values{"client_id": {m["client_id"].(string)}, "redirect_uri": {"https://stats.example/cb"},
		"response_type": {"code"}, "scope": {"tracks:read"}, "state": {"s"}})

	tests := []struct {
		name, authURL, host string
		unverified          bool
	}{
		{"registered look-alike", env.URL + "/authorize?" + fake.Encode(), "stats.example", true},
		{"seeded demo client", env.authorizeURL(map[string]string{"prompt": "consent"}), "localhost:8080", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := env.browser()
			resp, err := b.Get(tt.authURL)
			if err != nil {
				t.Fatal(err)
			}
			pages := map[string]string{"sign-in": readBody(t, resp)}
			resp = env.login(b, tt.authURL, "alice", "wonderland")
			pages["consent"] = readBody(t, resp)
			for page, body := range pages {
				if !strings.Contains(body, `<code id="redirect-host">`+tt.host+`</code>`) {
					t.Errorf("%s page does not show the redirect host %s:\n%s", page, tt.host, body)
				}
				if got := strings.Contains(body, `id="unverified"`); got != tt.unverified {
					t.Errorf("%s page: unverified warning shown = %v, want %v", page, got, tt.unverified)
				}
			}
		})
	}
}
