package web_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/oauthlab/oauthlab/authserver/internal/web"
)

// pushParams are demo-client's authorization request, as pushed to /par.
func pushParams() url.Values {
	return pkce(url.Values{"client_id": {"demo-client"}, "redirect_uri": {redirectURI}, "response_type": {"code"},
		"scope": {"tracks:read"}, "state": {"pushed-state"}})
}

// push posts an authorization request to /par as demo-client.
func (e *testEnv) push(form url.Values) (*http.Response, map[string]any) {
	e.t.Helper()
	return e.postForm("/par", "demo-client", "demo-secret", form)
}

// requestURI pushes a request and returns its request_uri.
func (e *testEnv) requestURI(form url.Values) string {
	e.t.Helper()
	resp, m := e.push(form)
	uri, _ := m["request_uri"].(string)
	if resp.StatusCode != http.StatusCreated || uri == "" {
		e.t.Fatalf("POST /par: %d %v", resp.StatusCode, m)
	}
	return uri
}

func (e *testEnv) authorizeByReference(clientID, requestURI string, extra ...string) string {
	q := url.Values{"client_id": {clientID}, "request_uri": {requestURI}}
	for i := 0; i < len(extra); i += 2 {
		q.Add(extra[i], extra[i+1])
	}
	return e.URL + "/authorize?" + q.Encode()
}

// TestPushedAuthorizationRequest runs the code flow with the request pushed
// to /par (RFC 9126): 201 with a short-lived request_uri, the browser
// carries only client_id and request_uri, the pushed parameters win over
// any in the front channel, and the request_uri works once.
func TestPushedAuthorizationRequest(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	// covers: RFC 9126 §2.2
	resp, m := e.push(pushParams())
	uri, _ := m["request_uri"].(string)
	if resp.StatusCode != http.StatusCreated || !strings.HasPrefix(uri, "urn:ietf:params:oauth:request_uri:") || m["expires_in"] != float64(60) {
		t.Fatalf("POST /par: %d %v, want 201 with request_uri and expires_in 60", resp.StatusCode, m)
	}
	if cc := resp.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control = %q, want no-store", cc)
	}
	b := e.browser()
	// covers: RFC 9126 §4
	// A scope and state in the front channel are ignored.
	front := e.authorizeByReference("demo-client", uri, "scope", "playlists:write", "state", "front")
	resp = e.login(b, front, "alice", "wonderland")
	if resp.StatusCode == http.StatusOK {
		resp = e.consent(b, resp, "approve")
	}
	q := e.redirectParams(resp)
	if q.Get("code") == "" || q.Get("state") != "pushed-state" {
		t.Fatalf("redirect after a pushed request: %v, want a code and the pushed state", q)
	}
	resp, tok := e.exchange(q.Get("code"), "")
	if resp.StatusCode != http.StatusOK || tok["scope"] != "tracks:read" {
		t.Fatalf("exchange: %d %v, want the pushed scope tracks:read", resp.StatusCode, tok)
	}
	// covers: RFC 9126 §4
	again := mustGet(t, e.browser(), front)
	if body := readBody(t, again); again.StatusCode != http.StatusBadRequest || !strings.Contains(body, "request_uri is unknown, expired or already used") {
		t.Fatalf("request_uri used twice: %d, want 400 page:\n%s", again.StatusCode, body)
	}
}

// TestPushedRequestURIErrors: a request_uri that is expired, another
// client's, malformed or repeated is shown as an error page (the redirect
// URI is not trusted until the request is), never a 5xx.
func TestPushedRequestURIErrors(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	_, other := e.postJSON("/register", map[string]any{"redirect_uris": []string{redirectURI}, "client_name": "Other app"})
	otherID := other["client_id"].(string)
	expired := e.requestURI(pushParams())
	e.advance(61e9)
	cases := []struct {
		name, url, want string
	}{
		{"expired", e.authorizeByReference("demo-client", expired), "request_uri is unknown, expired or already used"},
		{"another client's", e.authorizeByReference(otherID, e.requestURI(pushParams())), "request_uri is unknown, expired or already used"},
		{"not ours", e.authorizeByReference("demo-client", "https://evil.example/request.jwt"), "request_uri was not issued by this server"},
		{"unknown", e.authorizeByReference("demo-client", "urn:ietf:params:oauth:request_uri:nope"), "request_uri is unknown"},
		{"oversized", e.authorizeByReference("demo-client", "urn:ietf:params:oauth:request_uri:"+strings.Repeat("a", 5000)), "request_uri was not issued by this server"},
		{"no client_id", e.URL + "/authorize?" + url.Values{"request_uri": {e.requestURI(pushParams())}}.Encode(), "client_id is missing"},
		{"repeated request_uri", e.authorizeByReference("demo-client", e.requestURI(pushParams()), "request_uri", "x"), "request_uri is repeated"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resp := mustGet(t, e.browser(), tc.url)
			body := readBody(t, resp)
			if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, tc.want) {
				t.Fatalf("%d, want 400 page with %q:\n%s", resp.StatusCode, tc.want, body)
			}
		})
	}
	// A request_uri another client tried is still good for its own client.
	uri := e.requestURI(pushParams())
	mustGet(t, e.browser(), e.authorizeByReference(otherID, uri)).Body.Close()
	if resp := e.login(e.browser(), e.authorizeByReference("demo-client", uri), "alice", "wonderland"); resp.StatusCode >= 500 {
		t.Fatalf("own request_uri after another client's try: %d", resp.StatusCode)
	}
}

// TestPushErrors covers the /par endpoint's errors (RFC 9126 §2.3): the
// client authentication of /token, and the checks of /authorize as JSON.
func TestPushErrors(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	with := func(kv ...string) url.Values {
		f := pushParams()
		for i := 0; i < len(kv); i += 2 {
			if kv[i+1] == "" {
				f.Del(kv[i])
			} else {
				f.Set(kv[i], kv[i+1])
			}
		}
		return f
	}
	cases := []struct {
		name, user, pass string
		form             url.Values
		status           int
		code             string
	}{
		// covers: RFC 9126 §2.1
		{"no client authentication", "", "", with("client_id", ""), 401, "invalid_client"},
		{"wrong secret", "demo-client", "wrong", pushParams(), 401, "invalid_client"},
		{"another client_id in the body", "demo-client", "demo-secret", with("client_id", "demo-machine"), 400, "invalid_request"},
		{"request_uri inside a push", "demo-client", "demo-secret", with("request_uri", "urn:ietf:params:oauth:request_uri:x"), 400, "invalid_request"},
		{"unregistered redirect_uri", "demo-client", "demo-secret", with("redirect_uri", "https://evil.example/cb"), 400, "invalid_request"},
		{"no PKCE", "demo-client", "demo-secret", with("code_challenge", "", "code_challenge_method", ""), 400, "invalid_request"},
		{"implicit", "demo-client", "demo-secret", with("response_type", "token"), 400, "unsupported_response_type"},
		{"unknown scope", "demo-client", "demo-secret", with("scope", "admin"), 400, "invalid_scope"},
		{"oversized state", "demo-client", "demo-secret", with("state", strings.Repeat("s", 5000)), 400, "invalid_request"},
		{"machine client (no redirect URI)", "demo-machine", "machine-secret", with("client_id", "", "redirect_uri", ""), 400, "invalid_request"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resp, m := e.postForm("/par", tc.user, tc.pass, tc.form)
			if resp.StatusCode != tc.status || m["error"] != tc.code {
				t.Fatalf("%d %v, want %d %s", resp.StatusCode, m, tc.status, tc.code)
			}
		})
	}
	// A repeated parameter, and a body that is not a form.
	req, _ := http.NewRequest(http.MethodPost, e.URL+"/par", strings.NewReader(pushParams().Encode()+"&scope=tracks:read"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth("demo-client", "demo-secret")
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("repeated scope: %v %v, want 400", resp, err)
	}
	if resp, _ := e.postJSON("/par", map[string]any{"client_id": "demo-client"}); resp.StatusCode != http.StatusBadRequest && resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("JSON body: %d, want 400", resp.StatusCode)
	}
}

// TestRequirePAR: a client registered with
// require_pushed_authorization_requests, or every client when the server
// requires it, has plain authorization requests refused (RFC 9126 §6, §5),
// and both are advertised.
func TestRequirePAR(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	resp, reg := e.postJSON("/register", map[string]any{"redirect_uris": []string{"http://127.0.0.1:5555/cb"}, "client_name": "Strict app",
		"require_pushed_authorization_requests": true})
	if resp.StatusCode != http.StatusCreated || reg["require_pushed_authorization_requests"] != true {
		t.Fatalf("register: %d %v", resp.StatusCode, reg)
	}
	id, secret := reg["client_id"].(string), reg["client_secret"].(string)
	// covers: RFC 9126 §6
	plain := pkce(url.Values{"client_id": {id}, "response_type": {"code"}, "scope": {"tracks:read"}, "state": {"s"}})
	loc, _ := url.Parse(mustGet(t, e.browser(), e.URL+"/authorize?"+plain.Encode()).Header.Get("Location"))
	q := loc.Query()
	if q.Get("error") != "invalid_request" || !strings.Contains(q.Get("error_description"), "push") {
		t.Fatalf("plain request of a PAR-only client: %v, want invalid_request", q)
	}
	r, m := e.postForm("/par", id, secret, pkce(url.Values{"response_type": {"code"}, "scope": {"tracks:read"}, "state": {"s"}}))
	if r.StatusCode != http.StatusCreated {
		t.Fatalf("push of a PAR-only client: %d %v", r.StatusCode, m)
	}
	if resp := e.login(e.browser(), e.authorizeByReference(id, m["request_uri"].(string)), "alice", "wonderland"); resp.StatusCode >= 400 {
		t.Fatalf("pushed request of a PAR-only client: %d", resp.StatusCode)
	}

	strict := newTestEnv(t, func(o *web.Options) { o.Server.RequirePAR = true })
	var doc map[string]any
	_, doc = strict.getJSON("/.well-known/openid-configuration")
	if doc["require_pushed_authorization_requests"] != true || doc["pushed_authorization_request_endpoint"] != strict.URL+"/par" {
		t.Errorf("metadata: require %v, endpoint %v", doc["require_pushed_authorization_requests"], doc["pushed_authorization_request_endpoint"])
	}
	// covers: RFC 9126 §5
	q = strict.redirectParams(mustGet(t, strict.browser(), strict.authorizeURL(nil)))
	if q.Get("error") != "invalid_request" {
		t.Fatalf("plain request with AUTHSERVER_REQUIRE_PAR: %v, want invalid_request", q)
	}
	strict.login(strict.browser(), strict.authorizeByReference("demo-client", strict.requestURI(pushParams())), "alice", "wonderland")
	_, doc = e.getJSON("/.well-known/oauth-authorization-server")
	if doc["require_pushed_authorization_requests"] != false {
		t.Errorf("default server: require_pushed_authorization_requests = %v", doc["require_pushed_authorization_requests"])
	}
}

func (e *testEnv) getJSON(path string) (*http.Response, map[string]any) {
	e.t.Helper()
	resp := mustGet(e.t, http.DefaultClient, e.URL+path)
	var m map[string]any
	if err := jsonUnmarshal(readBody(e.t, resp), &m); err != nil {
		e.t.Fatalf("GET %s: %v", path, err)
	}
	return resp, m
}

// TestDPoPAtPAR: a DPoP proof sent with the push binds the code to its key
// (RFC 9449 §10.1): the code is redeemed only with a proof by that key,
// and a dpop_jkt for another key is refused at the push.
func TestDPoPAtPAR(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	key, other := newKey(t, "EdDSA"), newKey(t, "ES256")
	pushWithProof := func(form url.Values, proof string) (*http.Response, map[string]any) {
		req, _ := http.NewRequest(http.MethodPost, e.URL+"/par", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.SetBasicAuth("demo-client", "demo-secret")
		req.Header.Set("DPoP", proof)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		_ = json.Unmarshal([]byte(readBody(t, resp)), &m)
		return resp, m
	}
	// covers: RFC 9449 §10.1
	mismatch := pushParams()
	mismatch.Set("dpop_jkt", other.Thumbprint())
	if resp, m := pushWithProof(mismatch, e.proof(key, "POST", "/par", "")); resp.StatusCode != http.StatusBadRequest || m["error"] != "invalid_dpop_proof" {
		t.Fatalf("push with a dpop_jkt of another key = %d %v, want invalid_dpop_proof", resp.StatusCode, m)
	}
	resp, m := pushWithProof(pushParams(), e.proof(key, "POST", "/par", ""))
	uri, _ := m["request_uri"].(string)
	if resp.StatusCode != http.StatusCreated || uri == "" {
		t.Fatalf("push with a proof = %d %v", resp.StatusCode, m)
	}
	b := e.browser()
	page := e.login(b, e.authorizeByReference("demo-client", uri), "alice", "wonderland")
	if page.StatusCode == http.StatusOK {
		page = e.consent(b, page, "approve")
	}
	code := e.redirectParams(page).Get("code")
	if code == "" {
		t.Fatal("no code for the pushed request")
	}
	form := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {redirectURI}, "code_verifier": {testVerifier}}
	if resp, m := e.tokenWithProof("demo-client", "demo-secret", form, e.proof(other, "POST", "/token", "")); resp.StatusCode != 400 || m["error"] != "invalid_dpop_proof" {
		t.Fatalf("code of a DPoP push redeemed with another key = %d %v, want invalid_dpop_proof", resp.StatusCode, m)
	}
	if resp, m := e.tokenWithProof("demo-client", "demo-secret", form, e.proof(key, "POST", "/token", "")); resp.StatusCode != 200 || m["token_type"] != "DPoP" {
		t.Fatalf("code of a DPoP push redeemed with its key = %d %v, want 200 DPoP", resp.StatusCode, m)
	}
}
