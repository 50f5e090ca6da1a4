package web

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/oauthlab/oauthlab/client/internal/identity/identitytest"
)

// oidcHarness is the client wired to a fake authorization server that also
// plays the OpenID Provider with a locally signed ID token.
type oidcHarness struct {
	*harness
	op          *identitytest.Provider
	userinfoSub string
}

func newOIDCHarness(t *testing.T) *oidcHarness {
	op := identitytest.NewProvider(t)
	h := &oidcHarness{op: op, userinfoSub: "demo-user-alice"}
	mux := http.NewServeMux()
	mux.HandleFunc("/.well-known/jwks.json", op.ServeJWKS)
	mux.HandleFunc("/userinfo", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer access-token-1-xxxxxxxxxxxx" {
			w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"sub": h.userinfoSub, "name": "Alice Liddell", "email": "alice@example.com", "email_verified": true})
	})
	h.harness = newHarness(t, &fakeAS{codeStatus: http.StatusOK, provider: mux}, topTracksAPI(http.StatusOK, "", `{"items":[]}`))
	return h
}

// start connects with scope and returns the state and nonce the client sent.
func (h *oidcHarness) start(scope ...string) (state, nonce string) {
	h.t.Helper()
	r := h.do(http.MethodPost, "/connect", url.Values{"scope": scope})
	u, err := url.Parse(r.header.Get("Location"))
	if r.status != http.StatusSeeOther || err != nil {
		h.t.Fatalf("connect = %d:\n%s", r.status, r.body)
	}
	return u.Query().Get("state"), u.Query().Get("nonce")
}

// answer makes the token endpoint return an ID token with claims.
func (h *oidcHarness) answer(claims jwt.MapClaims) {
	idToken := identitytest.Sign(h.t, jwt.SigningMethodRS256, h.op.Key, "JWT", claims)
	h.as.codeBody = `{"access_token":"access-token-1-xxxxxxxxxxxx","token_type":"Bearer","expires_in":600,"refresh_token":"refresh-token-1-xxxxxxxx",` +
		`"scope":"openid profile email offline_access playlists:write","id_token":"` + idToken + `"}`
}

func (h *oidcHarness) signIn() {
	h.t.Helper()
	state, nonce := h.start("openid", "profile", "email", "offline_access", "playlists:write")
	h.answer(identitytest.IDClaims(h.asSrv.URL, "demo-client", nonce, "access-token-1-xxxxxxxxxxxx", time.Now()))
	if r := h.callback(state, "good-code"); r.status != http.StatusSeeOther {
		h.t.Fatalf("callback = %d:\n%s", r.status, r.body)
	}
}

func TestSignInWithOpenIDConnect(t *testing.T) {
	h := newOIDCHarness(t)
	h.signIn()
	home := h.do(http.MethodGet, "/", nil)
	if !strings.Contains(home.body, "Signed in as Alice Liddell") {
		t.Fatalf("home page lacks the signed-in user:\n%s", home.body)
	}
	steps := strings.Join(h.steps(), " ")
	for _, kind := range []string{"access-token id-token nonce-check userinfo"} {
		if !strings.Contains(steps, kind) {
			t.Errorf("inspector steps %q lack %q", steps, kind)
		}
	}
	insp := h.do(http.MethodGet, "/inspector", nil).body
	for _, want := range []string{"nonce matches", "at_hash matches", "sub matches the ID token", "OpenID Connect Core §3.1.3.7", `data-protocol="OpenID Connect"`, `data-protocol="OAuth 2.0"`, "who the user is"} {
		if !strings.Contains(insp, want) {
			t.Errorf("inspector lacks %q", want)
		}
	}
}

func TestPlainOAuthSendsNoNonceAndSignsNobodyIn(t *testing.T) {
	h := newOIDCHarness(t)
	state, nonce := h.start("tracks:read")
	if nonce != "" {
		t.Fatalf("a request without openid sent nonce %q", nonce)
	}
	h.as.codeBody = goodToken
	if r := h.callback(state, "good-code"); r.status != http.StatusSeeOther {
		t.Fatalf("callback = %d:\n%s", r.status, r.body)
	}
	if home := h.do(http.MethodGet, "/", nil); strings.Contains(home.body, "Signed in as") || !strings.Contains(home.body, "Connected") {
		t.Fatalf("a plain OAuth connection shows:\n%s", home.body)
	}
}

// covers: OIDC Core §3.1.3.7
func TestRefusedSignIns(t *testing.T) {
	tests := []struct {
		name   string
		claims func(c jwt.MapClaims)
		noID   bool
		sub    string
		want   string
		step   string // a step the inspector must show
	}{
		{name: "wrong nonce", claims: func(c jwt.MapClaims) { c["nonce"] = "another" }, want: "nonce does not match", step: "nonce-check"},
		{name: "wrong audience", claims: func(c jwt.MapClaims) { c["aud"] = "http://localhost:9090" }, want: "The ID token was refused"},
		{name: "wrong at_hash", claims: func(c jwt.MapClaims) { c["at_hash"] = identitytest.AtHash("another") }, want: "at_hash"},
		{name: "no ID token", noID: true, want: "No ID token"},
		{name: "UserInfo about someone else", sub: "demo-user-bob", want: "UserInfo is about someone else"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newOIDCHarness(t)
			if tt.sub != "" {
				h.userinfoSub = tt.sub
			}
			state, nonce := h.start("openid", "profile", "playlists:write")
			claims := identitytest.IDClaims(h.asSrv.URL, "demo-client", nonce, "access-token-1-xxxxxxxxxxxx", time.Now())
			if tt.claims != nil {
				tt.claims(claims)
			}
			h.answer(claims)
			if tt.noID {
				h.as.codeBody = goodToken
			}
			r := h.callback(state, "good-code")
			if r.status != http.StatusBadGateway || !strings.Contains(r.body, tt.want) || !strings.Contains(r.body, `id="error"`) {
				t.Fatalf("callback = %d, want 502 with %q:\n%s", r.status, tt.want, r.body)
			}
			if n := h.as.revoked.Load(); n != 2 {
				t.Errorf("%d revocations, want 2 (the refresh and access token just received)", n)
			}
			if home := h.do(http.MethodGet, "/", nil); strings.Contains(home.body, "Signed in as") || strings.Contains(home.body, `class="badge ok"`) {
				t.Fatal("a refused sign-in left the session connected")
			}
			if steps := strings.Join(h.steps(), " "); tt.step != "" && !strings.Contains(steps, tt.step) {
				t.Errorf("inspector steps %q lack %s", steps, tt.step)
			}
		})
	}
}

// covers: OIDC Back-Channel Logout §2.6, OIDC Back-Channel Logout §2.5
func TestBackChannelLogoutEndsTheSession(t *testing.T) {
	h := newOIDCHarness(t)
	h.signIn()
	post := func(token string, header ...string) response {
		return h.do(http.MethodPost, "/backchannel-logout", url.Values{"logout_token": {token}}, header...)
	}
	logout := identitytest.Sign(t, jwt.SigningMethodRS256, h.op.Key, "logout+jwt", identitytest.LogoutClaims(h.asSrv.URL, "demo-client", "jti-1", time.Now()))
	// A server-to-server POST; even a Sec-Fetch-Site header would not stop
	// it, since the endpoint is exempt from the browser-form check.
	if r := post(logout, "Sec-Fetch-Site", "cross-site"); r.status != http.StatusOK || r.header.Get("Cache-Control") != "no-store" {
		t.Fatalf("logout = %d %v:\n%s", r.status, r.header, r.body)
	}
	if home := h.do(http.MethodGet, "/", nil); strings.Contains(home.body, "Signed in as") || strings.Contains(home.body, `class="badge ok"`) {
		t.Fatalf("the session survived the back-channel logout:\n%s", home.body)
	}
	if !strings.Contains(strings.Join(h.steps(), " "), "backchannel-logout") {
		t.Error("the inspector lacks the back-channel logout step")
	}

	idToken := identitytest.Sign(t, jwt.SigningMethodRS256, h.op.Key, "JWT", identitytest.IDClaims(h.asSrv.URL, "demo-client", "n", "a", time.Now()))
	for name, token := range map[string]string{"replayed": logout, "an ID token": idToken, "garbage": "x.y.z"} {
		r := post(token)
		var body struct{ Error string }
		_ = json.Unmarshal([]byte(r.body), &body)
		if r.status != http.StatusBadRequest || body.Error != "invalid_request" || r.header.Get("Cache-Control") != "no-store" {
			t.Errorf("%s logout token: %d %q, want 400 invalid_request no-store", name, r.status, r.body)
		}
	}
	// A good logout token in a body over 64 KB is refused unread.
	padded := identitytest.Sign(t, jwt.SigningMethodRS256, h.op.Key, "logout+jwt", identitytest.LogoutClaims(h.asSrv.URL, "demo-client", "jti-2", time.Now()))
	if r := h.do(http.MethodPost, "/backchannel-logout", url.Values{"logout_token": {padded}, "padding": {strings.Repeat("a", 70<<10)}}); r.status != http.StatusBadRequest {
		t.Errorf("a 70 KB body = %d, want 400", r.status)
	}
}

// covers: OIDC RP-Initiated Logout §2, OIDC RP-Initiated Logout §3
func TestSignOutEverywhere(t *testing.T) {
	h := newOIDCHarness(t)
	h.signIn()
	before := h.cookie(sessionCookie)
	if page := h.do(http.MethodGet, "/signout", nil); !strings.Contains(page.body, `id="signout-everywhere"`) || !strings.Contains(page.body, `id="leave"`) {
		t.Fatalf("sign-out page:\n%s", page.body)
	}
	r := h.do(http.MethodPost, "/signout/everywhere", url.Values{})
	loc, err := url.Parse(r.header.Get("Location"))
	if r.status != http.StatusSeeOther || err != nil || loc.Path != "/end_session" {
		t.Fatalf("sign out everywhere = %d, Location %q", r.status, r.header.Get("Location"))
	}
	q := loc.Query()
	if q.Get("id_token_hint") == "" || q.Get("client_id") != "demo-client" || q.Get("post_logout_redirect_uri") != "http://localhost:8080/signed-out" || q.Get("state") == "" {
		t.Fatalf("logout request %v", q)
	}
	if h.as.revoked.Load() != 2 {
		t.Errorf("%d revocations, want 2", h.as.revoked.Load())
	}
	if h.cookie(sessionCookie) == before {
		t.Error("the session id was not renewed")
	}
	if r := h.do(http.MethodGet, "/signed-out?state=forged", nil); r.status != http.StatusBadRequest {
		t.Fatalf("a forged state = %d", r.status)
	}
	if r := h.do(http.MethodGet, "/signed-out?state="+url.QueryEscape(q.Get("state")), nil); r.status != http.StatusOK || !strings.Contains(r.body, "Signed out everywhere") || strings.Contains(r.body, "Signed in as") {
		t.Fatalf("signed-out = %d:\n%s", r.status, r.body)
	}
	if r := h.do(http.MethodGet, "/signed-out?state="+url.QueryEscape(q.Get("state")), nil); r.status != http.StatusBadRequest {
		t.Fatalf("a spent state = %d, want 400", r.status)
	}
}

func TestRefreshVerifiesTheFreshIDToken(t *testing.T) {
	for _, tt := range []struct {
		name, sub, want string
	}{
		{"same user", "demo-user-alice", "A fresh ID token with the refreshed access token"},
		{"another user", "demo-user-bob", "The refreshed ID token was refused"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h := newOIDCHarness(t)
			state, nonce := h.start("openid", "profile", "offline_access", "tracks:read")
			h.answer(identitytest.IDClaims(h.asSrv.URL, "demo-client", nonce, "access-token-1-xxxxxxxxxxxx", time.Now()))
			// Expired at once: the next API call refreshes first.
			h.as.codeBody = strings.Replace(h.as.codeBody, `"expires_in":600`, `"expires_in":1`, 1)
			if r := h.callback(state, "good-code"); r.status != http.StatusSeeOther {
				t.Fatalf("callback = %d:\n%s", r.status, r.body)
			}
			claims := identitytest.IDClaims(h.asSrv.URL, "demo-client", "", "access-token-2-xxxxxxxxxxxx", time.Now())
			claims["sub"] = tt.sub
			idToken := identitytest.Sign(t, jwt.SigningMethodRS256, h.op.Key, "JWT", claims)
			h.as.refreshStatus = http.StatusOK
			h.as.refreshBody = `{"access_token":"access-token-2-xxxxxxxxxxxx","token_type":"Bearer","expires_in":600,"refresh_token":"refresh-token-2-xxxxxxxx","id_token":"` + idToken + `"}`
			h.do(http.MethodGet, "/tracks", nil)
			if h.as.refreshes.Load() != 1 {
				t.Fatalf("%d refreshes, want 1", h.as.refreshes.Load())
			}
			if insp := h.do(http.MethodGet, "/inspector", nil).body; !strings.Contains(insp, tt.want) {
				t.Fatalf("inspector lacks %q", tt.want)
			}
		})
	}
}
