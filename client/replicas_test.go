package main

import (
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/oauthlab/oauthlab/shared/actortest"
	"github.com/oauthlab/oauthlab/shared/pgtest"
)

// TestReplicas runs two client binaries on one PostgreSQL database, as
// two replicas behind a load balancer (both with the same CLIENT_URL: the
// redirect URI lands on the first): a flow that moves between them, and
// refreshes of one session on both at once.
func TestReplicas(t *testing.T) {
	if testing.Short() {
		t.Skip("starts four processes")
	}
	dsn := pgtest.DSN(t)
	dir := t.TempDir()
	asURL := "http://" + actortest.FreeAddr(t)
	apiURL := "http://" + actortest.FreeAddr(t)
	urlA, urlB := "http://"+actortest.FreeAddr(t), "http://"+actortest.FreeAddr(t)
	addr := func(u string) string { return strings.TrimPrefix(u, "http://") }
	as := actortest.Start(t, "authserver", asURL,
		"AUTHSERVER_ADDR="+addr(asURL), "AUTHSERVER_ISSUER="+asURL, "AUTHSERVER_AUDIENCE="+apiURL,
		"AUTHSERVER_DB="+filepath.Join(dir, "authserver.db"),
		"AUTHSERVER_DEMO_CLIENT_REDIRECT_URI="+urlA+"/callback",
		// Shorter than x/oauth2's ten-second margin: every API call refreshes.
		"AUTHSERVER_ACCESS_TOKEN_TTL=2s")
	actortest.Start(t, "resourceapi", apiURL, "RESOURCEAPI_ADDR="+addr(apiURL), "RESOURCEAPI_URL="+apiURL,
		"RESOURCEAPI_ISSUER="+asURL, "RESOURCEAPI_DB="+filepath.Join(dir, "resourceapi.db"))
	client := func(u string) []string {
		return []string{"CLIENT_ADDR=" + addr(u), "CLIENT_URL=" + urlA, "CLIENT_ISSUER=" + asURL,
			"CLIENT_API_URL=" + apiURL, "CLIENT_DB=" + dsn}
	}
	var a, b *actortest.Process
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); a = actortest.Start(t, "client", urlA, client(urlA)...) }()
	go func() { defer wg.Done(); b = actortest.Start(t, "client", urlB, client(urlB)...) }()
	wg.Wait()
	if a == nil || b == nil {
		t.FailNow()
	}
	s := &system{as: as, client: a}

	// The Connect form is served by A and posted to B: B must accept A's
	// form token and keep the attempt where A's /callback finds it.
	br := newBrowser(t)
	home := br.get(a.URL + "/")
	token := actortest.HiddenFields(home.body).Get("csrf_token")
	login := br.post(b.URL+"/connect", url.Values{"scope": {"tracks:read"}, "csrf_token": {token}})
	if login.status != http.StatusOK || !strings.Contains(login.body, `id="login"`) {
		t.Fatalf("connect on B with A's form: %d %s\n%s", login.status, login.url, login.body)
	}
	form := formAfter(t, login.body, `action="/login"`)
	form.Set("username", "alice")
	form.Set("password", "wonderland")
	consent := br.post(s.as.URL+"/login", form)
	form = formAfter(t, consent.body, `action="/consent"`)
	form.Set("decision", "approve")
	tracks := br.post(s.as.URL+"/consent", form)
	wantPage(t, tracks, http.StatusOK, `class="track"`)

	// The same session on both replicas at once: each call refreshes, and
	// the claim on the token row lets one refresh at a time, so the
	// refresh token is never spent twice (which would end the session).
	const n = 8
	statuses := make(chan int, n)
	for i := range n {
		go func() {
			p := br.get([]string{a.URL, b.URL}[i%2] + "/tracks")
			statuses <- p.status
		}()
	}
	for range n {
		if st := <-statuses; st != http.StatusOK {
			t.Errorf("a concurrent /tracks of one session on two replicas: %d", st)
		}
	}
	wantPage(t, br.get(b.URL+"/tracks"), http.StatusOK, `class="track"`)
}
