package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// needsProvider skips a test while the authorization server is not yet an
// OpenID Provider (no discovery document).
func needsProvider(t *testing.T, s *system) {
	t.Helper()
	resp, err := http.Get(s.as.URL + "/.well-known/openid-configuration")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode == http.StatusNotFound {
		t.Skip("needs the OpenID Provider merge")
	}
}

// oidcScopes are the scopes of a sign-in: the client's default picker.
var oidcScopes = []string{"openid", "profile", "email", "offline_access", "playlists:write"}

// logoutTap sits between the authorization server and the client's
// back-channel logout endpoint: it passes every logout request on and keeps
// a copy, so that a test can replay one.
type logoutTap struct {
	srv    *httptest.Server
	mu     sync.Mutex
	bodies []string
}

func newLogoutTap(t *testing.T, clientURL *string) *logoutTap {
	tap := &logoutTap{}
	tap.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(io.LimitReader(r.Body, 64<<10))
		tap.mu.Lock()
		tap.bodies = append(tap.bodies, string(body))
		tap.mu.Unlock()
		resp, err := http.Post(*clientURL+"/backchannel-logout", r.Header.Get("Content-Type"), strings.NewReader(string(body)))
		if err != nil {
			w.WriteHeader(http.StatusBadGateway)
			return
		}
		defer resp.Body.Close()
		w.WriteHeader(resp.StatusCode)
		_, _ = io.Copy(w, resp.Body)
	}))
	t.Cleanup(tap.srv.Close)
	return tap
}

func (tap *logoutTap) last() string {
	tap.mu.Lock()
	defer tap.mu.Unlock()
	if len(tap.bodies) == 0 {
		return ""
	}
	return tap.bodies[len(tap.bodies)-1]
}

// startOIDCSystem starts the three actors with the client registered for
// both logouts; back-channel logouts go through the returned tap.
func startOIDCSystem(t *testing.T) (*system, *logoutTap) {
	t.Helper()
	var clientURL string
	tap := newLogoutTap(t, &clientURL)
	s := startSystemWith(t, func(client string) []string {
		clientURL = client
		// The provider must also accept this client's own
		// post_logout_redirect_uri, CLIENT_URL/signed-out, whose port is not
		// the contract's: the demo seed registers it beside the redirect URI.
		return []string{"AUTHSERVER_DEMO_BACKCHANNEL_LOGOUT_URI=" + tap.srv.URL}
	})
	return s, tap
}

// signedIn signs alice in with OpenID Connect and checks the result.
func signedIn(t *testing.T, s *system, b *browser) {
	t.Helper()
	home := s.connect(b, oidcScopes, "alice", "wonderland", "approve")
	wantPage(t, home, http.StatusOK, "Signed in as Alice Liddell")
	insp := b.get(s.client.URL + "/inspector")
	got := steps(insp.body)
	for _, kind := range []string{"id-token", "nonce-check", "userinfo"} {
		if count(got, kind) == 0 {
			t.Fatalf("inspector lacks a %s step; steps: %v", kind, got)
		}
	}
	wantPage(t, insp, http.StatusOK, "nonce matches", "sub matches the ID token")
}

func TestOpenIDConnectSignInAndRPInitiatedLogout(t *testing.T) {
	t.Parallel()
	s, _ := startOIDCSystem(t)
	needsProvider(t, s)
	b := newBrowser(t)
	signedIn(t, s, b)

	// Sign out everywhere: the browser goes to the provider's end_session
	// endpoint, confirms there if the provider asks (with a valid
	// id_token_hint it need not), and comes back to /signed-out.
	signout := b.get(s.client.URL + "/signout")
	out := b.post(s.client.URL+"/signout/everywhere", formAfter(t, signout.body, `action="/signout/everywhere"`))
	if action := regexp.MustCompile(`<form method="post" action="(/end_session[^"]*)"`).FindStringSubmatch(out.body); action != nil && strings.HasPrefix(out.url, s.as.URL) {
		out = b.post(s.as.URL+action[1], formAfter(t, out.body, `action="`+action[1]+`"`))
	}
	if !strings.HasPrefix(out.url, s.client.URL+"/signed-out?") {
		t.Fatalf("sign out everywhere ended at %s, want the client's post_logout_redirect_uri:\n%s", out.url, out.body)
	}
	wantPage(t, out, http.StatusOK, "Signed out everywhere")
	if strings.Contains(out.body, "Signed in as") {
		t.Fatal("still signed in after RP-initiated logout")
	}
	wantPage(t, b.get(s.client.URL+"/tracks"), http.StatusForbidden, "Not connected")
	// The provider's session ended too: connecting asks for the password.
	login := b.postClient(s.client.URL+"/connect", url.Values{"scope": oidcScopes})
	wantPage(t, login, http.StatusOK, `id="login"`)
}

func TestBackChannelLogoutFromTheAccountPage(t *testing.T) {
	t.Parallel()
	s, tap := startOIDCSystem(t)
	needsProvider(t, s)
	b := newBrowser(t)
	signedIn(t, s, b)

	// Signing out at the authorization server's account page makes it post
	// a logout token to the client, server to server.
	account := b.get(s.as.URL + "/account")
	b.post(s.as.URL+"/logout", formAfter(t, account.body, `action="/logout"`))
	deadline := time.Now().Add(10 * time.Second)
	for tap.last() == "" && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if tap.last() == "" {
		t.Fatal("the authorization server posted no logout token")
	}
	home := b.get(s.client.URL + "/")
	if strings.Contains(home.body, "Signed in as") || strings.Contains(home.body, `class="badge ok"`) {
		t.Fatalf("the client session survived the back-channel logout:\n%s", home.body)
	}
	if count(steps(b.get(s.client.URL+"/inspector").body), "backchannel-logout") == 0 {
		t.Error("the inspector lacks the back-channel logout step")
	}

	// The same logout token again is a replay.
	resp, err := http.Post(s.client.URL+"/backchannel-logout", "application/x-www-form-urlencoded", strings.NewReader(tap.last()))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(body), `"invalid_request"`) {
		t.Fatalf("a replayed logout token = %d %s, want 400 invalid_request", resp.StatusCode, body)
	}
}
