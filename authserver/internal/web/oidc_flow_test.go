package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/oauthlab/oauthlab/authserver/internal/web"
	"github.com/oauthlab/oauthlab/shared/actortest"
)

// outcome says where an authorization request ended: "login" or "consent"
// for those pages, or the error code or "code" of the redirect.
func (e *testEnv) outcome(b *http.Client, params map[string]string) (string, string) {
	e.t.Helper()
	resp := mustGet(e.t, b, e.authorizeURL(params))
	if resp.StatusCode == http.StatusOK {
		body := readBody(e.t, resp)
		switch {
		case strings.Contains(body, `id="login"`):
			return "login", body
		case strings.Contains(body, `id="approve"`):
			return "consent", body
		}
		e.t.Fatalf("unexpected page:\n%s", body)
	}
	q := e.redirectParams(resp)
	if q.Get("error") != "" {
		return q.Get("error"), ""
	}
	return "code", ""
}

func TestPromptMaxAgeAndHints(t *testing.T) {
	e := newTestEnv(t)
	// alice, signed in, has granted openid to demo-client.
	alice := e.browser()
	aliceTok := e.tokens(alice, map[string]string{"scope": "openid"})
	aliceHint := idTokenOf(t, aliceTok)
	bob := e.browser()
	resp := e.login(bob, e.authorizeURL(map[string]string{"scope": "openid"}), "bob", "builder")
	e.consent(bob, resp, "approve").Body.Close()
	e.advance(2 * time.Minute) // the sessions are two minutes old
	// alice's first ID token has expired (10 minutes) once the clock moves on;
	// a fresh one is taken for the cases that need a valid hint.
	expiredHint := aliceHint
	e.advance(10 * time.Minute)
	aliceHint = idTokenOf(t, e.tokens(alice, map[string]string{"scope": "openid"}))

	cases := []struct {
		name    string
		browser *http.Client
		params  map[string]string
		want    string
	}{
		{"none, signed out", e.browser(), map[string]string{"prompt": "none"}, "login_required"},
		{"none, signed in and granted", alice, map[string]string{"prompt": "none"}, "code"},
		{"none, new scope", alice, map[string]string{"prompt": "none", "scope": "openid email"}, "consent_required"},
		{"none with other values", alice, map[string]string{"prompt": "none login"}, "invalid_request"},
		{"login", alice, map[string]string{"prompt": "login"}, "login"},
		{"consent", alice, map[string]string{"prompt": "consent"}, "consent"},
		{"max_age passed", alice, map[string]string{"max_age": "60"}, "login"},
		{"max_age 0", alice, map[string]string{"max_age": "0"}, "login"},
		{"max_age passed, none", alice, map[string]string{"max_age": "60", "prompt": "none"}, "login_required"},
		{"max_age not passed", alice, map[string]string{"max_age": "1200"}, "code"},
		{"max_age malformed", alice, map[string]string{"max_age": "-1"}, "invalid_request"},
		{"hint of the session's user", alice, map[string]string{"prompt": "none", "id_token_hint": aliceHint}, "code"},
		{"hint of another user", bob, map[string]string{"prompt": "none", "id_token_hint": aliceHint}, "login_required"},
		{"hint not ours", alice, map[string]string{"prompt": "none", "id_token_hint": "a.b.c"}, "invalid_request"},
		{"hint expired", alice, map[string]string{"prompt": "none", "id_token_hint": expiredHint}, "invalid_request"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			params := map[string]string{"scope": "openid"}
			for k, v := range tc.params {
				params[k] = v
			}
			if got, _ := e.outcome(tc.browser, params); got != tc.want {
				t.Errorf("got %s, want %s", got, tc.want)
			}
		})
	}

	t.Run("login_hint pre-fills the username", func(t *testing.T) {
		_, body := e.outcome(e.browser(), map[string]string{"scope": "openid", "login_hint": "bob"})
		if !strings.Contains(body, `value="bob"`) {
			t.Errorf("login page does not pre-fill bob:\n%s", body)
		}
	})

	t.Run("prompt=login moves auth_time and keeps sid", func(t *testing.T) {
		before := claimsOf(t, aliceHint)
		tok := e.tokens(alice, map[string]string{"scope": "openid", "prompt": "login"})
		after := claimsOf(t, idTokenOf(t, tok))
		if after["sid"] != before["sid"] {
			t.Errorf("sid changed: %v -> %v", before["sid"], after["sid"])
		}
		if after["auth_time"].(float64) <= before["auth_time"].(float64) {
			t.Errorf("auth_time did not move: %v -> %v", before["auth_time"], after["auth_time"])
		}
	})
}

func claimsOf(t *testing.T, raw string) map[string]any {
	t.Helper()
	_, c := jwtParts(t, raw)
	return c
}

func TestDiscoveryDocumentsAreTheSame(t *testing.T) {
	e := newTestEnv(t)
	get := func(path string) map[string]any {
		resp := mustGet(t, http.DefaultClient, e.URL+path)
		var m map[string]any
		if err := json.Unmarshal([]byte(readBody(t, resp)), &m); err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: %d %v", path, resp.StatusCode, err)
		}
		return m
	}
	oidcDoc, oauthDoc := get("/.well-known/openid-configuration"), get("/.well-known/oauth-authorization-server")
	a, _ := json.Marshal(oidcDoc)
	b, _ := json.Marshal(oauthDoc)
	if !bytes.Equal(a, b) {
		t.Errorf("the two metadata documents differ:\n%s\n%s", a, b)
	}
	for k, want := range map[string]any{
		"userinfo_endpoint": e.URL + "/userinfo", "end_session_endpoint": e.URL + "/end_session",
		"claims_parameter_supported": false, "request_parameter_supported": false,
		"backchannel_logout_supported": true, "backchannel_logout_session_supported": true,
	} {
		if oidcDoc[k] != want {
			t.Errorf("%s = %v, want %v", k, oidcDoc[k], want)
		}
	}
	if algs, _ := oidcDoc["id_token_signing_alg_values_supported"].([]any); len(algs) == 0 || algs[0] != "RS256" {
		t.Errorf("id_token_signing_alg_values_supported = %v, want RS256 first", algs)
	}
	scopes, _ := json.Marshal(oidcDoc["scopes_supported"])
	for _, s := range []string{"openid", "profile", "email", "offline_access", "tracks:read"} {
		if !strings.Contains(string(scopes), `"`+s+`"`) {
			t.Errorf("scopes_supported lacks %s: %s", s, scopes)
		}
	}
}

// register posts client metadata to /register.
func (e *testEnv) register(meta map[string]any) (int, map[string]any) {
	e.t.Helper()
	body, _ := json.Marshal(meta)
	resp, err := http.Post(e.URL+"/register", "application/json", bytes.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	var m map[string]any
	_ = json.Unmarshal([]byte(readBody(e.t, resp)), &m)
	return resp.StatusCode, m
}

func TestRegisterOpenIDConnectMetadata(t *testing.T) {
	e := newTestEnv(t)
	base := func() map[string]any {
		return map[string]any{"redirect_uris": []string{"https://app.example/cb"}, "client_name": "RP"}
	}
	with := func(k string, v any) map[string]any { m := base(); m[k] = v; return m }
	cases := []struct {
		name   string
		meta   map[string]any
		status int
		code   string
	}{
		{"post-logout URI", with("post_logout_redirect_uris", []string{"https://app.example/bye"}), http.StatusCreated, ""},
		{"post-logout URI with fragment", with("post_logout_redirect_uris", []string{"https://app.example/bye#x"}), http.StatusBadRequest, "invalid_client_metadata"},
		{"post-logout URI over http", with("post_logout_redirect_uris", []string{"http://app.example/bye"}), http.StatusBadRequest, "invalid_client_metadata"},
		{"backchannel logout URI", with("backchannel_logout_uri", "https://app.example/bcl"), http.StatusBadRequest, "invalid_client_metadata"},
		{"ID token alg ES256", with("id_token_signed_response_alg", "ES256"), http.StatusCreated, ""},
		{"ID token alg none", with("id_token_signed_response_alg", "none"), http.StatusBadRequest, "invalid_client_metadata"},
		{"ID token alg HS256", with("id_token_signed_response_alg", "HS256"), http.StatusBadRequest, "invalid_client_metadata"},
		{"default_max_age", with("default_max_age", 300), http.StatusCreated, ""},
		{"default_max_age negative", with("default_max_age", -5), http.StatusBadRequest, "invalid_client_metadata"},
		{"require_auth_time", with("require_auth_time", true), http.StatusCreated, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			status, m := e.register(tc.meta)
			if status != tc.status || (tc.code != "" && m["error"] != tc.code) {
				t.Fatalf("%d %v, want %d %s", status, m, tc.status, tc.code)
			}
			if status != http.StatusCreated {
				return
			}
			for k, v := range tc.meta {
				got, _ := json.Marshal(m[k])
				want, _ := json.Marshal(v)
				if !bytes.Equal(got, want) {
					t.Errorf("%s = %s, want %s", k, got, want)
				}
			}
		})
	}
}

func TestClientChosenIDTokenAlgorithm(t *testing.T) {
	e := newTestEnv(t)
	_, m := e.register(map[string]any{"redirect_uris": []string{redirectURI}, "id_token_signed_response_alg": "ES256",
		"scope": "openid", "token_endpoint_auth_method": "client_secret_basic"})
	clientID, secret := m["client_id"].(string), m["client_secret"].(string)
	// Concurrent first uses create one ES256 ID-token key.
	var wg sync.WaitGroup
	kids := make([]string, 8)
	for i := range kids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tok, err := e.Server.Keys.IDTokenKey(context.Background(), "ES256")
			if err == nil {
				kids[i] = tok.KID
			}
		}()
	}
	wg.Wait()
	for _, k := range kids {
		if k == "" || k != kids[0] {
			t.Fatalf("concurrent key creation gave kids %v, want one", kids)
		}
	}
	b := e.browser()
	q := pkce(url.Values{"client_id": {clientID}, "redirect_uri": {redirectURI}, "response_type": {"code"}, "scope": {"openid"}, "state": {"s"}})
	resp := e.login(b, e.URL+"/authorize?"+q.Encode(), "alice", "wonderland")
	code := e.redirectParams(e.consent(b, resp, "approve")).Get("code")
	resp2, tok := e.postForm("/token", clientID, secret, url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {redirectURI}, "code_verifier": {testVerifier}})
	if resp2.StatusCode != http.StatusOK {
		t.Fatalf("token: %v", tok)
	}
	raw := tok["id_token"].(string)
	if h, _ := jwtParts(t, raw); h["alg"] != "ES256" || h["kid"] != kids[0] {
		t.Errorf("header %v, want ES256 with kid %s", h, kids[0])
	}
	v := e.verifierFor(clientID, "ES256")
	if _, err := v.Verify(context.Background(), raw); err != nil {
		t.Errorf("go-oidc: %v", err)
	}
}

func TestPendingRequestIsBoundToTheBrowser(t *testing.T) {
	e := newTestEnv(t)
	victim, attacker := e.browser(), e.browser()
	_, loginPage := e.outcome(attacker, map[string]string{"scope": "openid"})
	requestID := actortest.HiddenFields(loginPage).Get("request")
	if requestID == "" {
		t.Fatalf("the login page has no request field:\n%s", loginPage)
	}
	if strings.Contains(loginPage, "redirect_uri") || strings.Contains(loginPage, `name="scope"`) {
		t.Error("the login page still carries the request in hidden fields")
	}
	// The victim signs in normally, then is sent the attacker's request.
	e.signIn(victim, map[string]string{"scope": "openid"})
	resp := mustGet(t, victim, e.URL+"/consent?request="+url.QueryEscape(requestID))
	body := readBody(t, resp)
	if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "another browser") {
		t.Errorf("another browser's request: %d\n%s", resp.StatusCode, body)
	}
	// Posting the login form with it is refused before any password check.
	resp, _ = victim.PostForm(e.URL+"/login", url.Values{"request": {requestID}, "username": {"alice"}, "password": {"wonderland"},
		"csrf_token": {actortest.HiddenFields(readBody(t, mustGet(t, victim, e.URL+"/login"))).Get("csrf_token")}})
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("login with another browser's request: %d", resp.StatusCode)
	}
	resp.Body.Close()
}

func TestPendingRequestIsAnsweredOnce(t *testing.T) {
	e := newTestEnv(t)
	b := e.browser()
	resp := e.login(b, e.authorizeURL(map[string]string{"prompt": "consent"}), "alice", "wonderland")
	page := readBody(t, resp)
	form := actortest.HiddenFields(page)
	form.Set("decision", "approve")
	const n = 20
	codes := make(chan string, n)
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, err := b.PostForm(e.URL+"/consent", form)
			if err != nil {
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if loc, err := url.Parse(resp.Header.Get("Location")); err == nil && loc.Query().Get("code") != "" {
				codes <- loc.Query().Get("code")
			}
		}()
	}
	wg.Wait()
	close(codes)
	if got := len(codes); got != 1 {
		t.Errorf("%d racing approvals gave %d codes, want exactly 1", n, got)
	}
}

// endSession sends browser b to /end_session with q and returns the response.
func (e *testEnv) endSession(b *http.Client, q url.Values) *http.Response {
	e.t.Helper()
	return mustGet(e.t, b, e.URL+"/end_session?"+q.Encode())
}

// covers: OIDC RP-Initiated Logout §3.1
func TestEndSessionRedirectsOnlyToExactlyRegisteredURIs(t *testing.T) {
	e := newTestEnv(t)
	const registered = "http://localhost:8080/signed-out"
	cases := []struct {
		name, uri string
		redirect  bool
	}{
		{"exact", registered, true},
		{"trailing slash", registered + "/", false},
		{"extra query", registered + "?x=1", false},
		{"other path", "http://localhost:8080/signed-out2", false},
		{"other port", "http://localhost:8081/signed-out", false},
		{"other host", "http://evil.example/signed-out", false},
		{"upper case", "http://LOCALHOST:8080/signed-out", false},
		{"userinfo trick", "http://localhost:8080@evil.example/signed-out", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b := e.browser()
			tok := e.tokens(b, map[string]string{"scope": "openid"})
			resp := e.endSession(b, url.Values{"id_token_hint": {idTokenOf(t, tok)}, "post_logout_redirect_uri": {tc.uri}, "state": {"st8"}})
			body := readBody(t, resp)
			if tc.redirect {
				if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != registered+"?state=st8" {
					t.Fatalf("%d %q, want 303 to %s?state=st8", resp.StatusCode, resp.Header.Get("Location"), registered)
				}
			} else if resp.StatusCode != http.StatusOK || !strings.Contains(body, `id="signed-out"`) {
				t.Fatalf("near miss %q: %d %q, want the signed-out page", tc.uri, resp.StatusCode, resp.Header.Get("Location"))
			}
			// Either way the session is over.
			if got, _ := e.outcome(b, map[string]string{"scope": "openid", "prompt": "none"}); got != "login_required" {
				t.Errorf("after logout prompt=none gives %s, want login_required", got)
			}
		})
	}
}

func TestEndSessionAsksWhenNotClearlyFromTheSession(t *testing.T) {
	e := newTestEnv(t)
	b := e.browser()
	e.tokens(b, map[string]string{"scope": "openid"})
	// No id_token_hint: a page anyone could link to must not sign the user out.
	resp := e.endSession(b, url.Values{"client_id": {"demo-client"}, "post_logout_redirect_uri": {"http://localhost:8080/signed-out"}, "state": {"s"}})
	body := readBody(t, resp)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `id="confirm-logout"`) {
		t.Fatalf("want the confirmation page, got %d:\n%s", resp.StatusCode, body)
	}
	if got, _ := e.outcome(b, map[string]string{"scope": "openid", "prompt": "none"}); got != "code" {
		t.Fatalf("before confirming the user is signed out already (%s)", got)
	}
	resp = e.postPage(b, "/end_session/confirm", body, nil)
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "http://localhost:8080/signed-out?state=s" {
		t.Fatalf("confirm: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	// Without the CSRF token the confirmation is refused.
	resp, _ = e.browser().PostForm(e.URL+"/end_session/confirm", url.Values{"client_id": {"demo-client"}})
	if resp.StatusCode != http.StatusBadRequest && resp.StatusCode != http.StatusForbidden {
		t.Errorf("confirm without CSRF token: %d", resp.StatusCode)
	}
	resp.Body.Close()
	// A hint from another session of the same user is not this session's
	// wish either: ask.
	other := e.tokens(e.browser(), map[string]string{"scope": "openid"})
	e.tokens(b, map[string]string{"scope": "openid"})
	resp = e.endSession(b, url.Values{"id_token_hint": {idTokenOf(t, other)}})
	if body := readBody(t, resp); !strings.Contains(body, `id="confirm-logout"`) {
		t.Errorf("hint of another session: want the confirmation page, got %d", resp.StatusCode)
	}
	// client_id must be the hint's audience.
	resp = e.endSession(b, url.Values{"id_token_hint": {idTokenOf(t, other)}, "client_id": {"demo-machine"}})
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("client_id other than the hint's aud: %d, want 400", resp.StatusCode)
	}
	resp.Body.Close()
	// An access token is no id_token_hint.
	tok := e.tokens(b, map[string]string{"scope": "openid"})
	resp = e.endSession(b, url.Values{"id_token_hint": {tok.AccessToken}})
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("access token as id_token_hint: %d", resp.StatusCode)
	}
	resp.Body.Close()
	// An expired ID token is still a valid hint (OIDC RP-Initiated Logout §2).
	e.advance(time.Hour)
	resp = e.endSession(b, url.Values{"id_token_hint": {idTokenOf(t, tok)}, "post_logout_redirect_uri": {"http://localhost:8080/signed-out"}})
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Errorf("expired hint: %d, want 303", resp.StatusCode)
	}
}

// covers: OIDC Back-Channel Logout §2.4, OIDC Back-Channel Logout §2.8
func TestBackchannelLogout(t *testing.T) {
	e := newTestEnv(t)
	got := make(chan *http.Request, 4)
	forms := make(chan url.Values, 4)
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		got <- r
		forms <- r.PostForm
	}))
	t.Cleanup(receiver.Close)
	if err := e.DB.SetBackchannelLogoutURI(context.Background(), "demo-client", receiver.URL+"/backchannel-logout"); err != nil {
		t.Fatal(err)
	}
	verifier := e.verifier()

	for _, how := range []string{"account logout", "end_session", "another user signs in"} {
		t.Run(how, func(t *testing.T) {
			b := e.browser()
			tok := e.tokens(b, map[string]string{"scope": "openid"})
			sid := claimsOf(t, idTokenOf(t, tok))["sid"]
			switch how {
			case "account logout":
				page := readBody(t, mustGet(t, b, e.URL+"/account"))
				e.postPage(b, "/logout", page[strings.Index(page, `action="/logout"`):], nil).Body.Close()
			case "end_session":
				e.endSession(b, url.Values{"id_token_hint": {idTokenOf(t, tok)}}).Body.Close()
			case "another user signs in":
				e.login(b, e.authorizeURL(map[string]string{"prompt": "login", "scope": "openid"}), "bob", "builder").Body.Close()
			}
			var r *http.Request
			var form url.Values
			select {
			case r = <-got:
				form = <-forms
			case <-time.After(5 * time.Second):
				t.Fatal("no logout token arrived")
			}
			if r.Method != http.MethodPost || r.URL.Path != "/backchannel-logout" ||
				!strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
				t.Errorf("%s %s %s", r.Method, r.URL.Path, r.Header.Get("Content-Type"))
			}
			raw := form.Get("logout_token")
			lt, err := verifier.VerifyLogout(context.Background(), raw)
			if err != nil {
				t.Fatalf("go-oidc refuses the logout token: %v", err)
			}
			if lt.Subject != "demo-user-alice" || lt.SessionID != sid {
				t.Errorf("sub %q sid %q, want alice and %v", lt.Subject, lt.SessionID, sid)
			}
			h, c := jwtParts(t, raw)
			if h["typ"] != "logout+jwt" || h["alg"] != "RS256" {
				t.Errorf("header %v", h)
			}
			if exp, iat := c["exp"].(float64), c["iat"].(float64); exp-iat > 120 {
				t.Errorf("logout token lives %vs, want at most 2 minutes", exp-iat)
			}
			// A logout token is not an ID token.
			if _, err := e.Server.VerifyIDToken(context.Background(), raw, true); err == nil {
				t.Error("the server takes its logout token for an ID token")
			}
			select {
			case <-got:
				t.Error("a second logout token for one session")
			case <-time.After(100 * time.Millisecond):
			}
		})
	}
}

func TestDefaultMaxAgeOfTheClient(t *testing.T) {
	e := newTestEnv(t)
	_, m := e.register(map[string]any{"redirect_uris": []string{redirectURI}, "scope": "openid", "default_max_age": 60})
	clientID := m["client_id"].(string)
	b := e.browser()
	e.signIn(b, map[string]string{"client_id": clientID, "scope": "openid"})
	if got, _ := e.outcome(b, map[string]string{"client_id": clientID, "scope": "openid"}); got != "code" {
		t.Fatalf("a fresh session: %s, want code", got)
	}
	e.advance(2 * time.Minute)
	if got, _ := e.outcome(b, map[string]string{"client_id": clientID, "scope": "openid"}); got != "login" {
		t.Errorf("session older than default_max_age: %s, want login", got)
	}
	// A max_age in the request wins over the default.
	if got, _ := e.outcome(b, map[string]string{"client_id": clientID, "scope": "openid", "max_age": "600"}); got != "code" {
		t.Errorf("request max_age 600: %s, want code", got)
	}
}

func TestBackchannelLogoutFollowsNoRedirectAndLogsNoToken(t *testing.T) {
	logs := &actortest.SyncBuffer{}
	e := newTestEnv(t, func(o *web.Options) { o.Logger = slog.New(slog.NewTextHandler(logs, nil)) })
	elsewhere := make(chan string, 1)
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		elsewhere <- r.PostForm.Get("logout_token")
	}))
	t.Cleanup(target.Close)
	redirector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, target.URL, http.StatusTemporaryRedirect)
	}))
	t.Cleanup(redirector.Close)
	if err := e.DB.SetBackchannelLogoutURI(context.Background(), "demo-client", redirector.URL); err != nil {
		t.Fatal(err)
	}
	b := e.browser()
	tok := e.tokens(b, map[string]string{"scope": "openid"})
	e.endSession(b, url.Values{"id_token_hint": {idTokenOf(t, tok)}}).Body.Close()
	select {
	case <-elsewhere:
		t.Fatal("the logout token followed a redirect to another address")
	case <-time.After(300 * time.Millisecond):
	}
	deadline := time.Now().Add(3 * time.Second)
	for !strings.Contains(logs.String(), "back-channel logout failed") && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	out := logs.String()
	if !strings.Contains(out, "back-channel logout failed") || !strings.Contains(out, "client_id=demo-client") {
		t.Errorf("the failed delivery is not logged:\n%s", out)
	}
	if strings.Contains(out, "logout_token") || strings.Contains(out, "eyJ") {
		t.Errorf("the log holds the token:\n%s", out)
	}
}
