package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/oauth2"
)

func (e *testEnv) exchange(code, verifier string) (*http.Response, map[string]any) {
	e.t.Helper()
	form := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {redirectURI}}
	if verifier == "" {
		verifier = testVerifier
	}
	form.Set("code_verifier", verifier)
	return e.postForm("/token", "demo-client", "demo-secret", form)
}

func (e *testEnv) refresh(token string, extra ...string) (*http.Response, map[string]any) {
	e.t.Helper()
	form := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {token}}
	for i := 0; i < len(extra); i += 2 {
		form.Set(extra[i], extra[i+1])
	}
	return e.postForm("/token", "demo-client", "demo-secret", form)
}

// TestCodeRace redeems one code from many goroutines at once: exactly one
// request wins (RFC 6749 §4.1.2: single use), and since the code was used
// twice, the winner's tokens are revoked too.
// covers: RFC 6749 §4.1.2
func TestCodeRace(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	verifier := oauth2.GenerateVerifier()
	code := env.code(oauth2.S256ChallengeFromVerifier(verifier))

	const n = 20
	var wg sync.WaitGroup
	start := make(chan struct{})
	type result struct {
		status int
		body   map[string]any
	}
	results := make([]result, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			resp, m := env.exchange(code, verifier)
			results[i] = result{resp.StatusCode, m}
		}()
	}
	close(start)
	wg.Wait()

	var winners []map[string]any
	for _, r := range results {
		switch {
		case r.status == http.StatusOK:
			winners = append(winners, r.body)
		case r.status == http.StatusBadRequest && r.body["error"] == "invalid_grant":
		default:
			t.Fatalf("unexpected response %d %v", r.status, r.body)
		}
	}
	if len(winners) != 1 {
		t.Fatalf("%d requests redeemed the code, want exactly 1", len(winners))
	}
	if in := env.introspect(winners[0]["access_token"].(string)); in["active"] != false {
		t.Fatalf("the code was used twice, so its tokens must be revoked; introspect = %v", in)
	}
	if resp, m := env.refresh(winners[0]["refresh_token"].(string)); resp.StatusCode != 400 || m["error"] != "invalid_grant" {
		t.Fatalf("refresh after code reuse = %d %v, want invalid_grant", resp.StatusCode, m)
	}
}

// TestCodeReuseRevokesTokens: a second use of a code fails and revokes what
// the first use got (RFC 6749 §4.1.2, RFC 9700 §4.5).
// covers: RFC 6749 §4.1.2
func TestCodeReuseRevokesTokens(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	code := env.code("")
	resp, first := env.exchange(code, "")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("first exchange: %d %v", resp.StatusCode, first)
	}
	if in := env.introspect(first["access_token"].(string)); in["active"] != true {
		t.Fatalf("fresh token inactive: %v", in)
	}
	resp, second := env.exchange(code, "")
	if resp.StatusCode != http.StatusBadRequest || second["error"] != "invalid_grant" {
		t.Fatalf("second exchange = %d %v, want invalid_grant", resp.StatusCode, second)
	}
	if in := env.introspect(first["access_token"].(string)); in["active"] != false {
		t.Fatalf("token of a reused code still active: %v", in)
	}
}

// covers: RFC 6749 §4.1.2
func TestCodeExpires(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	code := env.code("")
	env.advance(61 * time.Second) // CodeTTL is one minute
	resp, m := env.exchange(code, "")
	if resp.StatusCode != http.StatusBadRequest || m["error"] != "invalid_grant" {
		t.Fatalf("expired code = %d %v, want invalid_grant", resp.StatusCode, m)
	}
}

// TestRefreshRotation: every refresh returns a new refresh token; using a
// rotated one again revokes the whole family (RFC 9700 §4.14.2); the scope
// may narrow but never widen (RFC 6749 §6).
// covers: RFC 9700 §4.14.2, RFC 6749 §6
func TestRefreshRotation(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	_, tok := env.exchange(env.code(""), "")
	rt1 := tok["refresh_token"].(string)

	tests := []struct {
		name   string
		extra  []string
		status int
		err    string
		scope  string
	}{
		{name: "widen scope", extra: []string{"scope", "tracks:read playlists:write"}, status: 400, err: "invalid_scope"},
		{name: "unknown scope", extra: []string{"scope", "admin"}, status: 400, err: "invalid_scope"},
		{name: "empty scope", extra: []string{"scope", ""}, status: 400, err: "invalid_scope"},
		{name: "narrow scope", extra: []string{"scope", "tracks:read"}, status: 200, scope: "tracks:read"},
	}
	current := rt1
	for _, tt := range tests {
		resp, m := env.refresh(current, tt.extra...)
		if resp.StatusCode != tt.status || (tt.err != "" && m["error"] != tt.err) || (tt.scope != "" && m["scope"] != tt.scope) {
			t.Fatalf("%s: %d %v, want %d %s %s", tt.name, resp.StatusCode, m, tt.status, tt.err, tt.scope)
		}
		if resp.StatusCode == 200 {
			current = m["refresh_token"].(string)
		}
	}
	// The new refresh token keeps the original scope: it can get the wider
	// access token back.
	resp, m := env.refresh(current)
	if resp.StatusCode != 200 || m["scope"] != "tracks:read playlists:read" {
		t.Fatalf("refresh without scope = %d %v, want the original scope", resp.StatusCode, m)
	}
	latest, latestAT := m["refresh_token"].(string), m["access_token"].(string)

	// Reuse of the first (rotated) token: refused, and the family dies.
	resp, m = env.refresh(rt1)
	if resp.StatusCode != 400 || m["error"] != "invalid_grant" {
		t.Fatalf("reuse = %d %v, want invalid_grant", resp.StatusCode, m)
	}
	if resp, m := env.refresh(latest); resp.StatusCode != 400 || m["error"] != "invalid_grant" {
		t.Fatalf("latest token after reuse = %d %v, want invalid_grant (family revoked)", resp.StatusCode, m)
	}
	if in := env.introspect(latestAT); in["active"] != false {
		t.Fatalf("access token of a revoked family still active: %v", in)
	}
}

func TestClientCredentials(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	resp, m := env.postForm("/token", "demo-machine", "machine-secret", url.Values{"grant_type": {"client_credentials"}})
	if resp.StatusCode != 200 || m["scope"] != "charts:read" || m["refresh_token"] != nil || m["token_type"] != "Bearer" {
		t.Fatalf("client_credentials = %d %v, want charts:read and no refresh token", resp.StatusCode, m)
	}
	claims := verifyJWT(t, env, m["access_token"].(string))
	if claims["sub"] != "demo-machine" || claims["client_id"] != "demo-machine" {
		t.Fatalf("claims = %v, want sub and client_id demo-machine (RFC 9068 §2.2)", claims)
	}
	in := env.introspect(m["access_token"].(string))
	if in["active"] != true || in["client_id"] != "demo-machine" || in["username"] != nil {
		t.Fatalf("introspect = %v", in)
	}
	// RFC 7009: the client can revoke its own access token.
	resp, _ = env.postForm("/revoke", "demo-machine", "machine-secret", url.Values{"token": {m["access_token"].(string)}})
	if resp.StatusCode != 200 {
		t.Fatalf("revoke: %d", resp.StatusCode)
	}
	if in := env.introspect(m["access_token"].(string)); in["active"] != false {
		t.Fatalf("revoked access token still active: %v", in)
	}
}

// TestIntrospection: only authenticated confidential clients may ask, and
// expired, foreign and malformed tokens are simply inactive (RFC 7662).
func TestIntrospection(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	_, tok := env.exchange(env.code(""), "")
	at, rt := tok["access_token"].(string), tok["refresh_token"].(string)

	// RFC 7662 §4: who may learn what. A resource server (music-api) may
	// introspect any access token; other clients only their own tokens.
	callers := []struct {
		name, user, pass, token string
		active                  bool
	}{
		{"resource server, access token", "music-api", "music-api-secret", at, true},
		{"resource server, refresh token", "music-api", "music-api-secret", rt, false},
		{"own client, access token", "demo-client", "demo-secret", at, true},
		{"own client, refresh token", "demo-client", "demo-secret", rt, true},
		{"another client, access token", "demo-machine", "machine-secret", at, false},
		{"another client, refresh token", "demo-machine", "machine-secret", rt, false},
	}
	for _, c := range callers {
		resp, m := env.postForm("/introspect", c.user, c.pass, url.Values{"token": {c.token}})
		if resp.StatusCode != 200 || m["active"] != c.active {
			t.Errorf("%s: %d %v, want active=%v", c.name, resp.StatusCode, m, c.active)
		}
		if !c.active && len(m) != 1 {
			t.Errorf("%s: an inactive answer must say nothing else: %v", c.name, m)
		}
	}
	if _, m := env.postForm("/introspect", "demo-client", "demo-secret", url.Values{"token": {rt}}); m["token_type"] != "refresh_token" || m["sub"] != "demo-user-alice" {
		t.Fatalf("refresh token introspection = %v", m)
	}
	resp, m := env.postForm("/introspect", "", "", url.Values{"token": {at}})
	if resp.StatusCode != 401 || m["error"] != "invalid_client" || resp.Header.Get("WWW-Authenticate") == "" {
		t.Fatalf("unauthenticated introspection = %d %v, want 401 invalid_client", resp.StatusCode, m)
	}
	resp, m = env.postForm("/introspect", "music-api", "music-api-secret", url.Values{})
	if resp.StatusCode != 400 || m["error"] != "invalid_request" {
		t.Fatalf("introspection without token = %d %v, want invalid_request", resp.StatusCode, m)
	}

	// A token signed by someone else, with a made-up kid.
	foreign := "eyJhbGciOiJFUzI1NiIsImtpZCI6ImZvbyIsInR5cCI6ImF0K2p3dCJ9.eyJzdWIiOiJ4In0.c2ln"
	for name, token := range map[string]string{"foreign": foreign, "garbage": "not-a-token", "SQL": "' OR 1=1 --"} {
		if in := env.introspect(token); in["active"] != false || len(in) != 1 {
			t.Errorf("%s token: introspect = %v, want only active=false", name, in)
		}
	}
	env.advance(11 * time.Minute) // past the access token's 10 minutes
	if in := env.introspect(at); in["active"] != false {
		t.Fatalf("expired token: introspect = %v, want inactive", in)
	}
}

// TestRevokeOnlyOwnTokens: a client cannot revoke another client's token;
// the answer is the same 200 either way (RFC 7009 §2.2).
func TestRevokeOnlyOwnTokens(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	_, tok := env.exchange(env.code(""), "")
	for _, token := range []string{tok["access_token"].(string), tok["refresh_token"].(string), "unknown"} {
		resp, _ := env.postForm("/revoke", "demo-machine", "machine-secret", url.Values{"token": {token}})
		if resp.StatusCode != 200 {
			t.Fatalf("revoke by another client: %d, want 200", resp.StatusCode)
		}
	}
	if in := env.introspect(tok["access_token"].(string)); in["active"] != true {
		t.Fatalf("another client revoked our token: %v", in)
	}
	resp, m := env.postForm("/revoke", "demo-client", "demo-secret", url.Values{})
	if resp.StatusCode != 400 || m["error"] != "invalid_request" {
		t.Fatalf("revoke without token = %d %v", resp.StatusCode, m)
	}
	resp, m = env.postForm("/revoke", "demo-client", "wrong", url.Values{"token": {"x"}})
	if resp.StatusCode != 401 || m["error"] != "invalid_client" {
		t.Fatalf("revoke with a wrong secret = %d %v", resp.StatusCode, m)
	}
}

// TestRevokedBeforeExchange: when the user revokes the app between the
// redirect and the token request, the code no longer works.
func TestRevokedBeforeExchange(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	code := env.code("")
	if err := env.DB.RevokeConsent(t.Context(), "demo-user-alice", "demo-client", time.Now()); err != nil {
		t.Fatal(err)
	}
	resp, m := env.exchange(code, "")
	if resp.StatusCode != http.StatusBadRequest || m["error"] != "invalid_grant" {
		t.Fatalf("exchange after the user revoked the app = %d %v, want invalid_grant", resp.StatusCode, m)
	}
}

// TestPrompt: prompt=none never shows a page (login_required,
// consent_required, or a code); prompt=consent asks again, even across the
// sign-in page.
func TestPrompt(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	b := env.browser()

	// Signing in with prompt=consent still shows the consent page after.
	resp := env.login(b, env.authorizeURL(map[string]string{"prompt": "consent"}), "alice", "wonderland")
	if body := readBody(t, resp); !strings.Contains(body, `id="approve"`) {
		t.Fatalf("prompt=consent lost across sign-in: %d", resp.StatusCode)
	}

	resp, err := b.Get(env.authorizeURL(map[string]string{"prompt": "none"}))
	if err != nil {
		t.Fatal(err)
	}
	if q := env.redirectParams(resp); q.Get("error") != "consent_required" {
		t.Fatalf("prompt=none before consent: %v, want consent_required", q)
	}
	env.code("") // alice approves tracks:read playlists:read
	resp, err = b.Get(env.authorizeURL(map[string]string{"prompt": "none", "scope": "tracks:read"}))
	if err != nil {
		t.Fatal(err)
	}
	if q := env.redirectParams(resp); q.Get("code") == "" {
		t.Fatalf("prompt=none with consent given: %v, want a code", q)
	}
	resp, err = b.Get(env.authorizeURL(map[string]string{"prompt": "none login"}))
	if err != nil {
		t.Fatal(err)
	}
	if q := env.redirectParams(resp); q.Get("error") != "invalid_request" {
		t.Fatalf("prompt=none with another value: %v, want invalid_request", q)
	}
}
