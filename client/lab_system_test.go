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
	Variants []struct {
		ID       string      `json:"id"`
		Defended labOutcome  `json:"defended"`
		Naive    *labOutcome `json:"naive"`
	} `json:"variants"`
	Requests []struct {
		Actor string `json:"actor"`
	} `json:"requests"`
}

// postLab asks the lab's JSON API to run one scenario; the caller closes
// the body.
func postLab(t *testing.T, s *system, id string) *http.Response {
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
	return resp
}

// runLab runs one scenario through the lab's JSON API.
func runLab(t *testing.T, s *system, id string) labResult {
	t.Helper()
	resp := postLab(t, s, id)
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

// wantVariant is the outcome one variant of a scenario must have.
type wantVariant struct {
	id, rule, codeFile, errCode, detail, naive string
}

const jwtGo = "resourceapi/internal/oauth/jwt.go:"

// labVariants are the variants each scenario must report, in order.
var labVariants = map[string][]wantVariant{
	"forged-tokens": {
		{"alg-none", "RFC 8725 §3.1", jwtGo, "invalid_token", "", "succeeded"},
		{"hs256-public-key", "RFC 8725 §3.1", jwtGo, "invalid_token", "", "succeeded"},
		{"foreign-key", "RFC 7515 §5.2", jwtGo, "invalid_token", "said: “the access token's signature does not verify", "refused"},
		{"kid-injection", "RFC 8725 §3.1", jwtGo, "invalid_token", "", "succeeded"},
		{"scope-edited", "RFC 7515 §5.2", jwtGo, "invalid_token", "said: “the access token's signature does not verify", "refused"},
		{"expired", "RFC 7515 §5.2", jwtGo, "invalid_token", "said: “the access token's signature does not verify", "refused"},
		{"wrong-aud", "RFC 7515 §5.2", jwtGo, "invalid_token", "said: “the access token's signature does not verify", "refused"},
	},
	"id-token-substitution": {
		{"another-client", "OIDC Core §3.1.3.7", "client/internal/identity/identity.go:", "", "expected audience", "succeeded"},
		{"wrong-nonce", "OIDC Core §3.1.3.7", "client/internal/identity/identity.go:", "nonce", "nonce does not match", "succeeded"},
	},
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
		// covers: RFC 9449 §7.1
		{"stolen-access-token", "RFC 9449 §7.1", "resourceapi/internal/oauth/dpop.go:", 401, "invalid_token", "succeeded"},
		// covers: RFC 9068 §4, OIDC Core §3.1.3.7
		{"id-token-substitution", "RFC 9068 §4", "resourceapi/internal/oauth/jwt.go:", 401, "invalid_token", "succeeded"},
		// covers: RFC 8707 §2
		{"audience-confusion", "RFC 9068 §4", "resourceapi/internal/oauth/jwt.go:", 401, "invalid_token", "succeeded"},
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
			want := labVariants[w.id]
			if len(res.Variants) != len(want) {
				t.Fatalf("%d variants, want %d: %+v", len(res.Variants), len(want), res.Variants)
			}
			for i, wv := range want {
				v := res.Variants[i]
				d := v.Defended
				if v.ID != wv.id || d.Outcome != "refused" || d.Rule != wv.rule || d.Error != wv.errCode ||
					!strings.HasPrefix(d.Code, wv.codeFile) || !strings.Contains(d.Detail, wv.detail) {
					t.Errorf("variant %d = %s %+v\nwant %s refused (%q, %q) by %s at %s…", i, v.ID, d, wv.id, wv.errCode, wv.detail, wv.rule, wv.codeFile)
				}
				if v.Naive == nil || v.Naive.Outcome != wv.naive {
					t.Errorf("variant %s: naive = %+v, want %s", wv.id, v.Naive, wv.naive)
				}
			}
		})
	}
}

// TestLabSSRFWhenRegistrationIsThrottled: once this address has used up its
// registrations for the hour, the SSRF scenario cannot send its probe, and
// the lab says so instead of reporting the attack refused by RFC 7591 §5.
func TestLabSSRFWhenRegistrationIsThrottled(t *testing.T) {
	s := startSystem(t, "AUTHSERVER_REGISTRATIONS_PER_HOUR=1")
	body := `{"client_name":"uses up the hour","redirect_uris":["` + s.client.URL + `/lab/callback"]}`
	resp, err := http.Post(s.as.URL+"/register", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("first registration: %d, want 201", resp.StatusCode)
	}
	resp = postLab(t, s, "ssrf-registration")
	defer resp.Body.Close()
	var e map[string]string
	_ = json.NewDecoder(resp.Body).Decode(&e)
	if resp.StatusCode != http.StatusBadGateway || !strings.Contains(e["error"], "429") || !strings.Contains(e["error"], "again later") {
		t.Errorf("POST /lab/ssrf-registration: %d %v, want 502 and an error that says the registration was throttled", resp.StatusCode, e)
	}
}
