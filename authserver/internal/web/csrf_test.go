package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/oauthlab/oauthlab/authserver/internal/web"
	"github.com/oauthlab/oauthlab/shared/actortest"
)

// TestCSRFCookieTossing: a page on another port of the same host plants
// cookies in the victim's browser (cookie tossing) and posts each of the
// server's forms with a token that matches what it planted. None of the
// posts may change anything: the token is an HMAC of the session, not a
// copy of a cookie.
// covers: RFC 6749 §10.12
func TestCSRFCookieTossing(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	const planted = "planted-by-the-attacker"
	tosser := actortest.CookieTosser(t, "127.0.0.1",
		// The name of the old double-submit cookie, and of the new
		// pre-session cookie: neither may make a forged token good.
		&http.Cookie{Name: "as_csrf", Value: planted, HttpOnly: true},
		&http.Cookie{Name: "as_presession", Value: planted, HttpOnly: true},
	)
	consentForm := url.Values{
		"client_id": {"demo-client"}, "redirect_uri": {redirectURI}, "response_type": {"code"},
		"scope": {"tracks:read"}, "state": {"attacker"}, "decision": {"approve"},
	}
	tests := []struct {
		name     string
		signedIn bool
		path     string
		form     url.Values
	}{
		{"login (login CSRF)", false, "/login", url.Values{"username": {"bob"}, "password": {"builder"}, "return_to": {"/account"}}},
		{"consent", true, "/consent", consentForm},
		{"revoke", true, "/account/revoke", url.Values{"client_id": {"demo-client"}}},
		{"logout", true, "/logout", url.Values{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := env.browser()
			if tt.signedIn {
				// alice signs in and allows demo-client, as a real user would.
				resp := env.consent(b, followLogin(t, env, b), "approve")
				resp.Body.Close()
			} else if resp, err := b.Get(env.URL + "/login"); err == nil {
				resp.Body.Close()
			}
			b.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
			// alice visits the attacker's page on another port.
			resp, err := b.Get(tosser)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			// Its script posts the form, with the token it planted.
			form := url.Values{"csrf_token": {planted}}
			for k, v := range tt.form {
				form[k] = v
			}
			resp, err = b.PostForm(env.URL+tt.path, form)
			if err != nil {
				t.Fatal(err)
			}
			body := readBody(t, resp)
			if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, `id="error"`) {
				t.Fatalf("forged %s: status %d (Location %q), want 403 and an error page",
					tt.path, resp.StatusCode, resp.Header.Get("Location"))
			}
			if tt.signedIn {
				// Still signed in, and demo-client still connected.
				resp, err := b.Get(env.URL + "/account")
				if err != nil {
					t.Fatal(err)
				}
				if body := readBody(t, resp); !strings.Contains(body, `data-client-id="demo-client"`) {
					t.Fatalf("after the forged %s, alice's account page lost demo-client or the session:\n%s", tt.path, body)
				}
			}
		})
	}
}

// followLogin signs alice in from an authorization request that needs
// consent and returns the consent page.
func followLogin(t *testing.T, env *testEnv, b *http.Client) *http.Response {
	t.Helper()
	return env.login(b, env.authorizeURL(map[string]string{"prompt": "consent"}), "alice", "wonderland")
}

// TestCSRFFetchMetadataAndOrigin: a post with the right token is still
// refused when the browser says it came from another site or origin; from
// our own origin it works.
// covers: RFC 9700 §4.7
func TestCSRFFetchMetadataAndOrigin(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	tests := []struct {
		name       string
		header     string
		value      string
		wantStatus int
	}{
		{"same-site fetch", "Sec-Fetch-Site", "same-site", http.StatusForbidden},
		{"cross-site fetch", "Sec-Fetch-Site", "cross-site", http.StatusForbidden},
		{"another port of the same host", "Origin", "http://127.0.0.1:1", http.StatusForbidden},
		{"an opaque origin", "Origin", "null", http.StatusForbidden},
		{"same-origin fetch", "Sec-Fetch-Site", "same-origin", http.StatusSeeOther},
		{"our own origin", "Origin", "", http.StatusSeeOther}, // value filled in below
		{"no metadata (not a browser)", "", "", http.StatusSeeOther},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := env.browser()
			b.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
			resp, err := b.Get(env.URL + "/login")
			if err != nil {
				t.Fatal(err)
			}
			form := actortest.HiddenFields(readBody(t, resp))
			form.Set("username", "alice")
			form.Set("password", "wonderland")
			req, _ := http.NewRequest(http.MethodPost, env.URL+"/login", strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			switch {
			case tt.header == "Origin" && tt.value == "":
				req.Header.Set("Origin", env.URL)
			case tt.header != "":
				req.Header.Set(tt.header, tt.value)
			}
			resp, err = b.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body := readBody(t, resp)
			if resp.StatusCode != tt.wantStatus {
				t.Fatalf("status %d, want %d:\n%s", resp.StatusCode, tt.wantStatus, body)
			}
		})
	}
}

// TestHostPrefixedCookies: with an https issuer the cookies are Secure and
// named __Host-..., which no other host, port or subdomain can set; with
// plain http (the demo) they keep their plain names.
func TestHostPrefixedCookies(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		https bool
		want  string
	}{
		{true, "__Host-as_presession"},
		{false, "as_presession"},
	} {
		env := newTestEnv(t, func(o *web.Options) {
			if tt.https {
				o.Server.Issuer, o.CookieSecure = "https://as.example", true
			}
		})
		resp, err := http.Get(env.URL + "/login")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		cookies := resp.Cookies()
		if len(cookies) != 1 || cookies[0].Name != tt.want || cookies[0].Path != "/" || cookies[0].Secure != tt.https || cookies[0].Domain != "" {
			t.Fatalf("https issuer %v: cookies %v, want one %s with Path=/, no Domain, Secure=%v", tt.https, cookies, tt.want, tt.https)
		}
	}
}
