package main

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/oauthlab/oauthlab/shared/actortest"
)

// system is the three actors running as real processes on loopback ports.
type system struct {
	as, api, client *actortest.Process
	// podcasts is the demo's second resource server (RFC 8707 audiences).
	podcasts *actortest.Process
	// clientDB is the client's database, which commands share with it.
	clientDB string
}

// startSystem starts the authorization server, the resource API and this
// client, wired to each other. asEnv adds settings to the authorization
// server (a short access token lifetime, say).
func startSystem(t *testing.T, asEnv ...string) *system {
	t.Helper()
	return startSystemWith(t, func(string) []string { return asEnv })
}

// startSystemWith is startSystem with authorization server settings that
// depend on the client's URL.
func startSystemWith(t *testing.T, asEnvFor func(clientURL string) []string) *system {
	t.Helper()
	return startSystemFull(t, asEnvFor, nil)
}

// startSystemFull is startSystemWith with settings for the client too.
func startSystemFull(t *testing.T, asEnvFor func(clientURL string) []string, clientEnv []string) *system {
	t.Helper()
	if testing.Short() {
		t.Skip("starts three processes")
	}
	dir := t.TempDir()
	asURL := "http://" + actortest.FreeAddr(t)
	apiURL := "http://" + actortest.FreeAddr(t)
	clientURL := "http://" + actortest.FreeAddr(t)
	podcastsURL := "http://" + actortest.FreeAddr(t)
	addr := func(u string) string { return strings.TrimPrefix(u, "http://") }

	as := actortest.Start(t, "authserver", asURL, append([]string{
		"AUTHSERVER_ADDR=" + addr(asURL),
		"AUTHSERVER_ISSUER=" + asURL,
		"AUTHSERVER_AUDIENCE=" + apiURL,
		"AUTHSERVER_PODCASTS_AUDIENCE=" + podcastsURL,
		"AUTHSERVER_DB=" + filepath.Join(dir, "authserver.db"),
		"AUTHSERVER_DEMO_CLIENT_REDIRECT_URI=" + clientURL + "/callback",
	}, asEnvFor(clientURL)...)...)
	api := actortest.Start(t, "resourceapi", apiURL,
		"RESOURCEAPI_ADDR="+addr(apiURL),
		"RESOURCEAPI_URL="+apiURL,
		"RESOURCEAPI_ISSUER="+asURL,
		"RESOURCEAPI_DB="+filepath.Join(dir, "resourceapi.db"),
	)
	podcasts := actortest.Start(t, "resourceapi/cmd/podcastapi", podcastsURL,
		"PODCASTAPI_ADDR="+addr(podcastsURL),
		"PODCASTAPI_URL="+podcastsURL,
		"PODCASTAPI_ISSUER="+asURL,
	)
	client := actortest.Start(t, "client", clientURL, append([]string{
		"CLIENT_ADDR=" + addr(clientURL),
		"CLIENT_URL=" + clientURL,
		"CLIENT_ISSUER=" + asURL,
		"CLIENT_API_URL=" + apiURL,
		"CLIENT_PODCASTS_URL=" + podcastsURL,
		"CLIENT_DB=" + filepath.Join(dir, "client.db"),
	}, clientEnv...)...)
	return &system{as: as, api: api, client: client, podcasts: podcasts, clientDB: filepath.Join(dir, "client.db")}
}

// browser is an HTTP client with a cookie jar: enough of a browser for
// server-rendered pages and redirects.
type browser struct {
	t    *testing.T
	http *http.Client
}

func newBrowser(t *testing.T) *browser {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &browser{t: t, http: &http.Client{Jar: jar, Timeout: 20 * time.Second}}
}

// page is a response with its body read.
type page struct {
	status int
	url    string
	body   string
}

func (b *browser) do(req *http.Request) page {
	b.t.Helper()
	resp, err := b.http.Do(req)
	if err != nil {
		b.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		b.t.Fatal(err)
	}
	return page{status: resp.StatusCode, url: resp.Request.URL.String(), body: string(body)}
}

func (b *browser) get(u string) page {
	b.t.Helper()
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		b.t.Fatal(err)
	}
	return b.do(req)
}

func (b *browser) post(u string, form url.Values) page {
	b.t.Helper()
	req, err := http.NewRequest(http.MethodPost, u, strings.NewReader(form.Encode()))
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(req)
}

// postClient posts one of the client's forms as a browser does after
// loading a page of the client: with the page's form token (csrf_token).
func (b *browser) postClient(u string, form url.Values) page {
	b.t.Helper()
	target, err := url.Parse(u)
	if err != nil {
		b.t.Fatal(err)
	}
	home := b.get(target.Scheme + "://" + target.Host + "/")
	token := actortest.HiddenFields(home.body).Get("csrf_token")
	if token == "" {
		b.t.Fatalf("the client's home page carries no form token:\n%s", home.body)
	}
	if form == nil {
		form = url.Values{}
	}
	form.Set("csrf_token", token)
	return b.post(u, form)
}

// hiddenFields reads the hidden inputs of the first form in body.
func hiddenFields(body string) url.Values {
	if i := strings.Index(body, "</form>"); i >= 0 {
		body = body[:i]
	}
	return actortest.HiddenFields(body)
}

// formAfter returns the hidden fields of the form that follows marker.
func formAfter(t *testing.T, body, marker string) url.Values {
	t.Helper()
	i := strings.Index(body, marker)
	if i < 0 {
		t.Fatalf("page lacks %q:\n%s", marker, body)
	}
	return hiddenFields(body[i:])
}

// connect runs the front-channel part of the flow: connect on the client,
// sign in and answer the consent page. It returns the page the browser ends
// on after the redirect back to the client.
func (s *system) connect(b *browser, scope []string, user, password, decision string) page {
	b.t.Helper()
	return b.do(s.consentRequest(b, scope, user, password, decision))
}

// consentRequest goes as far as the consent page and returns the request
// that would answer it.
func (s *system) consentRequest(b *browser, scope []string, user, password, decision string) *http.Request {
	b.t.Helper()
	login := b.postClient(s.client.URL+"/connect", url.Values{"scope": scope})
	if login.status != http.StatusOK || !strings.Contains(login.body, `id="login"`) {
		b.t.Fatalf("connect: want the authorization server's login page, got %d %s:\n%s", login.status, login.url, login.body)
	}
	form := formAfter(b.t, login.body, `action="/login"`)
	form.Set("username", user)
	form.Set("password", password)
	consent := b.post(s.as.URL+"/login", form)
	if !strings.Contains(consent.body, `id="approve"`) {
		b.t.Fatalf("login: want the consent page, got %d %s:\n%s", consent.status, consent.url, consent.body)
	}
	form = formAfter(b.t, consent.body, `action="/consent"`)
	form.Set("decision", decision)
	req, err := http.NewRequest(http.MethodPost, s.as.URL+"/consent", strings.NewReader(form.Encode()))
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return req
}

// noFollow sends req and returns the redirect's target instead of
// following it.
func (b *browser) noFollow(req *http.Request) *url.URL {
	b.t.Helper()
	c := *b.http
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := c.Do(req)
	if err != nil {
		b.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	resp.Body.Close()
	loc, err := resp.Location()
	if err != nil {
		b.t.Fatalf("%s %s answered %d with no redirect", req.Method, req.URL, resp.StatusCode)
	}
	return loc
}

// steps returns the data-step kinds of the inspector's timeline, in order.
func steps(body string) []string {
	var kinds []string
	for _, m := range regexp.MustCompile(`class="step[^"]*" id="step-\d+" data-step="([a-z-]+)"`).FindAllStringSubmatch(body, -1) {
		kinds = append(kinds, m[1])
	}
	return kinds
}

func count(list []string, kind string) int {
	n := 0
	for _, k := range list {
		if k == kind {
			n++
		}
	}
	return n
}

func wantPage(t *testing.T, p page, status int, contains ...string) {
	t.Helper()
	if p.status != status {
		t.Fatalf("%s: status %d, want %d:\n%s", p.url, p.status, status, p.body)
	}
	for _, s := range contains {
		if !strings.Contains(p.body, s) {
			t.Fatalf("%s: page lacks %q:\n%s", p.url, s, p.body)
		}
	}
}

// TestFlow runs the whole Authorization Code flow against the real
// authorization server and resource API: connect, login, consent, callback,
// data, inspector, refresh after expiry, playlists, disconnect.
func TestFlow(t *testing.T) {
	t.Parallel()
	// A 2 s access token: every API call below finds it expired and
	// refreshes it first.
	s := startSystem(t, "AUTHSERVER_ACCESS_TOKEN_TTL=2s")
	b := newBrowser(t)

	tracks := s.connect(b, []string{"tracks:read", "playlists:read", "playlists:write"}, "alice", "wonderland", "approve")
	wantPage(t, tracks, http.StatusOK, `class="track"`)
	if !strings.HasSuffix(tracks.url, "/tracks") {
		t.Fatalf("after the callback the browser is at %s, want /tracks", tracks.url)
	}

	insp := b.get(s.client.URL + "/inspector")
	wantPage(t, insp, http.StatusOK, `id="disconnect"`, "<svg", "state matches", "iss is the expected issuer")
	got := steps(insp.body)
	for _, kind := range []string{"authorization-request", "authorization-response", "token-request", "token-response", "access-token", "api-call", "refresh"} {
		if count(got, kind) == 0 {
			t.Errorf("inspector lacks a %s step; steps: %v", kind, got)
		}
	}
	// covers: RFC 9126 §2
	// The client pushes the request (CLIENT_USE_PAR defaults to true), and
	// the browser carries only client_id and request_uri.
	if want := []string{"authorization-request", "pushed-authorization-request", "front-channel-request", "authorization-response"}; len(got) < 4 || !slices.Equal(got[:4], want) {
		t.Errorf("timeline starts %v, want %v", got, want)
	}
	if !strings.Contains(insp.body, "urn:ietf:params:oauth:request_uri:") || !strings.Contains(insp.body, "RFC 9126 §2") {
		t.Errorf("the inspector does not show the pushed request's request_uri and RFC 9126")
	}
	// Secrets never reach the page, the PKCE code verifier included.
	for _, secret := range []string{"demo-secret", "wonderland"} {
		if strings.Contains(insp.body, secret) {
			t.Errorf("inspector shows the secret %q", secret)
		}
	}
	if strings.Contains(insp.body, "error") && count(got, "error") > 0 {
		t.Errorf("a successful flow recorded an error step: %v", got)
	}

	// After the access token expires again, the stored (rotated) refresh
	// token still works.
	time.Sleep(2500 * time.Millisecond)
	wantPage(t, b.get(s.client.URL+"/tracks"), http.StatusOK, `class="track"`)
	if n := count(steps(b.get(s.client.URL+"/inspector").body), "refresh"); n < 2 {
		t.Errorf("want a second refresh step after expiry, got %d", n)
	}

	// Playlists: create, rename, add a track, remove it, delete.
	created := b.postClient(s.client.URL+"/playlists", url.Values{"name": {"Road trip"}, "description": {"for the car"}})
	wantPage(t, created, http.StatusOK, "Road trip", `id="add-track"`)
	plURL := created.url
	trackID := regexp.MustCompile(`<option value="([^"]+)"`).FindStringSubmatch(created.body)
	if trackID == nil {
		t.Fatalf("no track to add:\n%s", created.body)
	}
	wantPage(t, b.postClient(plURL, url.Values{"name": {"Long road trip"}}), http.StatusOK, "Long road trip")
	added := b.postClient(plURL+"/tracks", url.Values{"track_id": {trackID[1]}})
	wantPage(t, added, http.StatusOK, `data-track-id="`+trackID[1]+`"`)
	removed := b.postClient(plURL+"/tracks/remove", url.Values{"track_id": {trackID[1]}})
	wantPage(t, removed, http.StatusOK, "No tracks yet")
	list := b.get(s.client.URL + "/playlists")
	wantPage(t, list, http.StatusOK, "Long road trip", `id="create-playlist"`)
	id := regexp.MustCompile(`class="playlist" data-playlist-id="([^"]+)">\s*<a href="[^"]+" class="name">Long road trip`).FindStringSubmatch(list.body)
	if id == nil {
		t.Fatalf("the new playlist is not listed:\n%s", list.body)
	}
	after := b.postClient(s.client.URL+"/playlists/"+id[1]+"/delete", nil)
	wantPage(t, after, http.StatusOK)
	if strings.Contains(after.body, "Long road trip") {
		t.Fatal("the deleted playlist is still listed")
	}

	// Disconnect: both tokens revoked, and the app has no access any more.
	insp = b.postClient(s.client.URL+"/disconnect", nil)
	wantPage(t, insp, http.StatusOK, "not connected")
	if n := count(steps(insp.body), "revocation"); n != 2 {
		t.Errorf("want 2 revocation steps (refresh and access token), got %d", n)
	}
	wantPage(t, b.get(s.client.URL+"/tracks"), http.StatusForbidden, `id="error"`, "Not connected")

	// The machine client: the web page and the command run the same grant.
	charts := b.postClient(s.client.URL+"/charts", nil)
	wantPage(t, charts, http.StatusOK, `class="track chart"`)
	if got := steps(b.get(s.client.URL + "/inspector").body); count(got, "token-request") < 2 {
		t.Errorf("the client credentials grant is not in the inspector: %v", got)
	}
	var out strings.Builder
	env := map[string]string{"CLIENT_ISSUER": s.as.URL, "CLIENT_API_URL": s.api.URL}
	if err := run(t.Context(), []string{"client", "charts"}, func(k string) string { return env[k] }, &out); err != nil {
		t.Fatalf("client charts: %v", err)
	}
	if !strings.Contains(out.String(), "RANK") || strings.Count(out.String(), "\n") < 4 {
		t.Errorf("client charts printed:\n%s", out.String())
	}

	// covers: RFC 7523 §2.2
	// The same grant with private_key_jwt: a new P-256 key in a 0600 file,
	// a client registered with its public key, a signed assertion; the
	// second run reuses key and client.
	env["CLIENT_DB"] = filepath.Join(t.TempDir(), "client.db")
	for i, want := range []string{"created a new P-256 private key", "reusing client"} {
		out.Reset()
		if err := run(t.Context(), []string{"client", "charts", "-auth", "private_key_jwt"}, func(k string) string { return env[k] }, &out); err != nil {
			t.Fatalf("client charts -auth private_key_jwt (run %d): %v\n%s", i+1, err, out.String())
		}
		for _, w := range []string{want, "RFC 7523 §3", "RANK"} {
			if !strings.Contains(out.String(), w) {
				t.Errorf("run %d lacks %q:\n%s", i+1, w, out.String())
			}
		}
	}
	if fi, err := os.Stat(filepath.Join(filepath.Dir(env["CLIENT_DB"]), "machine-key.pem")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("key file: %v %v, want mode 0600", fi, err)
	}

	// Nothing of the above left a code, token or secret in the client's logs.
	logs := s.client.Logs()
	if !strings.Contains(logs, "path=/callback") {
		t.Fatalf("the client's logs lack the callback request:\n%s", logs)
	}
	for _, leak := range []string{"code=", "state=", "eyJ", "Bearer", "demo-secret", "machine-secret", "refresh_token", "wonderland"} {
		if strings.Contains(logs, leak) {
			t.Errorf("the client's logs contain %q:\n%s", leak, logs)
		}
	}
}

func TestRunRejectsUnknownCommand(t *testing.T) {
	err := run(t.Context(), []string{"client", "frobnicate"}, func(string) string { return "" }, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "frobnicate") {
		t.Fatalf("run(frobnicate) = %v", err)
	}
	err = run(t.Context(), []string{"client"}, func(k string) string { return map[string]string{"CLIENT_URL": "nope"}[k] }, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "CLIENT_URL") {
		t.Fatalf("run with a bad CLIENT_URL = %v", err)
	}
}

// TestFlowFailures runs the ways a flow goes wrong against the real actors:
// each ends on a page that explains it (id="error"), never a 500, and the
// inspector records an error step.
func TestFlowFailures(t *testing.T) {
	t.Parallel()
	// Introspection lets the resource API see a revocation at once.
	// The forged callbacks below need the state, which only the full
	// front-channel request (no PAR) shows.
	s := startSystemFull(t, func(string) []string { return nil }, []string{"CLIENT_USE_PAR=false"})
	s.api.Stop()
	s.api = actortest.Start(t, "resourceapi", s.api.URL, append(apiEnv(t, s), "RESOURCEAPI_TOKEN_VALIDATION=introspection")...)

	errorStep := func(t *testing.T, b *browser) {
		t.Helper()
		if got := steps(b.get(s.client.URL + "/inspector").body); count(got, "error") == 0 {
			t.Errorf("the inspector shows no error step: %v", got)
		}
	}

	t.Run("api 403 insufficient_scope", func(t *testing.T) {
		b := newBrowser(t)
		tracks := s.connect(b, []string{"tracks:read"}, "bob", "builder", "approve")
		wantPage(t, tracks, http.StatusOK, `class="track"`)
		wantPage(t, b.get(s.client.URL+"/playlists"), http.StatusForbidden, `id="error"`, "insufficient_scope", "playlists:read", `id="connect"`)
		errorStep(t, b)
	})

	t.Run("access_denied", func(t *testing.T) {
		b := newBrowser(t)
		p := s.connect(b, []string{"tracks:read"}, "alice", "wonderland", "deny")
		wantPage(t, p, http.StatusForbidden, `id="error"`, "access_denied")
		errorStep(t, b)
	})

	// start begins a flow and returns the state the client sent.
	start := func(t *testing.T, b *browser) string {
		t.Helper()
		req, _ := http.NewRequest(http.MethodPost, s.client.URL+"/connect", strings.NewReader("scope=tracks%3Aread"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		state := b.noFollow(req).Query().Get("state")
		if state == "" {
			t.Fatal("the authorization request carries no state")
		}
		return state
	}

	t.Run("wrong state", func(t *testing.T) {
		b := newBrowser(t)
		start(t, b)
		p := b.get(s.client.URL + "/callback?" + url.Values{"code": {"abc"}, "state": {"forged"}, "iss": {s.as.URL}}.Encode())
		wantPage(t, p, http.StatusBadRequest, `id="error"`, "state")
		errorStep(t, b)
	})

	t.Run("missing code", func(t *testing.T) {
		b := newBrowser(t)
		state := start(t, b)
		p := b.get(s.client.URL + "/callback?" + url.Values{"state": {state}, "iss": {s.as.URL}}.Encode())
		wantPage(t, p, http.StatusBadRequest, `id="error"`, "No code")
		errorStep(t, b)
	})

	t.Run("wrong issuer", func(t *testing.T) {
		b := newBrowser(t)
		state := start(t, b)
		p := b.get(s.client.URL + "/callback?" + url.Values{"code": {"abc"}, "state": {state}, "iss": {"http://evil.example"}}.Encode())
		wantPage(t, p, http.StatusBadRequest, `id="error"`, "wrong server")
	})

	t.Run("api 401 after the user revoked the app", func(t *testing.T) {
		b := newBrowser(t)
		// playlists:write alone: the callback lands on the home page, with
		// no API call whose answer the API could cache.
		home := s.connect(b, []string{"playlists:write"}, "alice", "wonderland", "approve")
		wantPage(t, home, http.StatusOK, "Connected")
		account := b.get(s.as.URL + "/account")
		form := formAfter(t, account.body, `data-client-id="demo-client"`)
		wantPage(t, b.post(s.as.URL+"/account/revoke", form), http.StatusOK)
		p := b.get(s.client.URL + "/tracks")
		wantPage(t, p, http.StatusForbidden, `id="error"`, "invalid_token")
		errorStep(t, b)
	})

	// Last: it stops the authorization server.
	t.Run("token endpoint down", func(t *testing.T) {
		b := newBrowser(t)
		// A scope bob has not granted yet, so the consent page shows again.
		callback := b.noFollow(s.consentRequest(b, []string{"tracks:read", "playlists:read"}, "bob", "builder", "approve"))
		if callback.Query().Get("code") == "" {
			t.Fatalf("no code in %s", callback)
		}
		s.as.Kill()
		p := b.get(callback.String())
		wantPage(t, p, http.StatusBadGateway, `id="error"`, "could not be reached")
		errorStep(t, b)
	})
}

// apiEnv is the resource API's environment of startSystem.
func apiEnv(t *testing.T, s *system) []string {
	t.Helper()
	addr := strings.TrimPrefix(s.api.URL, "http://")
	return []string{
		"RESOURCEAPI_ADDR=" + addr,
		"RESOURCEAPI_URL=" + s.api.URL,
		"RESOURCEAPI_ISSUER=" + s.as.URL,
		"RESOURCEAPI_DB=" + filepath.Join(t.TempDir(), "resourceapi.db"),
	}
}
