package web

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/oauthlab/oauthlab/client/internal/config"
	"github.com/oauthlab/oauthlab/client/internal/store"
)

// fakeAS is a stand-in authorization server: its token endpoint answers
// what the test sets.
type fakeAS struct {
	// The status and JSON body of the token endpoint for each grant.
	codeStatus, refreshStatus int
	codeBody, refreshBody     string
	revoked, refreshes        atomic.Int32
	verifier                  atomic.Value // the last code_verifier received
	proof                     atomic.Value // the last DPoP header received at /token
	// machine answers the client credentials grant.
	machine http.Handler
	// provider answers the OpenID Provider's JWKS and UserInfo endpoints.
	provider http.Handler
}

func (f *fakeAS) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if f.provider != nil && (r.URL.Path == "/userinfo" || r.URL.Path == "/.well-known/jwks.json") {
		f.provider.ServeHTTP(w, r)
		return
	}
	if f.machine != nil && r.FormValue("grant_type") == "client_credentials" {
		f.machine.ServeHTTP(w, r)
		return
	}
	if id, secret, ok := r.BasicAuth(); !ok || id != "demo-client" || secret != "demo-secret" {
		w.Header().Set("WWW-Authenticate", `Basic realm="as"`)
		w.WriteHeader(http.StatusUnauthorized)
		io.WriteString(w, `{"error":"invalid_client"}`)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	if p := r.Header.Get("DPoP"); p != "" {
		f.proof.Store(p)
	}
	switch {
	case r.URL.Path == "/revoke":
		f.revoked.Add(1)
	case r.FormValue("grant_type") == "authorization_code":
		f.verifier.Store(r.FormValue("code_verifier"))
		if r.FormValue("code_verifier") == "" || r.FormValue("code") != "good-code" {
			w.WriteHeader(http.StatusBadRequest)
			io.WriteString(w, `{"error":"invalid_grant"}`)
			return
		}
		w.WriteHeader(f.codeStatus)
		io.WriteString(w, f.codeBody)
	case r.FormValue("grant_type") == "refresh_token":
		f.refreshes.Add(1)
		w.WriteHeader(f.refreshStatus)
		io.WriteString(w, f.refreshBody)
	default:
		w.WriteHeader(http.StatusBadRequest)
		io.WriteString(w, `{"error":"unsupported_grant_type"}`)
	}
}

const goodToken = `{"access_token":"access-token-1-xxxxxxxxxxxx","token_type":"Bearer","expires_in":600,"refresh_token":"refresh-token-1-xxxxxxxx","scope":"tracks:read"}`

// harness is the client's web app wired to a fake authorization server and
// a fake resource API.
type harness struct {
	t      testing.TB
	client *httptest.Server
	as     *fakeAS
	asSrv  *httptest.Server
	apiSrv *httptest.Server
	http   *http.Client
}

// newHarness starts the client; env holds extra settings, key then value.
func newHarness(t testing.TB, as *fakeAS, api http.Handler, env ...string) *harness {
	t.Helper()
	h := &harness{t: t, as: as}
	h.asSrv = httptest.NewServer(as)
	t.Cleanup(h.asSrv.Close)
	h.apiSrv = httptest.NewServer(api)
	t.Cleanup(h.apiSrv.Close)

	st, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "client.db"), time.Now)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	settings := map[string]string{
		"CLIENT_ISSUER":  h.asSrv.URL,
		"CLIENT_API_URL": h.apiSrv.URL,
		// The fake answers Bearer tokens; dpop_test.go turns DPoP on.
		"CLIENT_DPOP": "false",
		// The fake has no /par; pushed requests are tested against the
		// real authorization server (system_test.go TestFlow).
		"CLIENT_USE_PAR": "false",
	}
	for i := 0; i+1 < len(env); i += 2 {
		settings[env[i]] = env[i+1]
	}
	cfg, err := config.Load(func(k string) string { return settings[k] })
	if err != nil {
		t.Fatal(err)
	}
	e, err := New(cfg, st, slog.New(slog.DiscardHandler), time.Now)
	if err != nil {
		t.Fatal(err)
	}
	h.client = httptest.NewServer(e)
	t.Cleanup(h.client.Close)
	jar, _ := cookiejar.New(nil)
	h.http = &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return h
}

type response struct {
	status int
	header http.Header
	body   string
}

func (h *harness) do(method, path string, form url.Values, header ...string) response {
	h.t.Helper()
	if method == http.MethodPost {
		// A browser posts the form of a page it loaded: with its token.
		if form == nil {
			form = url.Values{}
		}
		if _, set := form[csrfField]; !set {
			form.Set(csrfField, h.formToken())
		}
	}
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, h.client.URL+path, body)
	if err != nil {
		h.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := h.http.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return response{resp.StatusCode, resp.Header, string(b)}
}

var formTokenRE = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

// formToken loads the home page, as a browser would before posting one of
// its forms, and returns the form token the page carries.
func (h *harness) formToken() string {
	h.t.Helper()
	m := formTokenRE.FindStringSubmatch(h.do(http.MethodGet, "/", nil).body)
	if m == nil {
		h.t.Fatal("the home page carries no form token")
	}
	return m[1]
}

// cookie returns the value of the client's cookie name, or "".
func (h *harness) cookie(name string) string {
	u, _ := url.Parse(h.client.URL)
	for _, c := range h.http.Jar.Cookies(u) {
		if c.Name == name {
			return c.Value
		}
	}
	return ""
}

// connect starts a flow and returns the state the client sent.
func (h *harness) connect(scope ...string) string {
	h.t.Helper()
	r := h.do(http.MethodPost, "/connect", url.Values{"scope": scope})
	if r.status != http.StatusSeeOther {
		h.t.Fatalf("connect = %d:\n%s", r.status, r.body)
	}
	u, err := url.Parse(r.header.Get("Location"))
	if err != nil {
		h.t.Fatal(err)
	}
	return u.Query().Get("state")
}

// callback comes back with a code, as the authorization server would send it.
func (h *harness) callback(state, code string) response {
	h.t.Helper()
	return h.do(http.MethodGet, "/callback?"+url.Values{"code": {code}, "state": {state}, "iss": {h.asSrv.URL}}.Encode(), nil)
}

// connected runs the flow to the end with the fake's token.
func (h *harness) connected() {
	h.t.Helper()
	if r := h.callback(h.connect("tracks:read"), "good-code"); r.status != http.StatusSeeOther {
		h.t.Fatalf("callback = %d:\n%s", r.status, r.body)
	}
}

var stepRE = regexp.MustCompile(`data-step="([a-z-]+)"`)

func (h *harness) steps() []string {
	var kinds []string
	for _, m := range stepRE.FindAllStringSubmatch(h.do(http.MethodGet, "/inspector", nil).body, -1) {
		kinds = append(kinds, m[1])
	}
	return kinds
}

func topTracksAPI(status int, header, body string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if header != "" {
			w.Header().Set("WWW-Authenticate", header)
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		io.WriteString(w, body)
	})
}

const tracksBody = `{"period":"week","items":[{"rank":1,"play_count":42,"track":{"id":"trk_1","title":"Song","artist":"A","album":"B","duration_ms":200000}}]}`

func TestConnectRedirect(t *testing.T) {
	h := newHarness(t, &fakeAS{}, topTracksAPI(200, "", tracksBody))
	r := h.do(http.MethodPost, "/connect", url.Values{"scope": {"tracks:read", "playlists:read"}})
	if r.status != http.StatusSeeOther {
		t.Fatalf("status = %d", r.status)
	}
	u, _ := url.Parse(r.header.Get("Location"))
	q := u.Query()
	// RFC 6749 §4.1.1 and RFC 7636 §4.3.
	want := map[string]string{
		"response_type": "code", "client_id": "demo-client", "redirect_uri": "http://localhost:8080/callback",
		"scope": "tracks:read playlists:read", "code_challenge_method": "S256",
	}
	for k, v := range want {
		if q.Get(k) != v {
			t.Errorf("%s = %q, want %q", k, q.Get(k), v)
		}
	}
	if len(q.Get("state")) < 20 || len(q.Get("code_challenge")) != 43 {
		t.Errorf("state %q or code_challenge %q too short", q.Get("state"), q.Get("code_challenge"))
	}
	if u.Scheme+"://"+u.Host+u.Path != h.asSrv.URL+"/authorize" {
		t.Errorf("redirect to %s", u)
	}
	// A fresh state per attempt.
	if again := h.connect("tracks:read"); again == q.Get("state") {
		t.Error("the same state twice")
	}
	// The session cookie: HttpOnly, SameSite=Lax, named for the client.
	ck := r.header.Get("Set-Cookie")
	for _, want := range []string{"client_session=", "HttpOnly", "SameSite=Lax", "Path=/"} {
		if !strings.Contains(ck, want) {
			t.Errorf("Set-Cookie %q lacks %s", ck, want)
		}
	}
}

func TestHappyPathWithFakes(t *testing.T) {
	h := newHarness(t, &fakeAS{codeStatus: 200, codeBody: goodToken}, topTracksAPI(200, "", tracksBody))
	state := h.connect("tracks:read")
	before := h.cookie(sessionCookie)
	r := h.callback(state, "good-code")
	if r.status != http.StatusSeeOther || r.header.Get("Location") != "/tracks" {
		t.Fatalf("callback = %d %s:\n%s", r.status, r.header.Get("Location"), r.body)
	}
	// Session fixation: the session gets a new id once it holds tokens.
	if after := h.cookie(sessionCookie); after == "" || after == before {
		t.Errorf("session id %q before the sign-in, %q after: want a new one", before, after)
	}
	tracks := h.do(http.MethodGet, "/tracks", nil)
	if tracks.status != 200 || !strings.Contains(tracks.body, `class="track"`) || !strings.Contains(tracks.body, "Song") {
		t.Fatalf("tracks = %d:\n%s", tracks.status, tracks.body)
	}
	got := strings.Join(h.steps(), " ")
	want := "authorization-request authorization-response token-request token-response access-token api-call"
	if got != want {
		t.Errorf("steps = %s\nwant    %s", got, want)
	}
	// The state is spent: the same answer again is refused, and said to be
	// an answer already used rather than a forgery.
	if r := h.callback(state, "good-code"); r.status != http.StatusConflict || !strings.Contains(r.body, "already completed") {
		t.Errorf("replayed callback = %d, want 409 and \"already completed\"", r.status)
	}
	// Disconnect revokes both tokens.
	if r := h.do(http.MethodPost, "/disconnect", url.Values{}); r.status != http.StatusSeeOther {
		t.Fatalf("disconnect = %d", r.status)
	}
	if n := h.as.revoked.Load(); n != 2 {
		t.Errorf("revocations = %d, want 2", n)
	}
	if r := h.do(http.MethodGet, "/tracks", nil); r.status != http.StatusForbidden || !strings.Contains(r.body, `id="error"`) {
		t.Errorf("tracks after disconnect = %d", r.status)
	}
}

// Connecting again while connected revokes the refresh token being
// replaced, so no unused credential stays valid at the authorization server.
func TestReconnectRevokesTheOldRefreshToken(t *testing.T) {
	h := newHarness(t, &fakeAS{codeStatus: 200, codeBody: goodToken}, topTracksAPI(200, "", tracksBody))
	h.connected()
	if n := h.as.revoked.Load(); n != 0 {
		t.Fatalf("revocations after the first connect = %d, want 0", n)
	}
	h.connected()
	if n := h.as.revoked.Load(); n != 1 {
		t.Fatalf("revocations after connecting again = %d, want 1 (the old refresh token)", n)
	}
	if got := strings.Join(h.steps(), " "); !strings.Contains(got, "token-response revocation access-token") {
		t.Errorf("steps = %s: want the revocation recorded between the token response and the new token", got)
	}
}

// Every way the callback can fail ends on an explained page, never a 500.
func TestCallbackFailures(t *testing.T) {
	tests := []struct {
		name       string
		as         *fakeAS
		asDown     bool
		query      func(h *harness, state string) url.Values
		status     int
		wantInPage string
	}{
		{"access denied", &fakeAS{}, false, func(h *harness, s string) url.Values {
			return url.Values{"error": {"access_denied"}, "state": {s}, "iss": {h.asSrv.URL}}
		}, 403, "access_denied"},
		{"invalid scope", &fakeAS{}, false, func(h *harness, s string) url.Values {
			return url.Values{"error": {"invalid_scope"}, "error_description": {"<b>bad</b>"}, "state": {s}, "iss": {h.asSrv.URL}}
		}, 400, "&lt;b&gt;bad&lt;/b&gt;"},
		{"wrong state", &fakeAS{}, false, func(h *harness, s string) url.Values {
			return url.Values{"code": {"good-code"}, "state": {"forged"}, "iss": {h.asSrv.URL}}
		}, 400, "cross-site request forgery"},
		{"missing code", &fakeAS{}, false, func(h *harness, s string) url.Values {
			return url.Values{"state": {s}, "iss": {h.asSrv.URL}}
		}, 400, "No code"},
		{"missing iss", &fakeAS{}, false, func(h *harness, s string) url.Values {
			return url.Values{"code": {"good-code"}, "state": {s}}
		}, 400, "wrong server"},
		{"code refused", &fakeAS{}, false, func(h *harness, s string) url.Values {
			return url.Values{"code": {"used-code"}, "state": {s}, "iss": {h.asSrv.URL}}
		}, 502, "invalid_grant"},
		{"unknown token type", &fakeAS{codeStatus: 200, codeBody: `{"access_token":"x","token_type":"MAC","expires_in":60}`}, false, func(h *harness, s string) url.Values {
			return url.Values{"code": {"good-code"}, "state": {s}, "iss": {h.asSrv.URL}}
		}, 502, "Bearer"},
		{"token endpoint down", &fakeAS{}, true, func(h *harness, s string) url.Values {
			return url.Values{"code": {"good-code"}, "state": {s}, "iss": {h.asSrv.URL}}
		}, 502, "could not be reached"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, tt.as, topTracksAPI(200, "", tracksBody))
			state := h.connect("tracks:read")
			if tt.asDown {
				h.asSrv.Close()
			}
			r := h.do(http.MethodGet, "/callback?"+tt.query(h, state).Encode(), nil)
			if r.status != tt.status {
				t.Fatalf("status = %d, want %d:\n%s", r.status, tt.status, r.body)
			}
			if !strings.Contains(r.body, `id="error"`) || !strings.Contains(r.body, tt.wantInPage) {
				t.Fatalf("page lacks id=error or %q:\n%s", tt.wantInPage, r.body)
			}
			if steps := h.steps(); steps[len(steps)-1] != "error" {
				t.Errorf("last step = %s, want error (steps %v)", steps[len(steps)-1], steps)
			}
			if !strings.Contains(h.do(http.MethodGet, "/", nil).body, "not connected") {
				t.Error("a failed callback left the session connected")
			}
		})
	}
}

// The resource API's refusals become pages that say what is missing.
func TestAPIFailures(t *testing.T) {
	tests := []struct {
		name   string
		api    http.Handler
		status int
		want   string
	}{
		{"401 invalid_token", topTracksAPI(401, `Bearer error="invalid_token", error_description="revoked"`, `{"error":"invalid_token"}`), 403, "invalid_token"},
		{"403 insufficient_scope", topTracksAPI(403, `Bearer error="insufficient_scope", scope="tracks:read"`, `{"error":"insufficient_scope"}`), 403, "tracks:read"},
		{"404", topTracksAPI(404, "", `{"error":"not_found"}`), 404, "Not found"},
		{"500", topTracksAPI(500, "", `oops`), 502, "answered 500"},
		{"garbage 200", topTracksAPI(200, "", `<html>`), 502, "could not read"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, &fakeAS{codeStatus: 200, codeBody: goodToken}, tt.api)
			h.connected()
			r := h.do(http.MethodGet, "/tracks", nil)
			if r.status != tt.status || !strings.Contains(r.body, `id="error"`) || !strings.Contains(r.body, tt.want) {
				t.Fatalf("status = %d (want %d), want %q in:\n%s", r.status, tt.status, tt.want, r.body)
			}
		})
	}
}

func TestAPIDown(t *testing.T) {
	h := newHarness(t, &fakeAS{codeStatus: 200, codeBody: goodToken}, topTracksAPI(200, "", tracksBody))
	h.connected()
	h.apiSrv.Close()
	r := h.do(http.MethodGet, "/tracks", nil)
	if r.status != http.StatusBadGateway || !strings.Contains(r.body, "resource API could not be reached") {
		t.Fatalf("status = %d:\n%s", r.status, r.body)
	}
}

// An expired access token is refreshed before the call, the new tokens are
// kept, and a refused refresh ends the connection with an explanation.
func TestRefresh(t *testing.T) {
	expired := `{"access_token":"access-token-1-xxxxxxxxxxxx","token_type":"Bearer","expires_in":1,"refresh_token":"refresh-token-1-xxxxxxxx","scope":"tracks:read"}`
	var seen []string
	api := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen = append(seen, r.Header.Get("Authorization"))
		io.WriteString(w, tracksBody)
	})
	as := &fakeAS{codeStatus: 200, codeBody: expired, refreshStatus: 200,
		refreshBody: `{"access_token":"access-token-2-xxxxxxxxxxxx","token_type":"Bearer","expires_in":600,"refresh_token":"refresh-token-2-xxxxxxxx"}`}
	h := newHarness(t, as, api)
	h.connected()
	for range 2 {
		if r := h.do(http.MethodGet, "/tracks", nil); r.status != 200 {
			t.Fatalf("tracks = %d:\n%s", r.status, r.body)
		}
	}
	if n := as.refreshes.Load(); n != 1 {
		t.Errorf("refreshes = %d, want 1 (the new token is stored and reused)", n)
	}
	if len(seen) != 2 || seen[0] != "Bearer access-token-2-xxxxxxxxxxxx" || seen[1] != seen[0] {
		t.Errorf("API saw %q, want the refreshed token twice", seen)
	}
	got := strings.Join(h.steps(), " ")
	if !strings.Contains(got, "refresh access-token api-call api-call") {
		t.Errorf("steps = %s", got)
	}

	// Refused refresh.
	as2 := &fakeAS{codeStatus: 200, codeBody: expired, refreshStatus: 400, refreshBody: `{"error":"invalid_grant","error_description":"revoked"}`}
	h2 := newHarness(t, as2, api)
	h2.connected()
	r := h2.do(http.MethodGet, "/tracks", nil)
	if r.status != http.StatusForbidden || !strings.Contains(r.body, "invalid_grant") || !strings.Contains(r.body, `id="error"`) {
		t.Fatalf("refused refresh = %d:\n%s", r.status, r.body)
	}
	if home := h2.do(http.MethodGet, "/", nil); !strings.Contains(home.body, "not connected") {
		t.Error("the session still holds the dead tokens")
	}
	if steps := h2.steps(); steps[len(steps)-1] != "error" {
		t.Errorf("steps = %v, want an error step last", steps)
	}
}

func TestMachineCharts(t *testing.T) {
	as := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, secret, _ := r.BasicAuth()
		if r.FormValue("grant_type") != "client_credentials" || id != "demo-machine" || secret != "machine-secret" || r.FormValue("scope") != "charts:read" {
			w.WriteHeader(400)
			io.WriteString(w, `{"error":"invalid_request"}`)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"access_token":"machine-token-xxxxxxxxxxxxxxx","token_type":"Bearer","expires_in":600,"scope":"charts:read"}`)
	})
	api := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer machine-token-xxxxxxxxxxxxxxx" {
			w.WriteHeader(401)
			return
		}
		json.NewEncoder(w).Encode(map[string]any{"items": []any{map[string]any{"rank": 1, "plays": 99, "track": map[string]any{"id": "t", "title": "Hit"}}}})
	})
	h := newHarness(t, &fakeAS{machine: as}, api)
	r := h.do(http.MethodPost, "/charts", url.Values{})
	if r.status != 200 || !strings.Contains(r.body, "Hit") || !strings.Contains(r.body, "99 plays") {
		t.Fatalf("charts = %d:\n%s", r.status, r.body)
	}
	if got := strings.Join(h.steps(), " "); got != "token-request token-response access-token api-call" {
		t.Errorf("steps = %s", got)
	}
}

// Forms are for this app's own pages: a browser POST from another origin is
// refused (CSRF).
func TestCrossOriginPostRefused(t *testing.T) {
	h := newHarness(t, &fakeAS{}, topTracksAPI(200, "", tracksBody))
	r := h.do(http.MethodPost, "/disconnect", url.Values{}, "Sec-Fetch-Site", "cross-site")
	if r.status != http.StatusForbidden || !strings.Contains(r.body, `id="error"`) {
		t.Errorf("cross-site POST = %d, want 403 and an error page", r.status)
	}
	r = h.do(http.MethodPost, "/connect", url.Values{"scope": {"tracks:read"}}, "Sec-Fetch-Site", "same-origin")
	if r.status != http.StatusSeeOther {
		t.Errorf("same-origin POST = %d, want 303", r.status)
	}
}

// Hostile or odd input never produces a 500.
func TestBadInput(t *testing.T) {
	h := newHarness(t, &fakeAS{}, topTracksAPI(200, "", tracksBody))
	tests := []struct {
		method, path string
		form         url.Values
		status       int
	}{
		{"GET", "/callback", nil, 400},
		{"GET", "/callback?state=%ZZ", nil, 400},
		{"GET", "/callback?code=a&code=b&state=x&state=y", nil, 400},
		{"POST", "/connect", url.Values{"scope": {"charts:read"}}, 400},
		{"POST", "/connect", url.Values{"scope": {"<script>"}}, 400},
		{"GET", "/playlists/%00", nil, 403},
		{"POST", "/playlists", url.Values{"name": {""}}, 400},
		{"POST", "/playlists", url.Values{"name": {strings.Repeat("x", 101)}}, 400},
		{"GET", "/nowhere", nil, 404},
		{"GET", "/static/", nil, 404},
		{"POST", "/disconnect", nil, 303},
	}
	for _, tt := range tests {
		r := h.do(tt.method, tt.path, tt.form)
		if r.status != tt.status {
			t.Errorf("%s %s = %d, want %d:\n%s", tt.method, tt.path, r.status, tt.status, r.body)
		}
		if r.status >= 400 && !strings.Contains(r.body, `id="error"`) {
			t.Errorf("%s %s: the error page lacks id=error", tt.method, tt.path)
		}
	}
}

func TestPagesAndHeaders(t *testing.T) {
	h := newHarness(t, &fakeAS{}, topTracksAPI(200, "", tracksBody))
	for _, path := range []string{"/", "/inspector", "/charts", "/healthz", "/static/style.css", "/static/countdown.js"} {
		r := h.do(http.MethodGet, path, nil)
		if r.status != 200 {
			t.Errorf("GET %s = %d", path, r.status)
		}
	}
	home := h.do(http.MethodGet, "/", nil)
	for _, want := range []string{`id="connect"`, `name="scope" value="tracks:read" checked`, `value="playlists:write"`} {
		if !strings.Contains(home.body, want) {
			t.Errorf("home lacks %s", want)
		}
	}
	if strings.Contains(home.body, `value="charts:read"`) {
		t.Error("home offers charts:read, a scope for machine clients")
	}
	for k, v := range map[string]string{"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"} {
		if home.header.Get(k) != v {
			t.Errorf("%s = %q, want %q", k, home.header.Get(k), v)
		}
	}
	if csp := home.header.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors 'none'") || !strings.Contains(csp, "form-action 'self' "+h.asSrv.URL) {
		t.Errorf("CSP = %q", csp)
	}
}

func TestScopeCheck(t *testing.T) {
	tests := []struct {
		asked, granted string
		want           string
	}{
		{"tracks:read", "tracks:read", "Everything asked for was granted"},
		{"", "tracks:read", "Everything asked for was granted"},
		{"tracks:read playlists:read", "tracks:read", "pages that need playlists:read will be refused"},
	}
	for _, tt := range tests {
		ch := scopeCheck(tt.asked, tt.granted)
		if !ch.OK || !strings.Contains(ch.Detail, tt.want) {
			t.Errorf("scopeCheck(%q, %q) = %+v, want %q", tt.asked, tt.granted, ch, tt.want)
		}
	}
}

// Requests of one session that find the token expired at the same time
// refresh it once: the refresh token is never spent twice.
func TestConcurrentRequestsRefreshOnce(t *testing.T) {
	expired := `{"access_token":"access-token-1-xxxxxxxxxxxx","token_type":"Bearer","expires_in":1,"refresh_token":"refresh-token-1-xxxxxxxx","scope":"tracks:read"}`
	as := &fakeAS{codeStatus: 200, codeBody: expired, refreshStatus: 200,
		refreshBody: `{"access_token":"access-token-2-xxxxxxxxxxxx","token_type":"Bearer","expires_in":600,"refresh_token":"refresh-token-2-xxxxxxxx"}`}
	h := newHarness(t, as, topTracksAPI(200, "", tracksBody))
	h.connected()
	const n = 6
	statuses := make(chan int, n)
	for range n {
		go func() {
			resp, err := h.http.Get(h.client.URL + "/tracks")
			if err != nil {
				statuses <- 0
				return
			}
			resp.Body.Close()
			statuses <- resp.StatusCode
		}()
	}
	for range n {
		if s := <-statuses; s != 200 {
			t.Errorf("status %d", s)
		}
	}
	if got := as.refreshes.Load(); got != 1 {
		t.Errorf("%d refreshes for %d concurrent requests, want 1", got, n)
	}
}

// A refresh that gets no answer keeps the tokens: the next try may work.
func TestRefreshWithTokenEndpointDown(t *testing.T) {
	expired := `{"access_token":"access-token-1-xxxxxxxxxxxx","token_type":"Bearer","expires_in":1,"refresh_token":"refresh-token-1-xxxxxxxx","scope":"tracks:read"}`
	h := newHarness(t, &fakeAS{codeStatus: 200, codeBody: expired}, topTracksAPI(200, "", tracksBody))
	h.connected()
	h.asSrv.Close()
	r := h.do(http.MethodGet, "/tracks", nil)
	if r.status != http.StatusBadGateway || !strings.Contains(r.body, "authorization server could not be reached") {
		t.Fatalf("status = %d:\n%s", r.status, r.body)
	}
	if home := h.do(http.MethodGet, "/", nil); strings.Contains(home.body, "not connected") {
		t.Error("a refresh with no answer dropped the tokens")
	}
	if steps := strings.Join(h.steps(), " "); !strings.HasSuffix(steps, "refresh error") {
		t.Errorf("steps = %s, want a refresh then an error", steps)
	}
}
