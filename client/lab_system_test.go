package main

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// labOutcome is the JSON of one side of a lab run.
type labOutcome struct {
	Outcome string `json:"outcome"`
	Status  int    `json:"status"`
	Error   string `json:"error"`
	Rule    string `json:"rule"`
	Code    string `json:"code"`
	Detail  string `json:"detail"`
}

type labResult struct {
	ID       string      `json:"id"`
	Defended labOutcome  `json:"defended"`
	Naive    *labOutcome `json:"naive"`
	Requests []struct {
		Actor string `json:"actor"`
	} `json:"requests"`
}

// runLab runs one scenario through the lab's JSON API.
func runLab(t *testing.T, s *system, id string) labResult {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, s.client.URL+"/lab/"+id, strings.NewReader("{}"))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		var e map[string]string
		_ = json.NewDecoder(resp.Body).Decode(&e)
		t.Fatalf("POST /lab/%s: %d %v", id, resp.StatusCode, e)
	}
	var res labResult
	if err := json.NewDecoder(resp.Body).Decode(&res); err != nil {
		t.Fatal(err)
	}
	if len(res.Requests) == 0 {
		t.Errorf("%s: no request recorded", id)
	}
	return res
}

// wantLab is the outcome a scenario must have.
type wantLab struct {
	id, rule, codeFile string
	status             int
	errCode            string
	naive              string // "" when there is no naive variant
}

// TestLab runs every ready scenario against the three real processes and
// checks that the real system refuses each attack for the documented rule,
// at the documented line, and that the naive variant falls for it.
func TestLab(t *testing.T) {
	t.Parallel()
	s := startSystem(t)
	for _, w := range []wantLab{
		// covers: RFC 6749 §10.12
		{"login-csrf", "RFC 6749 §10.12", "client/internal/flow/steps.go:", 400, "", "succeeded"},
		// covers: RFC 7636 §4.6
		{"code-interception", "RFC 7636 §4.6", "authserver/internal/oauth/grant_authorization_code.go:", 400, "invalid_grant", ""},
		// covers: RFC 9700 §4.1.3
		{"redirect-uri", "RFC 9700 §4.1.3", "authserver/internal/oauth/authorize.go:", 400, "invalid_request", "succeeded"},
		// covers: RFC 6749 §4.1.2
		{"code-replay", "RFC 6749 §4.1.2", "authserver/internal/oauth/grant_authorization_code.go:", 400, "invalid_grant", ""},
		// covers: RFC 9700 §4.14.2
		{"refresh-reuse", "RFC 9700 §4.14.2", "authserver/internal/oauth/grant_refresh_token.go:", 400, "invalid_grant", ""},
		// covers: RFC 9207 §2.4
		{"mix-up", "RFC 9207 §2.4", "client/internal/flow/steps.go:", 400, "", "succeeded"},
		// covers: RFC 6749 §6
		{"scope-escalation", "RFC 6749 §6", "authserver/internal/oauth/grant_refresh_token.go:", 400, "invalid_scope", "succeeded"},
		// covers: RFC 8725 §3.1
		{"forged-tokens", "RFC 8725 §3.1", "resourceapi/internal/oauth/jwt.go:", 401, "invalid_token", "succeeded"},
		// covers: RFC 6749 §10.13
		{"clickjacking", "RFC 6749 §10.13", "authserver/internal/web/routes.go:", 200, "", ""},
		// covers: RFC 7591 §5
		{"ssrf-registration", "RFC 7591 §5", "authserver/internal/oauth/register.go:", 400, "invalid_client_metadata", ""}, // jwks_uri is refused outright
		// covers: RFC 9700 §4.11.2
		{"open-redirector", "RFC 9700 §4.11.2", "authserver/internal/web/authorize.go:", 400, "", "succeeded"},
		// covers: RFC 9700 §4.7
		{"cookie-tossing", "RFC 6749 §10.12", "authserver/internal/web/csrf.go:", 403, "", "succeeded"},
		// covers: RFC 9068 §4
		{"id-token-substitution", "RFC 9068 §4", "resourceapi/internal/oauth/jwt.go:", 401, "invalid_token", "succeeded"},
		// Last: it makes the server slow down bob's sign-ins from one address.
		// covers: RFC 6585 §4
		{"password-guessing", "RFC 6585 §4", "authserver/internal/web/login.go:", 429, "", ""},
	} {
		t.Run(w.id, func(t *testing.T) {
			res := runLab(t, s, w.id)
			d := res.Defended
			if d.Outcome != "refused" || d.Status != w.status || d.Error != w.errCode || d.Rule != w.rule || !strings.HasPrefix(d.Code, w.codeFile) {
				t.Errorf("defended = %+v\nwant refused, %d, %q, %s at %s…", d, w.status, w.errCode, w.rule, w.codeFile)
			}
			switch {
			case w.naive == "" && res.Naive != nil:
				t.Errorf("naive = %+v, want none", res.Naive)
			case w.naive != "" && (res.Naive == nil || res.Naive.Outcome != w.naive):
				t.Errorf("naive = %+v, want %s", res.Naive, w.naive)
			}
		})
	}
}
