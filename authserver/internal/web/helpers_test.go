package web_test

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
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/oauthlab/oauthlab/authserver/internal/oauth"
	"github.com/oauthlab/oauthlab/authserver/internal/store"
	"github.com/oauthlab/oauthlab/authserver/internal/web"
	"github.com/oauthlab/oauthlab/shared/actortest"
	"golang.org/x/oauth2"
)

// redirectURI is demo-client's redirect URI in these tests. Nothing
// listens there: the browser stops at the redirect and reads the code.
const redirectURI = "http://localhost:8080/callback"

// testEnv is a real authorization server (real router, real SQLite file)
// behind httptest, with a clock the test can move forward.
type testEnv struct {
	t      testing.TB
	URL    string
	Server *oauth.Server
	DB     *store.DB
	offset atomic.Int64 // added to time.Now, in nanoseconds
}

func (e *testEnv) now() time.Time { return time.Now().Add(time.Duration(e.offset.Load())) }

// advance moves the server's clock forward.
func (e *testEnv) advance(d time.Duration) { e.offset.Add(int64(d)) }

func newTestEnv(t testing.TB, opts ...func(*web.Options)) *testEnv {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(t.TempDir(), "authserver.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.SeedDemo(ctx, redirectURI); err != nil {
		t.Fatal(err)
	}
	if err := oauth.EnsureKey(ctx, db, oauth.AlgES256, time.Now()); err != nil {
		t.Fatal(err)
	}
	for _, r := range oauth.DefaultResources("http://localhost:9090", "http://localhost:9091") {
		if err := db.AddResource(ctx, r, time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	resources, err := db.Resources(ctx)
	if err != nil {
		t.Fatal(err)
	}
	env := &testEnv{t: t, DB: db}
	var handler http.Handler
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { handler.ServeHTTP(w, r) }))
	t.Cleanup(ts.Close)
	env.URL = ts.URL
	env.Server = &oauth.Server{
		Store: db, Keys: oauth.NewKeys(db, 10*time.Minute, env.now),
		Issuer: ts.URL, Audience: "http://localhost:9090", Resources: oauth.NewRegistry(resources),
		Devices: db, DeviceInterval: 5 * time.Second,
		AccessTTL: 10 * time.Minute, RefreshTTL: 24 * time.Hour, CodeTTL: time.Minute, Now: env.now,
	}
	csrfKey, err := db.ServerSecret(ctx, "csrf_hmac_key", 32)
	if err != nil {
		t.Fatal(err)
	}
	if env.Server.ClientSecretKey, err = db.ServerSecret(ctx, oauth.ClientSecretKeyName, 32); err != nil {
		t.Fatal(err)
	}
	o := web.Options{
		Server: env.Server, Sessions: db, Health: db.Ping, CSRFKey: csrfKey,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
	for _, f := range opts {
		f(&o)
	}
	handler = web.New(o)
	return env
}

// browser is an HTTP client with a cookie jar that stops at the client's
// redirect URI, as a real browser would hand it over to the client.
func (e *testEnv) browser() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{
		Jar: jar,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if !strings.HasPrefix(req.URL.String(), e.URL) {
				return http.ErrUseLastResponse
			}
			return nil
		},
	}
}

func readBody(t testing.TB, resp *http.Response) string {
	t.Helper()
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// login signs the browser in through the login page reached by following
// authURL; it returns the response after sign-in (consent page, or the
// redirect to the client when consent was already given).
func (e *testEnv) login(b *http.Client, authURL, username, password string) *http.Response {
	e.t.Helper()
	resp, err := b.Get(authURL)
	if err != nil {
		e.t.Fatal(err)
	}
	body := readBody(e.t, resp)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `id="login"`) {
		e.t.Fatalf("GET %s: want the login page, got %d:\n%s", authURL, resp.StatusCode, body)
	}
	form := actortest.HiddenFields(body)
	form.Set("username", username)
	form.Set("password", password)
	resp, err = b.PostForm(e.URL+"/login", form)
	if err != nil {
		e.t.Fatal(err)
	}
	return resp
}

// consent answers the consent page in resp with "approve" or "deny".
func (e *testEnv) consent(b *http.Client, resp *http.Response, decision string) *http.Response {
	e.t.Helper()
	body := readBody(e.t, resp)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `id="approve"`) {
		e.t.Fatalf("want the consent page, got %d:\n%s", resp.StatusCode, body)
	}
	form := actortest.HiddenFields(body)
	form.Set("decision", decision)
	resp, err := b.PostForm(e.URL+"/consent", form)
	if err != nil {
		e.t.Fatal(err)
	}
	return resp
}

// redirectParams checks that resp redirects to the client and returns the
// query it carries.
func (e *testEnv) redirectParams(resp *http.Response) url.Values {
	e.t.Helper()
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound && resp.StatusCode != http.StatusSeeOther {
		e.t.Fatalf("want a redirect to the client, got %d", resp.StatusCode)
	}
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil {
		e.t.Fatal(err)
	}
	if got := loc.Scheme + "://" + loc.Host + loc.Path; got != redirectURI {
		e.t.Fatalf("redirected to %s, want %s", got, redirectURI)
	}
	return loc.Query()
}

// authorizeURL builds an authorization request for demo-client, with
// testVerifier's PKCE challenge; a parameter set to "" is left out.
func (e *testEnv) authorizeURL(params map[string]string) string {
	q := url.Values{"client_id": {"demo-client"}, "redirect_uri": {redirectURI}, "response_type": {"code"},
		"state": {"xyz"}, "scope": {"tracks:read playlists:read"},
		"code_challenge": {oauth2.S256ChallengeFromVerifier(testVerifier)}, "code_challenge_method": {"S256"}}
	for k, v := range params {
		if v == "" {
			q.Del(k)
		} else {
			q.Set(k, v)
		}
	}
	return e.URL + "/authorize?" + q.Encode()
}

// testVerifier is the PKCE verifier of codes made with code(""): every
// client must use PKCE (OAuth 2.1), and exchange(code, "") sends it.
var testVerifier = oauth2.GenerateVerifier()

// withPKCE is the code_challenge and code_challenge_method of testVerifier.
var withPKCE = url.Values{"code_challenge": {oauth2.S256ChallengeFromVerifier(testVerifier)}, "code_challenge_method": {"S256"}}

// pkce adds withPKCE to an authorization request's parameters.
func pkce(q url.Values) url.Values {
	for k, v := range withPKCE {
		q[k] = v
	}
	return q
}

// code runs login and consent for alice and returns a fresh code for the
// given PKCE challenge (empty for testVerifier's).
func (e *testEnv) code(challenge string) string {
	e.t.Helper()
	if challenge == "" {
		challenge = oauth2.S256ChallengeFromVerifier(testVerifier)
	}
	return e.codeWith(map[string]string{"code_challenge": challenge, "code_challenge_method": "S256"})
}

// codeWith runs login and consent for alice with an authorization request
// changed by params (see authorizeURL) and returns the code.
func (e *testEnv) codeWith(params map[string]string) string {
	e.t.Helper()
	b := e.browser()
	resp := e.login(b, e.authorizeURL(params), "alice", "wonderland")
	if resp.StatusCode == http.StatusOK {
		resp = e.consent(b, resp, "approve")
	}
	q := e.redirectParams(resp)
	if q.Get("code") == "" {
		e.t.Fatalf("no code in the redirect: %v", q)
	}
	return q.Get("code")
}

// postForm sends a back-channel form request, with Basic auth when user
// is not empty.
// machineToken gets a client_credentials access token as demo-machine.
func (e *testEnv) machineToken() string {
	e.t.Helper()
	resp, m := e.postForm("/token", "demo-machine", "machine-secret", url.Values{"grant_type": {"client_credentials"}})
	token, _ := m["access_token"].(string)
	if resp.StatusCode != http.StatusOK || token == "" {
		e.t.Fatalf("client_credentials = %d %v", resp.StatusCode, m)
	}
	return token
}

func (e *testEnv) postForm(path, user, pass string, form url.Values) (*http.Response, map[string]any) {
	e.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, e.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if user != "" {
		req.SetBasicAuth(url.QueryEscape(user), url.QueryEscape(pass))
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	body := readBody(e.t, resp)
	var m map[string]any
	if body != "" {
		if err := json.Unmarshal([]byte(body), &m); err != nil {
			e.t.Fatalf("POST %s: body is not JSON: %q", path, body)
		}
	}
	return resp, m
}

// introspect asks whether token is active, as the resource API would.
func (e *testEnv) introspect(token string) map[string]any {
	e.t.Helper()
	resp, m := e.postForm("/introspect", "music-api", "music-api-secret", url.Values{"token": {token}})
	if resp.StatusCode != http.StatusOK {
		e.t.Fatalf("introspect: status %d: %v", resp.StatusCode, m)
	}
	return m
}
