package web

import (
	"net/http"
	"strings"
	"testing"

	"github.com/oauthlab/oauthlab/shared/contract"
)

// TestScopes runs every endpoint with a token of each single scope: only the
// scope(s) the route lists may pass; the others get 403 insufficient_scope
// with the scope needed in the challenge.
func TestScopes(t *testing.T) {
	api := newTestAPI(t)
	alice := contract.Alice.Subject
	all := []string{"tracks:read", "playlists:read", "playlists:write", "charts:read"}

	type endpoint struct {
		method, path, body string
		okStatus           int
		allowed            []string // scopes that open it, preferred first
	}
	// Each write goes to a playlist of its own, so the order of the rows
	// does not matter.
	newPlaylist := func() string {
		r := api.do(http.MethodPost, "/v1/me/playlists", api.signer.Token(alice, "playlists:write"), `{"name":"scratch"}`)
		if r.status != http.StatusCreated {
			t.Fatalf("create: %d %s", r.status, r.raw)
		}
		return r.body["id"].(string)
	}
	endpoints := []endpoint{
		{"GET", "/v1/me/top-tracks", "", 200, []string{"tracks:read"}},
		{"GET", "/v1/me/playlists", "", 200, []string{"playlists:read"}},
		{"GET", "/v1/me/playlists/pl_alice_tea_party", "", 200, []string{"playlists:read"}},
		{"POST", "/v1/me/playlists", `{"name":"new"}`, 201, []string{"playlists:write"}},
		{"PATCH", "/v1/me/playlists/{new}", `{"name":"renamed"}`, 200, []string{"playlists:write"}},
		{"DELETE", "/v1/me/playlists/{new}", "", 204, []string{"playlists:write"}},
		{"GET", "/v1/tracks", "", 200, []string{"playlists:read", "playlists:write", "tracks:read"}},
		{"GET", "/v1/charts", "", 200, []string{"charts:read"}},
	}
	for _, e := range endpoints {
		for _, scope := range all {
			allowed := false
			for _, a := range e.allowed {
				allowed = allowed || a == scope
			}
			t.Run(e.method+" "+e.path+" with "+scope, func(t *testing.T) {
				path := e.path
				if strings.Contains(path, "{new}") {
					path = strings.Replace(path, "{new}", newPlaylist(), 1)
				}
				r := api.do(e.method, path, api.signer.Token(alice, scope), e.body)
				if allowed {
					if r.status != e.okStatus {
						t.Fatalf("status %d, want %d: %s", r.status, e.okStatus, r.raw)
					}
					return
				}
				if r.status != http.StatusForbidden || r.body["error"] != "insufficient_scope" {
					t.Fatalf("status %d body %s, want 403 insufficient_scope", r.status, r.raw)
				}
				// The first allowed scope is the one a client should ask for.
				want := `scope="` + e.allowed[0] + `"`
				if ch := r.header.Get("WWW-Authenticate"); !strings.Contains(ch, `error="insufficient_scope"`) || !strings.Contains(ch, want) {
					t.Errorf("challenge %q lacks insufficient_scope and %s", ch, want)
				}
			})
		}
	}
}

// TestNoTokenOnEveryEndpoint: every protected route asks for a token.
func TestNoTokenOnEveryEndpoint(t *testing.T) {
	api := newTestAPI(t)
	for _, e := range []struct{ method, path string }{
		{"GET", "/v1/me/top-tracks"}, {"GET", "/v1/me/playlists"}, {"GET", "/v1/me/playlists/pl_x"},
		{"POST", "/v1/me/playlists"}, {"PATCH", "/v1/me/playlists/pl_x"}, {"DELETE", "/v1/me/playlists/pl_x"},
		{"GET", "/v1/tracks"}, {"GET", "/v1/charts"},
	} {
		r := api.do(e.method, e.path, "", "")
		if r.status != http.StatusUnauthorized || r.header.Get("WWW-Authenticate") == "" {
			t.Errorf("%s %s without a token: %d %q", e.method, e.path, r.status, r.header.Get("WWW-Authenticate"))
		}
	}
}
