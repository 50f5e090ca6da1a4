package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/golang-jwt/jwt/v5"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/oauthlab/oauthlab/shared/actortest"
)

// TestResourcesCommand adds a protected resource with the CLI, then runs
// the real server on that database: the new API's scope is advertised and
// granted, and its tokens carry its identifier as aud. No code changed:
// the registry is data.
func TestResourcesCommand(t *testing.T) {
	ctx := context.Background()
	dbPath := filepath.Join(t.TempDir(), "authserver.db")
	getenv := func(k string) string {
		if k == "AUTHSERVER_DB" {
			return dbPath
		}
		return ""
	}
	var out bytes.Buffer
	if err := run(ctx, []string{"authserver", "resources", "add", "-id", "https://notes.example", "-name", "Notes API",
		"-scope", "+notes:read=See your notes, and their titles", "-scope", "stats:read=Read public statistics"}, getenv, &out); err != nil {
		t.Fatalf("resources add: %v\n%s", err, out.String())
	}
	for _, bad := range [][]string{
		{"authserver", "resources", "add", "-id", "https://x.example#frag", "-name", "X", "-scope", "x:read=X"},
		{"authserver", "resources", "add", "-id", "/relative", "-name", "X", "-scope", "x:read=X"},
		{"authserver", "resources", "add", "-id", "https://y.example", "-name", "Y", "-scope", "tracks:read=taken by the music API"},
		{"authserver", "resources", "add", "-id", "https://z.example", "-name", "Z", "-scope", "openid=not a resource's"},
		{"authserver", "resources", "add", "-id", "https://z.example", "-name", "Z"},
	} {
		if err := run(ctx, bad, getenv, io.Discard); err == nil {
			t.Errorf("%v: want an error", bad[3:])
		}
	}
	out.Reset()
	if err := run(ctx, []string{"authserver", "resources", "list"}, getenv, &out); err != nil ||
		!strings.Contains(out.String(), "See your notes, and their titles") || !strings.Contains(out.String(), "http://localhost:9090") {
		t.Fatalf("resources list: %v\n%s", err, out.String())
	}
	if err := run(ctx, []string{"authserver", "clients", "add", "-id", "stats-robot", "-secret", "stats-secret",
		"-grant", "client_credentials", "-scope", "stats:read"}, getenv, io.Discard); err != nil {
		t.Fatalf("clients add: %v", err)
	}

	addr := actortest.FreeAddr(t)
	base := "http://" + addr
	actortest.Start(t, "authserver", base, "AUTHSERVER_ADDR="+addr, "AUTHSERVER_ISSUER="+base, "AUTHSERVER_DB="+dbPath)

	resp, err := http.Get(base + "/.well-known/oauth-authorization-server")
	if err != nil {
		t.Fatal(err)
	}
	var md struct {
		Scopes []string `json:"scopes_supported"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&md); err != nil || !slices.Contains(md.Scopes, "notes:read") {
		t.Fatalf("scopes_supported = %v (%v), want notes:read", md.Scopes, err)
	}
	resp.Body.Close()

	cc := clientcredentials.Config{ClientID: "stats-robot", ClientSecret: "stats-secret", TokenURL: base + "/token",
		Scopes: []string{"stats:read"}, AuthStyle: oauth2.AuthStyleInHeader,
		EndpointParams: map[string][]string{"resource": {"https://notes.example"}}}
	tok, err := cc.Token(ctx)
	if err != nil {
		t.Fatalf("client credentials for the new API: %v", err)
	}
	var claims jwt.MapClaims
	if _, _, err := jwt.NewParser().ParseUnverified(tok.AccessToken, &claims); err != nil {
		t.Fatal(err)
	}
	if aud, _ := claims.GetAudience(); len(aud) != 1 || aud[0] != "https://notes.example" {
		t.Fatalf("aud = %v, want https://notes.example", aud)
	}
	// Without resource, the default audience (the music API) has no
	// scope this client may have.
	cc.EndpointParams = nil
	if _, err := cc.Token(ctx); err == nil || !strings.Contains(err.Error(), "invalid_scope") {
		t.Fatalf("stats:read without resource: %v, want invalid_scope", err)
	}
}
