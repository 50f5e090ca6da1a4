package flow

import (
	"net/url"
	"testing"
	"time"
)

// covers: RFC 6749 §10.12, RFC 9207 §2.4, RFC 6749 §4.1.2.1
func TestCheckCallback(t *testing.T) {
	const issuer = "http://localhost:9000"
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	tests := []struct {
		name      string
		query     string
		wantState string
		reason    Reason
		code      string
		errCode   string
		checks    []bool // OK of each check, in order
	}{
		{"good", "code=c1&state=s1&iss=http%3A%2F%2Flocalhost%3A9000", "s1", ReasonNone, "c1", "", []bool{true, true, true}},
		{"no pending request", "code=c1&state=s1&iss=http%3A%2F%2Flocalhost%3A9000", "", ReasonState, "", "", []bool{false}},
		{"state differs", "code=c1&state=forged&iss=http%3A%2F%2Flocalhost%3A9000", "s1", ReasonState, "", "", []bool{false}},
		{"state missing", "code=c1&iss=http%3A%2F%2Flocalhost%3A9000", "s1", ReasonState, "", "", []bool{false}},
		{"iss missing", "code=c1&state=s1", "s1", ReasonIssuer, "", "", []bool{true, false}},
		{"iss of another server", "code=c1&state=s1&iss=http%3A%2F%2Fevil.example", "s1", ReasonIssuer, "", "", []bool{true, false}},
		{"iss with trailing slash", "code=c1&state=s1&iss=http%3A%2F%2Flocalhost%3A9000%2F", "s1", ReasonIssuer, "", "", []bool{true, false}},
		{"access denied", "error=access_denied&error_description=no&state=s1&iss=http%3A%2F%2Flocalhost%3A9000", "s1", ReasonError, "", "access_denied", []bool{true, true}},
		{"unknown error code", "error=weird&state=s1&iss=http%3A%2F%2Flocalhost%3A9000", "s1", ReasonError, "", "weird", []bool{true, true}},
		{"code missing", "state=s1&iss=http%3A%2F%2Flocalhost%3A9000", "s1", ReasonNoCode, "", "", []bool{true, true, false}},
		{"state repeated", "code=c1&state=s1&state=s2&iss=http%3A%2F%2Flocalhost%3A9000", "s1", ReasonBadQuery, "", "", []bool{false}},
		{"code repeated", "code=c1&code=c2&state=s1&iss=http%3A%2F%2Flocalhost%3A9000", "s1", ReasonBadQuery, "", "", []bool{false}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q, err := url.ParseQuery(tt.query)
			if err != nil {
				t.Fatal(err)
			}
			cb := CheckCallback(now, q, tt.wantState, issuer)
			if cb.Reason != tt.reason {
				t.Errorf("Reason = %q, want %q", cb.Reason, tt.reason)
			}
			if cb.Code != tt.code {
				t.Errorf("Code = %q, want %q", cb.Code, tt.code)
			}
			if tt.errCode == "" && cb.Error != nil || tt.errCode != "" && (cb.Error == nil || cb.Error.Code != tt.errCode) {
				t.Errorf("Error = %+v, want code %q", cb.Error, tt.errCode)
			}
			if cb.Step.Kind != KindAuthorizationResponse || cb.Step.Summary == "" || !cb.Step.At.Equal(now) {
				t.Errorf("Step = %q %q %v, want an explained authorization-response", cb.Step.Kind, cb.Step.Summary, cb.Step.At)
			}
			if len(cb.Step.Checks) != len(tt.checks) {
				t.Fatalf("Checks = %+v, want %d", cb.Step.Checks, len(tt.checks))
			}
			for i, ok := range tt.checks {
				if cb.Step.Checks[i].OK != ok {
					t.Errorf("check %q OK = %v, want %v", cb.Step.Checks[i].Name, cb.Step.Checks[i].OK, ok)
				}
			}
		})
	}
}

func TestCheckCallbackShortensTheCode(t *testing.T) {
	code := "0123456789abcdefghijklmnopqrstuvwxyz"
	q := url.Values{"code": {code}, "state": {"s"}, "iss": {"http://as"}}
	cb := CheckCallback(time.Now(), q, "s", "http://as")
	if cb.Code != code {
		t.Fatalf("Code = %q, want the full code for the exchange", cb.Code)
	}
	for _, p := range cb.Step.Params {
		if p.Name == "code" && p.Value == code {
			t.Fatal("the step shows the whole code")
		}
	}
}

func TestAuthorizationRequestExplainsEveryParameter(t *testing.T) {
	u := "http://localhost:9000/authorize?client_id=demo-client&code_challenge=abc&code_challenge_method=S256" +
		"&redirect_uri=http%3A%2F%2Flocalhost%3A8080%2Fcallback&response_type=code&scope=tracks%3Aread&state=xyz"
	st := AuthorizationRequest(time.Now(), u, "the-verifier")
	want := []string{"response_type", "client_id", "redirect_uri", "scope", "state", "code_challenge", "code_challenge_method", "code_verifier (kept by the client)"}
	if len(st.Params) != len(want) {
		t.Fatalf("Params = %+v", st.Params)
	}
	for i, name := range want {
		if st.Params[i].Name != name || st.Params[i].Meaning == "" {
			t.Errorf("param %d = %+v, want %s explained", i, st.Params[i], name)
		}
	}
	if st.Arrows[0].Channel != Front || st.Arrows[1].To != AuthServer {
		t.Errorf("Arrows = %+v, want front-channel redirect to the authorization server", st.Arrows)
	}
}

func TestExplain(t *testing.T) {
	tests := []struct {
		from, code string
		link       Link
	}{
		{FromAuthorization, "access_denied", RFC6749AuthError},
		{FromToken, "invalid_grant", RFC6749TokenError},
		{FromToken, "unsupported_token_type", RFC7009Response},
		{FromResource, "insufficient_scope", RFC6750Errors},
		{FromResource, "no_such_code", RFC6750Errors},
	}
	for _, tt := range tests {
		got := Explain(tt.from, tt.code, "d")
		if got.Code != tt.code || got.Description != "d" || got.Meaning == "" || got.Link != tt.link {
			t.Errorf("Explain(%s, %s) = %+v", tt.from, tt.code, got)
		}
	}
}

func TestMaskedQuery(t *testing.T) {
	q := url.Values{"state": {"a b"}, "code": {"0123456789abcdefghij"}, "iss": {"http://as"}}
	want := "code=0123456789…ghij&iss=http%3A%2F%2Fas&state=a+b"
	if got := MaskedQuery(q); got != want {
		t.Errorf("MaskedQuery = %q, want %q", got, want)
	}
}
