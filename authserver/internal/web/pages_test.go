package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/oauthlab/oauthlab/authserver/internal/web"
	"github.com/oauthlab/oauthlab/shared/actortest"
)

func TestPagesHeaders(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	for _, path := range []string{"/login", "/", "/authorize?client_id=nope"} {
		resp, err := http.Get(env.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		h := resp.Header
		if h.Get("X-Frame-Options") != "DENY" || !strings.Contains(h.Get("Content-Security-Policy"), "frame-ancestors 'none'") {
			t.Errorf("%s: framing not forbidden: %v", path, h)
		}
		if h.Get("Cache-Control") != "no-store" {
			t.Errorf("%s: Cache-Control = %q, want no-store", path, h.Get("Cache-Control"))
		}
		for _, ck := range resp.Cookies() {
			if !strings.HasPrefix(ck.Name, "as_") || !ck.HttpOnly {
				t.Errorf("%s: cookie %s must start with as_ and be HttpOnly", path, ck.Name)
			}
		}
	}
}

// TestCSRF: every form post needs the token from our own page.
// covers: RFC 6749 §10.12
func TestCSRF(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	tests := []struct {
		name string
		path string
		form url.Values
	}{
		{"login without token", "/login", url.Values{"username": {"alice"}, "password": {"wonderland"}}},
		{"login with a wrong token", "/login", url.Values{"username": {"alice"}, "password": {"wonderland"}, "csrf_token": {"forged"}}},
		{"consent without token", "/consent", url.Values{"client_id": {"demo-client"}, "decision": {"approve"}}},
		{"revoke without token", "/account/revoke", url.Values{"client_id": {"demo-client"}}},
		{"logout without token", "/logout", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := env.browser()
			// Visit a page first so the browser holds a CSRF cookie.
			resp, err := b.Get(env.URL + "/login")
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			resp, err = b.PostForm(env.URL+tt.path, tt.form)
			if err != nil {
				t.Fatal(err)
			}
			body := readBody(t, resp)
			if resp.StatusCode != http.StatusForbidden && resp.StatusCode != http.StatusBadRequest {
				t.Fatalf("status %d, want 403 or 400", resp.StatusCode)
			}
			if !strings.Contains(body, `id="error"`) {
				t.Fatalf("want an error page, got:\n%s", body)
			}
		})
	}
}

func TestLogin(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	b := env.browser()
	try := func(user, pass, returnTo string) (*http.Response, string) {
		resp, err := b.Get(env.URL + "/login")
		if err != nil {
			t.Fatal(err)
		}
		form := actortest.HiddenFields(readBody(t, resp))
		form.Set("username", user)
		form.Set("password", pass)
		form.Set("return_to", returnTo)
		b.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
		defer func() { b.CheckRedirect = nil }()
		resp, err = b.PostForm(env.URL+"/login", form)
		if err != nil {
			t.Fatal(err)
		}
		return resp, readBody(t, resp)
	}

	resp, body := try("alice", "wrong", "/account")
	if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(body, `id="error"`) || strings.Contains(body, "wrong\"") {
		t.Fatalf("wrong password: %d", resp.StatusCode)
	}
	resp, _ = try("nobody", "x", "/account")
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("unknown user: %d, want 401 like a wrong password", resp.StatusCode)
	}

	// No open redirect: only our own pages are valid return_to targets.
	resp, _ = try("alice", "wonderland", "https://evil.example/")
	if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusSeeOther || loc != "/account" {
		t.Fatalf("return_to to another site: %d %q, want 303 to /account", resp.StatusCode, loc)
	}

	// Throttling: after 5 failures for bob, even the right password waits.
	for range 5 {
		try("bob", "wrong", "/account")
	}
	resp, body = try("bob", "builder", "/account")
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" || !strings.Contains(body, "Too many") {
		t.Fatalf("after 5 failures: %d, want 429 with Retry-After", resp.StatusCode)
	}
	// Other users are not affected.
	if resp, _ := try("alice", "wonderland", "/account"); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("alice blocked by bob's failures: %d", resp.StatusCode)
	}

	// Logout ends the session: the account page asks to sign in again.
	resp, err := b.Get(env.URL + "/account")
	if err != nil {
		t.Fatal(err)
	}
	form := actortest.HiddenFields(readBody(t, resp))
	if _, err := b.PostForm(env.URL+"/logout", url.Values{"csrf_token": {form.Get("csrf_token")}}); err != nil {
		t.Fatal(err)
	}
	resp, err = b.Get(env.URL + "/account")
	if err != nil {
		t.Fatal(err)
	}
	if body := readBody(t, resp); !strings.Contains(body, `id="login"`) {
		t.Fatal("after logout, /account must ask to sign in")
	}
}

func TestEndpointsRejectWrongMethods(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	tests := []struct{ method, path string }{
		{http.MethodGet, "/token"},
		{http.MethodGet, "/revoke"},
		{http.MethodGet, "/introspect"},
		{http.MethodGet, "/register"},
		{http.MethodPut, "/authorize"},
		{http.MethodDelete, "/.well-known/jwks.json"},
	}
	for _, tt := range tests {
		req, _ := http.NewRequest(tt.method, env.URL+tt.path, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusMethodNotAllowed {
			t.Errorf("%s %s: %d, want 405", tt.method, tt.path, resp.StatusCode)
		}
	}
}

// TestHSTS: Strict-Transport-Security when the issuer is https, never when
// it is plain http (RFC 6797 §7.2).
func TestHSTS(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		issuer string
		want   bool
	}{
		{"https://as.example", true},
		{"", false}, // the test server's own http URL
	} {
		env := newTestEnv(t, func(o *web.Options) {
			if tt.issuer != "" {
				o.Server.Issuer = tt.issuer
			}
		})
		for _, path := range []string{"/", "/.well-known/oauth-authorization-server"} {
			resp, err := http.Get(env.URL + path)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			got := resp.Header.Get("Strict-Transport-Security")
			if (got != "") != tt.want || (tt.want && !strings.HasPrefix(got, "max-age=")) {
				t.Errorf("issuer %q, %s: Strict-Transport-Security = %q, want set: %v", tt.issuer, path, got, tt.want)
			}
		}
	}
}
