package main

import (
	"net/http"
	"os/exec"
	"strings"
	"testing"

	"github.com/oauthlab/oauthlab/shared/actortest"
)

// TestChartsWithKeyInInspector runs `client charts -auth private_key_jwt`
// as a real process beside the real client, and reads its steps on the
// inspector page it prints: the registration with the public key, the
// token request with the assertion shortened, the token and the API call.
// Unknown run ids, and a browser session's id, are 404.
func TestChartsWithKeyInInspector(t *testing.T) {
	t.Parallel()
	s := startSystem(t)

	cmd := exec.Command(actortest.Binary(t, "client"), "charts", "-auth", "private_key_jwt")
	cmd.Env = []string{
		"CLIENT_ISSUER=" + s.as.URL,
		"CLIENT_API_URL=" + s.api.URL,
		"CLIENT_URL=" + s.client.URL,
		"CLIENT_DB=" + s.clientDB,
	}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("client charts -auth private_key_jwt: %v\n%s", err, out)
	}

	// covers: RFC 7523 §2.2
	run := runPage(t, s, string(out))
	kinds := steps(run.body)
	for _, kind := range []string{"client-registration", "token-request", "token-response", "access-token", "api-call"} {
		if count(kinds, kind) != 1 {
			t.Errorf("want one %s step on the run's page, got %v", kind, kinds)
		}
	}
	wantPage(t, run, http.StatusOK, `id="cli-run"`, "RFC 7591 §3.1", "RFC 7523 §2.2", "client_assertion", "private_key_jwt")
	wantNoFullJWT(t, run.body)

	// The address is the capability: any other id is 404.
	b := newBrowser(t)
	for _, id := range []string{"run-NOTAREALRUNID", "NOTAREALRUNID", strings.TrimPrefix(run.url[strings.LastIndex(run.url, "/")+1:], "run-")} {
		wantPage(t, b.get(s.client.URL+"/inspector/runs/"+id), http.StatusNotFound, "No such run")
	}
	runID := run.url[strings.LastIndex(run.url, "/")+1:]
	if logs := s.client.Logs(); !strings.Contains(logs, "path=/inspector/runs/:id") || strings.Contains(logs, runID) {
		t.Errorf("the client's access log should show the run's route, not its id %s:\n%s", runID, logs)
	}
	if strings.Contains(run.body, "BEGIN") {
		t.Error("the run's page shows a PEM block")
	}
}
