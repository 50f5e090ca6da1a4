package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/oauthlab/oauthlab/shared/actortest"
	"github.com/oauthlab/oauthlab/shared/contract"
)

// TestComposeWiring starts the three real binaries with exactly the
// environment docker-compose.yml gives them, service names and ports pointed
// at loopback (see loopback.rewrite), and runs the flows across them. If a
// back-channel URL, an issuer or an audience were wrong in the compose file,
// a flow here would fail the way it would fail in the containers.
func TestComposeWiring(t *testing.T) {
	t.Parallel() // mostly waiting on processes; the three system tests overlap
	checkWiring(t, startSystem(t, nil))
}

// checkWiring runs, on a system started from a compose file's environment,
// what every deployment of the three actors must do: health checks,
// metadata, both grants through the client and the back channel, and
// introspection.
func checkWiring(t *testing.T, sys *system) {
	clientEnv, apiEnv := sys.Env["client"], sys.Env["resourceapi"]
	hc := &http.Client{Timeout: 10 * time.Second}

	t.Run("health checks as docker runs them", func(t *testing.T) {
		// HEALTHCHECK runs `/app/<actor> healthcheck` inside the container,
		// with the container's environment: the probe must find the port
		// from the same *_ADDR the server listens on.
		for _, name := range services {
			if err := healthcheck(t, name, sys.Env[name]); err != nil {
				t.Errorf("%s healthcheck: %v", name, err)
			}
		}
		// And it must fail when nothing answers there.
		env := map[string]string{"AUTHSERVER_ADDR": actortest.FreeAddr(t)}
		if err := healthcheck(t, "authserver", env); err == nil {
			t.Error("authserver healthcheck passed with nothing listening")
		}
	})

	t.Run("metadata names the browser-facing issuer", func(t *testing.T) {
		// Fetched through the back channel, as a container would. RFC 8414 §2:
		// `issuer` is the identifier written into tokens; it stays the
		// browser-facing URL whatever address the request came in on.
		var meta struct {
			Issuer                string `json:"issuer"`
			AuthorizationEndpoint string `json:"authorization_endpoint"`
			TokenEndpoint         string `json:"token_endpoint"`
			JWKSURI               string `json:"jwks_uri"`
		}
		backChannel := strings.TrimSuffix(clientEnv["CLIENT_TOKEN_URL"], "/token")
		getJSON(t, hc, backChannel+"/.well-known/oauth-authorization-server", "", &meta)
		if meta.Issuer != sys.AuthServer {
			t.Errorf("issuer = %q, want the browser-facing %q", meta.Issuer, sys.AuthServer)
		}
		if meta.AuthorizationEndpoint != clientEnv["CLIENT_AUTHORIZE_URL"] {
			t.Errorf("authorization_endpoint = %q, but the client sends browsers to %q", meta.AuthorizationEndpoint, clientEnv["CLIENT_AUTHORIZE_URL"])
		}
	})

	t.Run("protected resource metadata", func(t *testing.T) {
		// RFC 9728 §2: the resource identifier and the authorization server
		// that issues its tokens, both as identifiers (browser-facing).
		var meta struct {
			Resource             string   `json:"resource"`
			AuthorizationServers []string `json:"authorization_servers"`
		}
		getJSON(t, hc, clientEnv["CLIENT_API_URL"]+"/.well-known/oauth-protected-resource", "", &meta)
		if meta.Resource != sys.ResourceAPI {
			t.Errorf("resource = %q, want %q", meta.Resource, sys.ResourceAPI)
		}
		if !slices.Contains(meta.AuthorizationServers, sys.AuthServer) {
			t.Errorf("authorization_servers = %q, want it to hold %q", meta.AuthorizationServers, sys.AuthServer)
		}
	})

	t.Run("client credentials: charts", func(t *testing.T) {
		// The machine client asks for a token on the back channel (RFC 6749
		// §4.4.2), and the resource API checks it against keys it fetched
		// from RESOURCEAPI_JWKS_URL, expecting the browser-facing issuer.
		form := url.Values{"grant_type": {"client_credentials"}, "scope": {"charts:read"}}
		req, err := newForm(clientEnv["CLIENT_TOKEN_URL"], form)
		if err != nil {
			t.Fatal(err)
		}
		req.SetBasicAuth(url.QueryEscape(contract.MachineClient.ID), url.QueryEscape(contract.MachineClient.Secret))
		var tok struct {
			AccessToken string `json:"access_token"`
			TokenType   string `json:"token_type"`
			Scope       string `json:"scope"`
		}
		doJSON(t, hc, req, &tok)
		if tok.AccessToken == "" || !strings.EqualFold(tok.TokenType, "Bearer") {
			t.Fatalf("token response: type %q, token present %v", tok.TokenType, tok.AccessToken != "")
		}

		var charts json.RawMessage
		getJSON(t, hc, clientEnv["CLIENT_API_URL"]+"/v1/charts", tok.AccessToken, &charts)
		if len(charts) < 3 {
			t.Errorf("charts = %s, want some", charts)
		}
	})

	t.Run("client credentials through the client", func(t *testing.T) {
		// The same grant made by the client app with CLIENT_MACHINE_ID and
		// CLIENT_MACHINE_SECRET, on its Charts page.
		a := newAgent(t)
		charts := a.click(a.get(sys.Client+"/charts"), "#fetch-charts", nil)
		if n := charts.Doc.Find(".chart").Length(); n == 0 {
			t.Fatalf("the Charts page shows no .chart (status %d):\n%s", charts.Status, charts.Body)
		}
	})

	t.Run("introspection from the resource API's settings", func(t *testing.T) {
		// RFC 7662 §2.1: the resource API authenticates with its own
		// credentials at RESOURCEAPI_INTROSPECTION_URL. An unknown token is
		// simply inactive (§2.2).
		req, err := newForm(apiEnv["RESOURCEAPI_INTROSPECTION_URL"], url.Values{"token": {"not-a-token"}})
		if err != nil {
			t.Fatal(err)
		}
		req.SetBasicAuth(url.QueryEscape(apiEnv["RESOURCEAPI_CLIENT_ID"]), url.QueryEscape(apiEnv["RESOURCEAPI_CLIENT_SECRET"]))
		var resp struct {
			Active *bool `json:"active"`
		}
		doJSON(t, hc, req, &resp)
		if resp.Active == nil || *resp.Active {
			t.Errorf("active = %v, want false", resp.Active)
		}
	})

	t.Run("authorization code through the client", func(t *testing.T) {
		alice := connectAs(t, sys, contract.Alice)

		// The client redeemed the code on the back channel and the resource
		// API accepted the token: alice's tracks show.
		tracks := alice.get(sys.Client + "/tracks")
		if n := tracks.Doc.Find(".track").Length(); n == 0 {
			t.Fatalf("/tracks shows no .track (status %d):\n%s", tracks.Status, tracks.Body)
		}
		inspector := alice.get(sys.Client + "/inspector")
		for _, step := range []string{"authorization-request", "authorization-response", "token-request", "token-response", "access-token", "api-call"} {
			if inspector.Doc.Find(`.step[data-step="`+step+`"]`).Length() == 0 {
				t.Errorf("the inspector shows no %q step", step)
			}
		}

		// Each user sees their own data: the resource API keys it by the
		// token's `sub`, which the authorization server sets per user.
		bob := connectAs(t, sys, contract.Bob)
		alicePlaylists, bobPlaylists := playlistIDs(t, alice, sys), playlistIDs(t, bob, sys)
		if len(alicePlaylists) == 0 || len(bobPlaylists) == 0 {
			t.Fatalf("playlists: alice %v, bob %v: want some for each", alicePlaylists, bobPlaylists)
		}
		for _, id := range alicePlaylists {
			if slices.Contains(bobPlaylists, id) {
				t.Errorf("bob sees alice's playlist %s", id)
			}
		}
	})
}

// connectAs runs the Authorization Code flow through the client for user,
// asking for every user scope, and returns the agent (its cookie jar holds
// the client's session).
func connectAs(t testing.TB, sys *system, user contract.DemoUser) *agent {
	t.Helper()
	a := newAgent(t)
	home := a.get(sys.Client + "/")
	login := a.click(home, "#connect", url.Values{"scope": {"tracks:read", "playlists:read", "playlists:write"}})

	// RFC 6749 §4.1.1: the browser is sent to the browser-facing
	// authorization endpoint, never to the back-channel host.
	authorize := sys.Env["client"]["CLIENT_AUTHORIZE_URL"]
	if !visitedPrefix(a, authorize) {
		t.Fatalf("the browser never reached %s; it went to %v", authorize, a.visited)
	}
	back := a.click(login, "#login", url.Values{
		"username": {user.Username},
		"password": {user.Password},
	})
	// The authorization server asks for consent once per client and scopes;
	// a grant it remembers sends the browser straight back.
	if back.Doc.Find("#approve").Length() > 0 {
		back = a.click(back, "#approve", nil)
	}
	if !strings.HasPrefix(back.URL.String(), sys.Client) {
		t.Fatalf("%s: after consent the browser is at %s, want the client %s", user.Username, back.URL, sys.Client)
	}
	if back.Doc.Find("#error").Length() > 0 {
		t.Fatalf("%s: the client shows an error after the callback: %s", user.Username, strings.TrimSpace(back.Doc.Find("#error").Text()))
	}
	return a
}

// playlistIDs lists the data-playlist-id of the client's /playlists page.
func playlistIDs(t testing.TB, a *agent, sys *system) []string {
	t.Helper()
	p := a.get(sys.Client + "/playlists")
	var ids []string
	p.Doc.Find(".playlist[data-playlist-id]").Each(func(_ int, s *goquery.Selection) {
		ids = append(ids, s.AttrOr("data-playlist-id", ""))
	})
	return ids
}

// healthcheck runs an actor's binary with the healthcheck command and env,
// as the image's HEALTHCHECK does.
func healthcheck(t *testing.T, actor string, env map[string]string) error {
	t.Helper()
	cmd := exec.Command(actortest.Binary(t, actor), "healthcheck")
	cmd.Env = []string{"PATH=" + os.Getenv("PATH")}
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("%w: %s", err, out)
	}
	return nil
}

func visitedPrefix(a *agent, prefix string) bool {
	for _, u := range a.visited {
		if strings.HasPrefix(u.String(), prefix) {
			return true
		}
	}
	return false
}

func newForm(rawURL string, form url.Values) (*http.Request, error) {
	req, err := http.NewRequest(http.MethodPost, rawURL, strings.NewReader(form.Encode()))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return req, nil
}

func getJSON(t testing.TB, c *http.Client, rawURL, bearer string, v any) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, rawURL, nil)
	if err != nil {
		t.Fatal(err)
	}
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	doJSON(t, c, req, v)
}

// doJSON sends req and decodes a 200 JSON answer into v.
func doJSON(t testing.TB, c *http.Client, req *http.Request, v any) {
	t.Helper()
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	var raw json.RawMessage
	if err := json.NewDecoder(resp.Body).Decode(&raw); err != nil {
		t.Fatalf("%s %s: status %d, body is not JSON: %v", req.Method, req.URL, resp.StatusCode, err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%s %s: status %d: %s", req.Method, req.URL, resp.StatusCode, raw)
	}
	if err := json.Unmarshal(raw, v); err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
}
