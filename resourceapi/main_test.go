package main

// These tests run the resource API's real main (run) against the real
// authorization server, started as a process from this workspace, and get
// their tokens from it the way clients do: client credentials for the
// machine client, and login + consent + code exchange (with PKCE) for the
// demo users.

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/oauthlab/oauthlab/shared/actortest"
	"github.com/oauthlab/oauthlab/shared/contract"
)

// system is a real authorization server and a resource API that trusts it.
type system struct {
	as     *actortest.Process
	asDB   string
	apiURL string
	// podcastsURL is the podcasts API's identifier in the authorization
	// server's registry; startPodcasts runs it there.
	podcastsURL string
}

func startSystem(t *testing.T) *system {
	t.Helper()
	if testing.Short() {
		t.Skip("starts the real authorization server")
	}
	dir := t.TempDir()
	asAddr, apiAddr := actortest.FreeAddr(t), actortest.FreeAddr(t)
	s := &system{asDB: filepath.Join(dir, "as.db"), apiURL: "http://" + apiAddr, podcastsURL: "http://" + actortest.FreeAddr(t)}
	s.as = actortest.Start(t, "authserver", "http://"+asAddr,
		"AUTHSERVER_ADDR="+asAddr,
		"AUTHSERVER_ISSUER=http://"+asAddr,
		"AUTHSERVER_AUDIENCE="+s.apiURL,
		"AUTHSERVER_PODCASTS_AUDIENCE="+s.podcastsURL,
		"AUTHSERVER_DB="+s.asDB,
	)
	s.startAPI(t, apiAddr, s.apiURL, filepath.Join(dir, "api.db"), "jwt")
	return s
}

// startAPI runs the resource API in this process, as main would, until the
// test ends. resourceURL is its identifier (the aud it expects).
func (s *system) startAPI(t *testing.T, addr, resourceURL, db, mode string) {
	t.Helper()
	runAPI(t, mode, map[string]string{
		"RESOURCEAPI_ADDR":             addr,
		"RESOURCEAPI_URL":              resourceURL,
		"RESOURCEAPI_ISSUER":           s.as.URL,
		"RESOURCEAPI_DB":               db,
		"RESOURCEAPI_TOKEN_VALIDATION": mode,
	})
}

// runAPI runs the resource API in this process with env, as main would,
// until the test ends, and waits until it is healthy.
func runAPI(t *testing.T, label string, env map[string]string) {
	t.Helper()
	addr := env["RESOURCEAPI_ADDR"]
	ctx, cancel := context.WithCancel(context.Background())
	var out bytes.Buffer
	var mu sync.Mutex
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"resourceapi"}, func(k string) string { return env[k] }, &lockedWriter{w: &out, mu: &mu})
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("run: %v", err)
		}
		if t.Failed() {
			mu.Lock()
			t.Logf("--- resource API (%s) output ---\n%s", label, out.String())
			mu.Unlock()
		}
	})
	for deadline := time.Now().Add(30 * time.Second); ; {
		select {
		case err := <-done:
			t.Fatalf("the resource API stopped: %v", err)
		default:
		}
		if resp, err := http.Get("http://" + addr + "/healthz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatal("the resource API did not become healthy")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

type lockedWriter struct {
	w  io.Writer
	mu *sync.Mutex
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// machineToken gets a client credentials token for demo-machine.
func (s *system) machineToken(t *testing.T) string {
	t.Helper()
	cc := clientcredentials.Config{
		ClientID: contract.MachineClient.ID, ClientSecret: contract.MachineClient.Secret,
		TokenURL: s.as.URL + "/token", Scopes: []string{"charts:read"}, AuthStyle: oauth2.AuthStyleInHeader,
	}
	tok, err := cc.Token(context.Background())
	if err != nil {
		t.Fatalf("client credentials: %v", err)
	}
	return tok.AccessToken
}

// userToken runs the authorization code flow for user as a browser would
// (cookie jar, login form, consent form) and returns the token response.
func (s *system) userToken(t *testing.T, user contract.DemoUser, scope ...string) *oauth2.Token {
	t.Helper()
	return s.userTokenWith(t, user, scope)
}

// userTokenWith is userToken with extra authorization request parameters
// (resource indicators, say); the same options go to the code exchange.
func (s *system) userTokenWith(t *testing.T, user contract.DemoUser, scope []string, opts ...oauth2.AuthCodeOption) *oauth2.Token {
	t.Helper()
	conf := &oauth2.Config{
		ClientID: contract.WebClient.ID, ClientSecret: contract.WebClient.Secret,
		RedirectURL: contract.WebClient.RedirectURI, Scopes: scope,
		Endpoint: oauth2.Endpoint{AuthURL: s.as.URL + "/authorize", TokenURL: s.as.URL + "/token", AuthStyle: oauth2.AuthStyleInHeader},
	}
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar, CheckRedirect: func(req *http.Request, via []*http.Request) error {
		if !strings.HasPrefix(req.URL.String(), s.as.URL) {
			return http.ErrUseLastResponse // the redirect back to the client
		}
		return nil
	}}
	page := func(resp *http.Response, err error) (*http.Response, string) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, string(b)
	}
	verifier := oauth2.GenerateVerifier()
	_, body := page(browser.Get(conf.AuthCodeURL("st", append(opts, oauth2.S256ChallengeOption(verifier))...)))
	if !strings.Contains(body, `id="login"`) {
		t.Fatalf("no login page:\n%s", body)
	}
	form := actortest.HiddenFields(body)
	form.Set("username", user.Username)
	form.Set("password", user.Password)
	resp, body := page(browser.PostForm(s.as.URL+"/login", form))
	if strings.Contains(body, `id="approve"`) {
		form = actortest.HiddenFields(body)
		form.Set("decision", "approve")
		resp, _ = page(browser.PostForm(s.as.URL+"/consent", form))
	}
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || loc.Query().Get("code") == "" {
		t.Fatalf("no code in the redirect %q (status %d)", resp.Header.Get("Location"), resp.StatusCode)
	}
	tok, err := conf.Exchange(context.Background(), loc.Query().Get("code"), append(opts, oauth2.VerifierOption(verifier))...)
	if err != nil {
		t.Fatalf("code exchange: %v", err)
	}
	return tok
}

// get calls the API and returns the status, the challenge and the body.
func get(t *testing.T, url, token string) (int, string, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatalf("GET %s: body is not JSON: %v", url, err)
	}
	return resp.StatusCode, resp.Header.Get("WWW-Authenticate"), body
}

func kidOf(t *testing.T, token string) string {
	t.Helper()
	head, _, _ := strings.Cut(token, ".")
	raw, err := base64.RawURLEncoding.DecodeString(head)
	if err != nil {
		t.Fatal(err)
	}
	var h struct {
		Kid string `json:"kid"`
	}
	if err := json.Unmarshal(raw, &h); err != nil {
		t.Fatal(err)
	}
	return h.Kid
}

func TestWithRealAuthorizationServer(t *testing.T) {
	s := startSystem(t)

	t.Run("machine client reads the charts and nothing else", func(t *testing.T) {
		tok := s.machineToken(t)
		if status, _, body := get(t, s.apiURL+"/v1/charts", tok); status != 200 || len(body["items"].([]any)) == 0 {
			t.Fatalf("charts: %d %v", status, body)
		}
		status, ch, body := get(t, s.apiURL+"/v1/me/top-tracks", tok)
		if status != 403 || body["error"] != "insufficient_scope" || !strings.Contains(ch, `scope="tracks:read"`) {
			t.Fatalf("top tracks with a machine token: %d %q %v", status, ch, body)
		}
	})

	t.Run("users see their own data, within their scopes", func(t *testing.T) {
		first := map[string]string{}
		for _, u := range []contract.DemoUser{contract.Alice, contract.Bob} {
			tok := s.userToken(t, u, "tracks:read", "playlists:read")
			status, _, body := get(t, s.apiURL+"/v1/me/top-tracks", tok.AccessToken)
			if status != 200 || len(body["items"].([]any)) == 0 {
				t.Fatalf("%s top tracks: %d %v", u.Username, status, body)
			}
			first[u.Username] = body["items"].([]any)[0].(map[string]any)["track"].(map[string]any)["id"].(string)
			if status, _, body := get(t, s.apiURL+"/v1/me/playlists", tok.AccessToken); status != 200 || body["total"].(float64) == 0 {
				t.Fatalf("%s playlists: %d %v", u.Username, status, body)
			}
			if status, _, _ := get(t, s.apiURL+"/v1/charts", tok.AccessToken); status != 403 {
				t.Errorf("%s reads the charts without charts:read: %d", u.Username, status)
			}
			// The refresh token is not an access token.
			if status, _, body := get(t, s.apiURL+"/v1/me/top-tracks", tok.RefreshToken); status != 401 || body["error"] != "invalid_token" {
				t.Errorf("refresh token used as a bearer token: %d %v", status, body)
			}
		}
		if first["alice"] == first["bob"] {
			t.Errorf("alice and bob have the same top track %s", first["alice"])
		}
	})

	t.Run("real tokens, forged", func(t *testing.T) {
		genuine := s.userToken(t, contract.Alice, "playlists:read").AccessToken
		parts := strings.Split(genuine, ".")
		if len(parts) != 3 {
			t.Fatalf("not a JWS: %q", genuine)
		}
		payload, err := base64.RawURLEncoding.DecodeString(parts[1])
		if err != nil {
			t.Fatal(err)
		}
		// More scope, written into the payload after signing.
		widened := strings.Replace(string(payload), `"scope":"playlists:read"`, `"scope":"playlists:read playlists:write"`, 1)
		if widened == string(payload) {
			t.Fatalf("no scope claim to widen in %s", payload)
		}
		header, _ := base64.RawURLEncoding.DecodeString(parts[0])
		var h map[string]any
		if err := json.Unmarshal(header, &h); err != nil {
			t.Fatal(err)
		}
		h["alg"] = "none"
		noneHeader, _ := json.Marshal(h)
		enc := base64.RawURLEncoding.EncodeToString
		for name, tok := range map[string]string{
			"payload tampered":  parts[0] + "." + enc([]byte(widened)) + "." + parts[2],
			"alg none":          enc(noneHeader) + "." + parts[1] + ".",
			"signature removed": parts[0] + "." + parts[1] + ".",
			"signature of another token": parts[0] + "." + parts[1] + "." +
				strings.Split(s.userToken(t, contract.Bob, "playlists:read").AccessToken, ".")[2],
		} {
			status, ch, body := get(t, s.apiURL+"/v1/me/playlists", tok)
			if status != 401 || body["error"] != "invalid_token" || !strings.Contains(ch, `error="invalid_token"`) {
				t.Errorf("%s: %d %q %v", name, status, ch, body)
			}
		}
		if status, _, _ := get(t, s.apiURL+"/v1/me/playlists", genuine); status != 200 {
			t.Errorf("the untouched token: %d", status)
		}
	})

	t.Run("a token for another resource server is refused", func(t *testing.T) {
		// The same authorization server, but the API believes it is
		// another resource: the tokens' aud does not name it.
		other := actortest.FreeAddr(t)
		s.startAPI(t, other, "http://"+other, filepath.Join(t.TempDir(), "other.db"), "jwt")
		status, ch, body := get(t, "http://"+other+"/v1/charts", s.machineToken(t))
		if status != 401 || body["error"] != "invalid_token" || !strings.Contains(ch, `error="invalid_token"`) {
			t.Fatalf("%d %q %v", status, ch, body)
		}
	})

	t.Run("key rotation needs no restart of the API", func(t *testing.T) {
		before := s.machineToken(t)
		if status, _, _ := get(t, s.apiURL+"/v1/charts", before); status != 200 {
			t.Fatalf("before rotation: %d", status)
		}
		keys := func(args ...string) {
			t.Helper()
			cmd := exec.Command(actortest.Binary(t, "authserver"), append([]string{"keys"}, args...)...)
			cmd.Env = []string{"AUTHSERVER_DB=" + s.asDB, "AUTHSERVER_ISSUER=" + s.as.URL, "AUTHSERVER_AUDIENCE=" + s.apiURL}
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("keys %v: %v\n%s", args, err, out)
			}
		}
		// A second instance that re-reads the JWKS every second, to see a
		// retired key disappear without waiting the default minute.
		quickAddr := actortest.FreeAddr(t)
		runAPI(t, "jwt, quick JWKS refresh", map[string]string{
			"RESOURCEAPI_ADDR": quickAddr, "RESOURCEAPI_URL": s.apiURL, "RESOURCEAPI_ISSUER": s.as.URL,
			"RESOURCEAPI_DB": filepath.Join(t.TempDir(), "quick.db"), "RESOURCEAPI_TOKEN_VALIDATION": "jwt",
			"RESOURCEAPI_JWKS_REFRESH": "1s",
		})
		quickURL := "http://" + quickAddr
		if status, _, _ := get(t, quickURL+"/v1/charts", before); status != 200 {
			t.Fatalf("before rotation, quick instance: %d", status)
		}
		keys("rotate", "-publish-ahead", "0")
		// The running server picks the new key up shortly; wait for the
		// first token it signs with it.
		var after string
		for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(100 * time.Millisecond) {
			after = s.machineToken(t)
			if kidOf(t, after) != kidOf(t, before) {
				break
			}
			if time.Now().After(deadline) {
				t.Fatal("the authorization server did not start signing with the new key")
			}
		}
		if status, _, body := get(t, s.apiURL+"/v1/charts", after); status != 200 {
			t.Fatalf("token signed with the new key: %d %v", status, body)
		}
		// Tokens signed with the old key stay valid while it is published.
		if status, _, _ := get(t, s.apiURL+"/v1/charts", before); status != 200 {
			t.Fatalf("token signed with the old key: %d", status)
		}
		// Retiring the old key removes it from the JWKS at once; an API
		// that re-reads the JWKS stops trusting it, cached checks included.
		keys("retire", kidOf(t, before))
		for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(200 * time.Millisecond) {
			status, _, _ := get(t, quickURL+"/v1/charts", before)
			if status == 401 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("a token of the retired key is still accepted: %d", status)
			}
		}
		if status, _, _ := get(t, quickURL+"/v1/charts", after); status != 200 {
			t.Fatalf("token signed with the new key after the retirement: %d", status)
		}
	})

	t.Run("revocation: introspection sees it, local JWT checks do not", func(t *testing.T) {
		introAddr := actortest.FreeAddr(t)
		introURL := "http://" + introAddr
		// A second instance of the same API (same identifier, so the same
		// tokens are meant for it) that asks the authorization server
		// about every token instead of checking it locally.
		s.startAPI(t, introAddr, s.apiURL, filepath.Join(t.TempDir(), "intro.db"), "introspection")

		tok := s.userToken(t, contract.Alice, "tracks:read")
		for _, api := range []string{s.apiURL, introURL} {
			if status, _, body := get(t, api+"/v1/me/top-tracks", tok.AccessToken); status != 200 {
				t.Fatalf("%s before revocation: %d %v", api, status, body)
			}
		}
		// The client revokes the grant (RFC 7009) with its refresh token.
		form := url.Values{"token": {tok.RefreshToken}, "token_type_hint": {"refresh_token"}}
		req, _ := http.NewRequest("POST", s.as.URL+"/revoke", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.SetBasicAuth(contract.WebClient.ID, contract.WebClient.Secret)
		resp, err := http.DefaultClient.Do(req)
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("revoke: %v %v", err, resp)
		}
		resp.Body.Close()

		// Local JWT validation cannot know: the token works until exp.
		if status, _, _ := get(t, s.apiURL+"/v1/me/top-tracks", tok.AccessToken); status != 200 {
			t.Errorf("JWT mode after revocation: %d (it has no way to know)", status)
		}
		// Introspection knows once its short cache entry ends.
		var status int
		var body map[string]any
		for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(250 * time.Millisecond) {
			if status, _, body = get(t, introURL+"/v1/me/top-tracks", tok.AccessToken); status == 401 {
				break
			}
		}
		if status != 401 || body["error"] != "invalid_token" {
			t.Fatalf("introspection mode after revocation: %d %v", status, body)
		}
		// A token never seen before is checked at once.
		fresh := s.userToken(t, contract.Bob, "playlists:read")
		if status, _, _ := get(t, introURL+"/v1/me/playlists", fresh.AccessToken); status != 200 {
			t.Errorf("introspection mode, fresh token: %d", status)
		}
		if status, _, body := get(t, introURL+"/v1/me/playlists", fresh.RefreshToken); status != 401 || body["error"] != "invalid_token" {
			t.Errorf("introspection mode, refresh token as bearer: %d %v", status, body)
		}
	})
}

func TestHealthcheckCommand(t *testing.T) {
	addr := actortest.FreeAddr(t)
	env := func(k string) string {
		return map[string]string{"RESOURCEAPI_ADDR": addr, "RESOURCEAPI_DB": filepath.Join(t.TempDir(), "api.db")}[k]
	}
	if err := run(context.Background(), []string{"resourceapi", "healthcheck"}, env, io.Discard); err == nil {
		t.Fatal("healthcheck passes with no server running")
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"resourceapi"}, env, io.Discard) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("run: %v", err)
		}
	}()
	var err error
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if err = run(context.Background(), []string{"resourceapi", "healthcheck"}, env, io.Discard); err == nil {
			break
		}
	}
	if err != nil {
		t.Fatalf("healthcheck against a running server: %v", err)
	}
}

func TestBadConfigurationAndCommand(t *testing.T) {
	bad := func(k string) string {
		return map[string]string{"RESOURCEAPI_TOKEN_VALIDATION": "opaque"}[k]
	}
	if err := run(context.Background(), []string{"resourceapi"}, bad, io.Discard); err == nil || !strings.Contains(err.Error(), "RESOURCEAPI_TOKEN_VALIDATION") {
		t.Errorf("bad configuration: %v", err)
	}
	none := func(string) string { return "" }
	if err := run(context.Background(), []string{"resourceapi", "serve-forever"}, none, io.Discard); err == nil {
		t.Error("an unknown command is accepted")
	}
}
