package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// validDescription is RFC 6749 §4.1.2.1 and §5.2's error_description
// character set: %x20-21 / %x23-5B / %x5D-7E.
func validDescription(s string) bool {
	for i := 0; i < len(s); i++ {
		b := s[i]
		if b < 0x20 || b > 0x7e || b == '"' || b == '\\' {
			return false
		}
	}
	return true
}

// TestErrorDescriptionCharacters: hostile input reaches every writer of
// error_description (token JSON, authorization redirect, registration
// JSON); what comes back is always within the allowed characters, and an
// attacker-chosen parameter name is never echoed.
func TestErrorDescriptionCharacters(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	const hostileName = "visit évil.example \"now\" \\ §"
	check := func(t *testing.T, where, desc string) {
		t.Helper()
		if desc == "" || !validDescription(desc) {
			t.Fatalf("%s: error_description %q is empty or has characters RFC 6749 §5.2 does not allow", where, desc)
		}
		if strings.Contains(desc, "evil") {
			t.Fatalf("%s: error_description %q echoes the attacker's parameter name", where, desc)
		}
	}

	t.Run("token endpoint, repeated hostile parameter", func(t *testing.T) {
		body := "grant_type=client_credentials&" + url.QueryEscape(hostileName) + "=1&" + url.QueryEscape(hostileName) + "=2"
		req, _ := http.NewRequest(http.MethodPost, env.URL+"/token", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.SetBasicAuth("demo-machine", "machine-secret")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b := readBody(t, resp)
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(b, `"invalid_request"`) {
			t.Fatalf("status %d: %s", resp.StatusCode, b)
		}
		desc := b[strings.Index(b, `"error_description":"`)+len(`"error_description":"`):]
		check(t, "/token", desc[:strings.Index(desc, `"`)])
	})

	t.Run("authorization redirect, repeated hostile parameter", func(t *testing.T) {
		q := env.authorizeURL(nil) + "&" + url.QueryEscape(hostileName) + "=1&" + url.QueryEscape(hostileName) + "=2"
		resp, err := env.browser().Get(q)
		if err != nil {
			t.Fatal(err)
		}
		params := env.redirectParams(resp)
		if params.Get("error") != "invalid_request" {
			t.Fatalf("redirect %v, want invalid_request", params)
		}
		check(t, "/authorize", params.Get("error_description"))
	})

	t.Run("authorization redirect, description citing a section", func(t *testing.T) {
		resp, err := env.browser().Get(env.authorizeURL(map[string]string{"scope": "tracks:read \x01"}))
		if err != nil {
			t.Fatal(err)
		}
		params := env.redirectParams(resp)
		check(t, "/authorize scope", params.Get("error_description"))
	})

	t.Run("registration, hostile redirect URI", func(t *testing.T) {
		resp, m := env.postJSON("/register", map[string]any{"redirect_uris": []string{"http://évil.example/\"\\§"}})
		if resp.StatusCode != http.StatusBadRequest {
			t.Fatalf("status %d %v", resp.StatusCode, m)
		}
		desc, _ := m["error_description"].(string)
		if desc == "" || !validDescription(desc) {
			t.Fatalf("/register: error_description %q has characters RFC 6749 §5.2 does not allow", desc)
		}
	})
}
