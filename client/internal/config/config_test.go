package config

import (
	"fmt"
	"strings"
	"testing"
)

func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestLoadDefaults(t *testing.T) {
	c, err := Load(env(nil))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct{ name, got, want string }{
		{"Addr", c.Addr, ":8080"},
		{"URL", c.URL, "http://localhost:8080"},
		{"RedirectURI", c.RedirectURI(), "http://localhost:8080/callback"},
		{"Issuer", c.Issuer, "http://localhost:9000"},
		{"AuthorizeURL", c.AuthorizeURL, "http://localhost:9000/authorize"},
		{"TokenURL", c.TokenURL, "http://localhost:9000/token"},
		{"RevocationURL", c.RevocationURL, "http://localhost:9000/revoke"},
		{"APIURL", c.APIURL, "http://localhost:9090"},
		{"ClientID", c.ClientID, "demo-client"},
		{"ClientSecret", c.ClientSecret, "demo-secret"},
		{"MachineClientID", c.MachineClientID, "demo-machine"},
		{"MachineClientSecret", c.MachineClientSecret, "machine-secret"},
		{"DB", c.DB, "data/client.db"},
		{"JWKSURL", c.JWKSURL, "http://localhost:9000/.well-known/jwks.json"},
		{"UserInfoURL", c.UserInfoURL, "http://localhost:9000/userinfo"},
		{"EndSessionURL", c.EndSessionURL, "http://localhost:9000/end_session"},
		{"PostLogoutRedirectURI", c.PostLogoutRedirectURI(), "http://localhost:8080/signed-out"},
		{"Scopes", strings.Join(c.Scopes, " "), "tracks:read playlists:read playlists:write openid profile email offline_access"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s = %q, want %q", tt.name, tt.got, tt.want)
		}
	}
	if c.SecureCookies() {
		t.Error("SecureCookies() = true for an http URL")
	}
}

func TestLoadOverrides(t *testing.T) {
	c, err := Load(env(map[string]string{
		"CLIENT_URL":             "https://music.example/",
		"CLIENT_ISSUER":          "https://login.example",
		"CLIENT_TOKEN_URL":       "http://authserver:9000/token",
		"CLIENT_API_URL":         "http://resourceapi:9090",
		"CLIENT_TRUSTED_PROXIES": "127.0.0.1",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if c.URL != "https://music.example" || !c.SecureCookies() {
		t.Errorf("URL = %q, SecureCookies = %v", c.URL, c.SecureCookies())
	}
	// The browser-facing authorize URL follows the issuer; the back-channel
	// URLs are independent of it.
	if c.AuthorizeURL != "https://login.example/authorize" {
		t.Errorf("AuthorizeURL = %q", c.AuthorizeURL)
	}
	if c.TokenURL != "http://authserver:9000/token" || c.RevocationURL != "https://login.example/revoke" {
		t.Errorf("TokenURL = %q, RevocationURL = %q", c.TokenURL, c.RevocationURL)
	}
	if got := fmt.Sprint(c.TrustedProxies); got != "[127.0.0.1/32]" {
		t.Errorf("TrustedProxies = %s", got)
	}
}

func TestLoadReportsEveryProblem(t *testing.T) {
	_, err := Load(env(map[string]string{
		"CLIENT_URL":             "localhost:8080",
		"CLIENT_API_URL":         "ftp://x",
		"LOG_FORMAT":             "xml",
		"CLIENT_SCOPES":          "openid charts:read",
		"CLIENT_TRUSTED_PROXIES": "10.0.0.1/8",
	}))
	if err == nil {
		t.Fatal("Load accepted bad values")
	}
	for _, key := range []string{"CLIENT_URL", "CLIENT_API_URL", "LOG_FORMAT", "CLIENT_TRUSTED_PROXIES", "CLIENT_SCOPES: not a user scope of the music API nor an OpenID Connect scope: charts:read"} {
		if !strings.Contains(err.Error(), key) {
			t.Errorf("error does not mention %s: %v", key, err)
		}
	}
}
