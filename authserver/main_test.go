package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/MicahParks/keyfunc/v3"
	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/golang-jwt/jwt/v5"
	"golang.org/x/oauth2"

	"github.com/oauthlab/oauthlab/authserver/internal/store"
	"github.com/oauthlab/oauthlab/shared/actortest"
)

// startServer runs the real authserver binary on a free loopback port.
func startServer(t *testing.T, extra ...string) (*actortest.Process, map[string]string) {
	t.Helper()
	addr := actortest.FreeAddr(t)
	base := "http://" + addr
	env := map[string]string{
		"AUTHSERVER_ADDR":   addr,
		"AUTHSERVER_ISSUER": base,
		"AUTHSERVER_DB":     filepath.Join(t.TempDir(), "authserver.db"),
	}
	for _, kv := range extra {
		k, v, _ := strings.Cut(kv, "=")
		env[k] = v
	}
	var list []string
	for k, v := range env {
		list = append(list, k+"="+v)
	}
	return actortest.Start(t, "authserver", base, list...), env
}

// userToken runs the authorization code grant for alice as a browser and
// the x/oauth2 client would.
func userToken(t *testing.T, base string) *oauth2.Token {
	t.Helper()
	return userTokenFor(t, base, []string{"tracks:read"})
}

// userTokenFor is userToken for other scopes and request options.
func userTokenFor(t *testing.T, base string, scope []string, opts ...oauth2.AuthCodeOption) *oauth2.Token {
	t.Helper()
	conf, code, verifier := authorizeOn(t, []string{base}, base, scope, opts...)
	tok, err := conf.Exchange(context.Background(), code, oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// authorizeOn signs alice in and approves the request as a browser would,
// sending each of its requests to the next of replicas in turn (one
// replica: all to it), and returns the code, its PKCE verifier and the
// x/oauth2 configuration whose token endpoint is on tokenBase.
func authorizeOn(t *testing.T, replicas []string, tokenBase string, scope []string, opts ...oauth2.AuthCodeOption) (*oauth2.Config, string, string) {
	t.Helper()
	next := 0
	base := func() string { b := replicas[next%len(replicas)]; next++; return b }
	conf := &oauth2.Config{
		ClientID: "demo-client", ClientSecret: "demo-secret", RedirectURL: "http://localhost:8080/callback",
		Scopes:   scope,
		Endpoint: oauth2.Endpoint{AuthURL: base() + "/authorize", TokenURL: tokenBase + "/token", AuthStyle: oauth2.AuthStyleInHeader},
	}
	jar, _ := cookiejar.New(nil)
	b := &http.Client{Jar: jar, CheckRedirect: func(req *http.Request, _ []*http.Request) error {
		for _, r := range replicas {
			if strings.HasPrefix(req.URL.String(), r) {
				return nil
			}
		}
		return http.ErrUseLastResponse
	}}
	verifier := oauth2.GenerateVerifier()
	submit := func(resp *http.Response, path string, set map[string]string) *http.Response {
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		form := actortest.HiddenFields(string(body))
		for k, v := range set {
			form.Set(k, v)
		}
		resp, err := b.PostForm(base()+path, form)
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	resp, err := b.Get(conf.AuthCodeURL("s", append(opts, oauth2.S256ChallengeOption(verifier))...))
	if err != nil {
		t.Fatal(err)
	}
	resp = submit(resp, "/login", map[string]string{"username": "alice", "password": "wonderland"})
	if resp.StatusCode == http.StatusOK {
		resp = submit(resp, "/consent", map[string]string{"decision": "approve"})
	}
	resp.Body.Close()
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || loc.Query().Get("code") == "" {
		t.Fatalf("no code: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	return conf, loc.Query().Get("code"), verifier
}

func machineToken(t *testing.T, base string) string {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, base+"/token", strings.NewReader("grant_type=client_credentials"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth("demo-machine", "machine-secret")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var m struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&m); err != nil || m.AccessToken == "" {
		t.Fatalf("client_credentials: %d %v", resp.StatusCode, err)
	}
	return m.AccessToken
}

// verify checks a token against the server's JWKS as the resource API does
// and returns its kid.
func verify(t *testing.T, base, token string) string {
	t.Helper()
	resp, err := http.Get(base + "/.well-known/jwks.json")
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	kf, err := keyfunc.NewJWKSetJSON(raw)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := jwt.Parse(token, kf.Keyfunc, jwt.WithIssuer(base), jwt.WithAudience("http://localhost:9090"))
	if err != nil {
		t.Fatalf("token does not verify against the JWKS: %v", err)
	}
	return tok.Header["kid"].(string)
}

func introspectActive(t *testing.T, base, token string) bool {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, base+"/introspect", strings.NewReader(url.Values{"token": {token}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth("music-api", "music-api-secret")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var m struct {
		Active bool `json:"active"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&m); err != nil {
		t.Fatal(err)
	}
	return m.Active
}

// TestKillUnderLoadLosesNoToken: the SQLite writer shares one commit
// among the transactions queued behind it (group commit), and answers each
// only after that commit. So when the server is killed (SIGKILL) while 16
// clients ask for tokens at once, and started again, every token that was
// answered introspects as active: none was told "issued" and then lost.
func TestKillUnderLoadLosesNoToken(t *testing.T) {
	p, _ := startServer(t)
	load := startTokenLoad([]string{p.URL}, 16)
	load.waitFor(300)
	p.Kill()
	issued := load.finish()
	if len(issued) < 300 {
		t.Fatalf("only %d tokens issued under load", len(issued))
	}
	p.Restart()
	for i, tok := range issued {
		if !introspectActive(t, p.URL, tok) {
			t.Fatalf("token %d of %d, answered before the kill, is not active after the restart", i+1, len(issued))
		}
	}
}

// TestRestart kills the server (SIGKILL, like a crash) and starts it
// again: tokens issued before still verify against the JWKS, introspect as
// active, and the refresh token still refreshes. Nothing lives only in
// memory.
func TestRestart(t *testing.T) {
	p, _ := startServer(t)
	user := userToken(t, p.URL)
	machine := machineToken(t, p.URL)
	kid := verify(t, p.URL, user.AccessToken)

	p.Kill()
	p.Restart()

	for _, at := range []string{user.AccessToken, machine} {
		if got := verify(t, p.URL, at); got != kid {
			t.Fatalf("kid after restart = %s, want %s (the key must persist)", got, kid)
		}
		if !introspectActive(t, p.URL, at) {
			t.Fatal("a token issued before the restart is inactive after it")
		}
	}
	conf := &oauth2.Config{ClientID: "demo-client", ClientSecret: "demo-secret",
		Endpoint: oauth2.Endpoint{TokenURL: p.URL + "/token", AuthStyle: oauth2.AuthStyleInHeader}}
	fresh, err := conf.TokenSource(context.Background(), &oauth2.Token{RefreshToken: user.RefreshToken}).Token()
	if err != nil {
		t.Fatalf("refresh after restart: %v", err)
	}
	if verify(t, p.URL, fresh.AccessToken) != kid {
		t.Fatal("new tokens must be signed with the persisted key")
	}
	// A fresh token after the restart sees no second consent screen.
	_ = userToken(t, p.URL)
}

// TestCLI runs `authserver keys rotate` and `authserver clients add` against
// the database of a running server, as an operator would.
func TestCLI(t *testing.T) {
	p, env := startServer(t, "AUTHSERVER_SIGNING_ALG=ES256")
	getenv := func(k string) string { return env[k] }
	ctx := context.Background()

	old := machineToken(t, p.URL)
	oldKid := verify(t, p.URL, old)

	var out bytes.Buffer
	if err := run(ctx, []string{"authserver", "keys", "rotate", "-alg", "RS256", "-publish-ahead", "0"}, getenv, &out); err != nil {
		t.Fatalf("keys rotate: %v\n%s", err, out.String())
	}
	// Within about a second the running server signs with the new key.
	deadline := time.Now().Add(5 * time.Second)
	var newKid string
	for {
		newKid = verify(t, p.URL, machineToken(t, p.URL))
		if newKid != oldKid || time.Now().After(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if newKid == oldKid {
		t.Fatal("the server did not pick up the rotated key")
	}
	// The old key stays published: the old token still verifies.
	if got := verify(t, p.URL, old); got != oldKid {
		t.Fatalf("old token kid = %s", got)
	}
	out.Reset()
	if err := run(ctx, []string{"authserver", "keys", "list"}, getenv, &out); err != nil || !strings.Contains(out.String(), newKid) || !strings.Contains(out.String(), oldKid) {
		t.Fatalf("keys list: %v\n%s", err, out.String())
	}

	out.Reset()
	err := run(ctx, []string{"authserver", "clients", "add", "-id", "robot", "-secret", "robot-secret",
		"-grant", "client_credentials", "-scope", "charts:read", "-name", "Robot"}, getenv, &out)
	if err != nil {
		t.Fatalf("clients add: %v\n%s", err, out.String())
	}
	req, _ := http.NewRequest(http.MethodPost, p.URL+"/token", strings.NewReader("grant_type=client_credentials"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth("robot", "robot-secret")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("token for a client added by the CLI: %d", resp.StatusCode)
	}
	// clients add -resource-server: it may introspect, and never get a token.
	out.Reset()
	if err := run(ctx, []string{"authserver", "clients", "add", "-id", "api2", "-secret", "api2-secret", "-resource-server"}, getenv, &out); err != nil {
		t.Fatalf("clients add -resource-server: %v\n%s", err, out.String())
	}
	req, _ = http.NewRequest(http.MethodPost, p.URL+"/introspect", strings.NewReader(url.Values{"token": {old}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth("api2", "api2-secret")
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var in struct {
		Active bool `json:"active"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&in); err != nil || !in.Active {
		t.Fatalf("introspection by a resource server added by the CLI: %v %v", in, err)
	}
	resp.Body.Close()

	// users add: the new user can sign in.
	out.Reset()
	if err := run(ctx, []string{"authserver", "users", "add", "-username", "carol", "-password", "carol-pw"}, getenv, &out); err != nil {
		t.Fatalf("users add: %v\n%s", err, out.String())
	}
	jar, _ := cookiejar.New(nil)
	b := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err = b.Get(p.URL + "/login")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	form := url.Values{"username": {"carol"}, "password": {"carol-pw"}, "return_to": {"/account"}}
	form.Set("csrf_token", actortest.HiddenFields(string(page)).Get("csrf_token"))
	resp, err = b.PostForm(p.URL+"/login", form)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign-in as a user added by the CLI: %d", resp.StatusCode)
	}

	for _, bad := range [][]string{
		{"authserver", "users", "add", "-username", "carol"},
		{"authserver", "clients", "add", "-redirect-uri", "http://evil.example/cb"},
		{"authserver", "keys", "rotate", "-alg", "HS256"},
		{"authserver", "clients", "add", "-id", "demo-user-alice", "-grant", "client_credentials"},
		{"authserver", "nonsense"},
	} {
		if err := run(ctx, bad, getenv, io.Discard); err == nil {
			t.Errorf("%v: want an error", bad)
		}
	}
	// healthcheck probes the running server.
	if err := run(ctx, []string{"authserver", "healthcheck"}, getenv, io.Discard); err != nil {
		t.Fatalf("healthcheck: %v", err)
	}
}

// jwksKids lists the key ids the running server publishes for access
// tokens (signed ES256 in these tests); the ID-token keys (RS256) are
// left out.
func jwksKids(t *testing.T, base string) []string {
	return jwksKidsOf(t, base, func(alg string) bool { return alg != "RS256" })
}

// idTokenJWKSKids lists the RS256 key ids the running server publishes:
// with AUTHSERVER_SIGNING_ALG=ES256, its default ID-token keys.
func idTokenJWKSKids(t *testing.T, base string) []string {
	return jwksKidsOf(t, base, func(alg string) bool { return alg == "RS256" })
}

func jwksKidsOf(t *testing.T, base string, algOK func(string) bool) []string {
	t.Helper()
	resp, err := http.Get(base + "/.well-known/jwks.json")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var set struct {
		Keys []struct {
			Kid string `json:"kid"`
			Alg string `json:"alg"`
		} `json:"keys"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&set); err != nil {
		t.Fatal(err)
	}
	var kids []string
	for _, k := range set.Keys {
		if algOK(k.Alg) {
			kids = append(kids, k.Kid)
		}
	}
	return kids
}

// eventually polls cond for a few seconds: the server reads its keys at
// most once a second.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); !cond(); time.Sleep(100 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal(what)
		}
	}
}

// TestKeysPublishAheadAndRetire: rotation in three steps, with the CLI
// against the running server's database and the JWKS it serves. A rotated
// key is published at once but signs only after -publish-ahead; a retired
// key leaves the JWKS at once; the key that signs cannot be retired.
// keysCLI runs `authserver keys ARGS...` with the server's settings, as an
// operator would beside the running server.
func keysCLI(env map[string]string) func(args ...string) (string, error) {
	return func(args ...string) (string, error) {
		var out bytes.Buffer
		err := run(context.Background(), append([]string{"authserver", "keys"}, args...), func(k string) string { return env[k] }, &out)
		return out.String(), err
	}
}

// awaitSecondKid waits until kids lists two keys, first and another, and
// returns the other.
func awaitSecondKid(t *testing.T, why, first string, kids func() []string) string {
	t.Helper()
	var other string
	eventually(t, why, func() bool {
		listed := kids()
		for _, k := range listed {
			if k != first {
				other = k
			}
		}
		return len(listed) == 2
	})
	return other
}

func TestKeysPublishAheadAndRetire(t *testing.T) {
	p, env := startServer(t, "AUTHSERVER_SIGNING_ALG=ES256")
	keysCmd := keysCLI(env)
	first := verify(t, p.URL, machineToken(t, p.URL))

	// 1. Publish ahead: in the JWKS at once, not signing yet.
	if out, err := keysCmd("rotate", "-publish-ahead", "1h"); err != nil {
		t.Fatalf("keys rotate: %v\n%s", err, out)
	}
	ahead := awaitSecondKid(t, "the published-ahead key never appeared in the JWKS", first, func() []string { return jwksKids(t, p.URL) })
	if kid := verify(t, p.URL, machineToken(t, p.URL)); kid != first {
		t.Fatalf("a token was signed by %s before its publish-ahead delay; want %s", kid, first)
	}
	out, err := keysCmd("list")
	if err != nil || !strings.Contains(out, "published ahead") || !strings.Contains(out, "signing") {
		t.Fatalf("keys list: %v\n%s", err, out)
	}

	// 2. Sign: a key rotated with -publish-ahead 0 signs at once.
	if out, err := keysCmd("rotate", "-publish-ahead", "0"); err != nil {
		t.Fatalf("keys rotate: %v\n%s", err, out)
	}
	var signing string
	eventually(t, "the server never signed with the new key", func() bool {
		signing = verify(t, p.URL, machineToken(t, p.URL))
		return signing != first && signing != ahead
	})

	// The key that signs cannot be retired.
	if out, err := keysCmd("retire", signing); err == nil || !strings.Contains(err.Error(), "signs now") {
		t.Fatalf("retiring the signing key: %v\n%s, want a refusal", err, out)
	}
	if out, err := keysCmd("retire", "no-such-kid"); err == nil {
		t.Fatalf("retiring an unknown key: no error\n%s", out)
	}

	// 3. Retire: the first key leaves the JWKS at once, long before the
	// tokens it signed expire.
	if out, err := keysCmd("retire", first); err != nil {
		t.Fatalf("keys retire: %v\n%s", err, out)
	}
	eventually(t, "the retired key is still in the JWKS", func() bool {
		return !slices.Contains(jwksKids(t, p.URL), first)
	})
	if kids := jwksKids(t, p.URL); !slices.Contains(kids, signing) || !slices.Contains(kids, ahead) {
		t.Fatalf("JWKS %v lost a key that was not retired", kids)
	}
	if out, err := keysCmd("retire", first); err == nil {
		t.Fatalf("retiring a key twice: no error\n%s", out)
	}
}

// idTokenKid signs alice in with openid and returns the kid of the ID
// token, after go-oidc (which refetches the JWKS on an unknown kid) has
// checked it.
func idTokenKid(t *testing.T, base string) string {
	t.Helper()
	ctx := context.Background()
	raw, _ := userTokenFor(t, base, []string{"openid"}).Extra("id_token").(string)
	provider, err := oidc.NewProvider(ctx, base)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := provider.Verifier(&oidc.Config{ClientID: "demo-client"}).Verify(ctx, raw); err != nil {
		t.Fatalf("ID token: %v", err)
	}
	tok, _, err := jwt.NewParser().ParseUnverified(raw, jwt.MapClaims{})
	if err != nil {
		t.Fatal(err)
	}
	return tok.Header["kid"].(string)
}

// keyLine is the line of `keys list` output about kid.
func keyLine(list, kid string) string {
	for line := range strings.Lines(list) {
		if strings.HasPrefix(line, kid+" ") {
			return line
		}
	}
	return ""
}

// TestIDTokenKeysRotateAndRetire: `keys rotate -purpose id_token` rotates
// the key that signs ID tokens as `keys rotate` does the access-token key,
// against the running server: published ahead, then signing, the old key
// retired; the signing one cannot be retired; `keys list` shows each
// ID-token key and its state; the first key of a new algorithm signs at
// once.
func TestIDTokenKeysRotateAndRetire(t *testing.T) {
	p, env := startServer(t, "AUTHSERVER_SIGNING_ALG=ES256")
	keysCmd := keysCLI(env)
	first := idTokenKid(t, p.URL)

	// 1. Publish ahead.
	if out, err := keysCmd("rotate", "-purpose", "id_token", "-publish-ahead", "1h"); err != nil {
		t.Fatalf("keys rotate -purpose id_token: %v\n%s", err, out)
	}
	ahead := awaitSecondKid(t, "the published-ahead ID-token key never appeared in the JWKS", first, func() []string { return idTokenJWKSKids(t, p.URL) })
	if kid := idTokenKid(t, p.URL); kid != first {
		t.Fatalf("an ID token was signed by %s before its publish-ahead delay; want %s", kid, first)
	}
	list, err := keysCmd("list")
	if err != nil || !strings.Contains(keyLine(list, ahead), "id_token") || !strings.Contains(keyLine(list, ahead), "published ahead, signs ID tokens from") ||
		!strings.Contains(keyLine(list, first), "signs ID tokens") {
		t.Fatalf("keys list: %v\n%s", err, list)
	}

	// 2. Sign: -publish-ahead 0 signs at once.
	if out, err := keysCmd("rotate", "-purpose", "id_token", "-alg", "RS256", "-publish-ahead", "0"); err != nil {
		t.Fatalf("keys rotate: %v\n%s", err, out)
	}
	var signing string
	eventually(t, "the server never signed ID tokens with the new key", func() bool {
		signing = idTokenKid(t, p.URL)
		return signing != first && signing != ahead
	})
	if out, err := keysCmd("retire", signing); err == nil || !strings.Contains(err.Error(), "signs now") {
		t.Fatalf("retiring the key that signs ID tokens: %v\n%s, want a refusal", err, out)
	}
	if list, _ := keysCmd("list"); !strings.Contains(keyLine(list, first), "published, verifies older ID tokens") ||
		!strings.Contains(keyLine(list, signing), "signs ID tokens") {
		t.Fatalf("keys list after the rotation:\n%s", list)
	}

	// 3. Retire: the old key leaves the JWKS at once.
	if out, err := keysCmd("retire", first); err != nil {
		t.Fatalf("keys retire %s: %v\n%s", first, err, out)
	}
	eventually(t, "the retired ID-token key is still in the JWKS", func() bool {
		return !slices.Contains(idTokenJWKSKids(t, p.URL), first)
	})
	if kids := idTokenJWKSKids(t, p.URL); !slices.Contains(kids, signing) || !slices.Contains(kids, ahead) {
		t.Fatalf("JWKS %v lost an ID-token key that was not retired", kids)
	}
	if list, _ := keysCmd("list"); !strings.Contains(keyLine(list, first), "retired") {
		t.Fatalf("keys list after retiring %s:\n%s", first, list)
	}
	if out, err := keysCmd("retire", first); err == nil {
		t.Fatalf("retiring an ID-token key twice: no error\n%s", out)
	}

	// The first ES256 ID-token key has nothing to rotate from: it signs at
	// once, whatever -publish-ahead says.
	out, err := keysCmd("rotate", "-purpose", "id_token", "-alg", "ES256")
	if err != nil || !strings.Contains(out, "at once") {
		t.Fatalf("first ES256 ID-token key: %v\n%s", err, out)
	}
	kid := strings.Fields(out)[3]
	if list, _ := keysCmd("list"); !strings.Contains(keyLine(list, kid), "signs ID tokens") {
		t.Fatalf("keys list: the first ES256 ID-token key %s does not sign:\n%s", kid, list)
	}

	for _, bad := range [][]string{
		{"rotate", "-purpose", "refresh"},
		{"rotate", "-purpose", "id_token", "-alg", "HS256"},
		{"rotate", "-purpose", "id_token", "-publish-ahead", "-1m"},
	} {
		if out, err := keysCmd(bad...); err == nil {
			t.Errorf("keys %v: want an error\n%s", bad, out)
		}
	}
}

// TestCLIOpenIDConnectFlags: `users add` stores the standard claims and
// `clients add` the logout metadata, which registration cannot set.
func TestCLIOpenIDConnectFlags(t *testing.T) {
	ctx := context.Background()
	dbPath := filepath.Join(t.TempDir(), "authserver.db")
	getenv := func(k string) string {
		if k == "AUTHSERVER_DB" {
			return dbPath
		}
		return ""
	}
	var out bytes.Buffer
	if err := run(ctx, []string{"authserver", "users", "add", "-username", "dora", "-password", "pw-dora-1",
		"-name", "Dora Explorer", "-email", "dora@example.com", "-email-verified"}, getenv, &out); err != nil {
		t.Fatalf("users add: %v\n%s", err, out.String())
	}
	if err := run(ctx, []string{"authserver", "clients", "add", "-id", "rp", "-redirect-uri", "https://rp.example/cb",
		"-post-logout-redirect-uri", "https://rp.example/bye", "-backchannel-logout-uri", "https://rp.example/bcl"}, getenv, &out); err != nil {
		t.Fatalf("clients add: %v\n%s", err, out.String())
	}
	for _, bad := range [][]string{
		{"authserver", "clients", "add", "-redirect-uri", "https://rp.example/cb", "-backchannel-logout-uri", "http://evil.example/bcl"},
		{"authserver", "clients", "add", "-redirect-uri", "https://rp.example/cb", "-post-logout-redirect-uri", "https://rp.example/bye#x"},
		{"authserver", "users", "add", "-username", "eve", "-email", "not-an-address"},
	} {
		if err := run(ctx, bad, getenv, io.Discard); err == nil {
			t.Errorf("%v: want an error", bad)
		}
	}
	db, err := store.Open(ctx, dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	u, err := db.UserByUsername(ctx, "dora")
	if err != nil || u.Name != "Dora Explorer" || u.Email != "dora@example.com" || !u.EmailVerified {
		t.Errorf("dora = %+v, %v", u, err)
	}
	c, err := db.Client(ctx, "rp")
	if err != nil || c.BackchannelLogoutURI != "https://rp.example/bcl" ||
		len(c.PostLogoutRedirectURIs) != 1 || c.PostLogoutRedirectURIs[0] != "https://rp.example/bye" {
		t.Errorf("rp = %+v, %v", c, err)
	}
}

// TestOpenIDConnectAgainstTheBinary: an independent relying party (go-oidc)
// discovers the real server, checks its ID token and reads /userinfo; after
// a restart the ID-token key is still the same (it is persisted).
func TestOpenIDConnectAgainstTheBinary(t *testing.T) {
	p, _ := startServer(t)
	ctx := context.Background()
	tok := userTokenFor(t, p.URL, []string{"openid", "profile", "email", "offline_access"}, oidc.Nonce("n-1"))
	raw, _ := tok.Extra("id_token").(string)
	provider, err := oidc.NewProvider(ctx, p.URL)
	if err != nil {
		t.Fatalf("discovery: %v", err)
	}
	idt, err := provider.Verifier(&oidc.Config{ClientID: "demo-client"}).Verify(ctx, raw)
	if err != nil || idt.Nonce != "n-1" || idt.Subject != "demo-user-alice" {
		t.Fatalf("ID token: %v %+v", err, idt)
	}
	info, err := provider.UserInfo(ctx, oauth2.StaticTokenSource(tok))
	var claims struct {
		Name string `json:"name"`
	}
	if err != nil || info.Email != "alice@example.com" || !info.EmailVerified || info.Claims(&claims) != nil || claims.Name != "Alice Liddell" {
		t.Fatalf("userinfo: %v %+v %+v", err, info, claims)
	}
	p.Restart()
	again, err := oidc.NewProvider(ctx, p.URL)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := again.Verifier(&oidc.Config{ClientID: "demo-client"}).Verify(ctx, raw); err != nil {
		t.Errorf("after a restart the ID token no longer verifies: %v", err)
	}
}

// TestCLIProfileFlags: `clients add -allow-no-pkce` stores the operator's
// PKCE exemption (refused for a public client), `-require-par` the
// client's require_pushed_authorization_requests.
func TestCLIProfileFlags(t *testing.T) {
	ctx := context.Background()
	dbPath := filepath.Join(t.TempDir(), "authserver.db")
	getenv := func(k string) string {
		if k == "AUTHSERVER_DB" {
			return dbPath
		}
		return ""
	}
	var out bytes.Buffer
	if err := run(ctx, []string{"authserver", "clients", "add", "-id", "legacy", "-redirect-uri", "https://legacy.example/cb",
		"-allow-no-pkce", "-require-par"}, getenv, &out); err != nil {
		t.Fatalf("clients add -allow-no-pkce: %v\n%s", err, out.String())
	}
	if err := run(ctx, []string{"authserver", "clients", "add", "-id", "modern", "-redirect-uri", "https://modern.example/cb"}, getenv, &out); err != nil {
		t.Fatalf("clients add: %v\n%s", err, out.String())
	}
	if err := run(ctx, []string{"authserver", "clients", "add", "-public", "-redirect-uri", "https://spa.example/cb", "-allow-no-pkce"}, getenv, io.Discard); err == nil {
		t.Error("-allow-no-pkce for a public client: want an error")
	}
	// private_key_jwt with a JWK Set file; a private key in it is refused.
	jwks := filepath.Join(t.TempDir(), "jwks.json")
	pub := `{"keys":[{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}]}`
	if err := os.WriteFile(jwks, []byte(pub), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := run(ctx, []string{"authserver", "clients", "add", "-id", "keybot", "-grant", "client_credentials",
		"-auth-method", "private_key_jwt", "-jwks", jwks}, getenv, &out); err != nil {
		t.Fatalf("clients add private_key_jwt: %v\n%s", err, out.String())
	}
	priv := strings.Replace(pub, `"x":`, `"d":"nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A","x":`, 1)
	if err := os.WriteFile(jwks, []byte(priv), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := run(ctx, []string{"authserver", "clients", "add", "-grant", "client_credentials",
		"-auth-method", "private_key_jwt", "-jwks", jwks}, getenv, io.Discard); err == nil {
		t.Error("clients add with a private key in -jwks: want an error")
	}
	// client_secret_jwt: the secret is printed once and kept encrypted
	// too; one too short for an HMAC key is refused.
	out.Reset()
	if err := run(ctx, []string{"authserver", "clients", "add", "-id", "hmacbot", "-grant", "client_credentials",
		"-auth-method", "client_secret_jwt"}, getenv, &out); err != nil || !strings.Contains(out.String(), "client_secret:") {
		t.Fatalf("clients add client_secret_jwt: %v\n%s", err, out.String())
	}
	if err := run(ctx, []string{"authserver", "clients", "add", "-grant", "client_credentials",
		"-auth-method", "client_secret_jwt", "-secret", "too-short"}, getenv, io.Discard); err == nil {
		t.Error("clients add client_secret_jwt with a short -secret: want an error")
	}
	db, err := store.Open(ctx, dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if c, err := db.Client(ctx, "hmacbot"); err != nil || c.AuthMethod != "client_secret_jwt" || len(c.SecretEnc) == 0 || c.SecretHash == "" {
		t.Errorf("hmacbot = %+v, %v", c, err)
	}
	for id, want := range map[string]bool{"legacy": true, "modern": false} {
		if c, err := db.Client(ctx, id); err != nil || c.PKCEOptional != want || c.RequirePAR != want {
			t.Errorf("%s: PKCEOptional = %v, RequirePAR = %v (%v), want %v", id, c.PKCEOptional, c.RequirePAR, err, want)
		}
	}
	if c, err := db.Client(ctx, "keybot"); err != nil || c.AuthMethod != "private_key_jwt" || !strings.Contains(c.JWKS, "Ed25519") || c.SecretHash != "" {
		t.Errorf("keybot = %+v, %v", c, err)
	}
}
