package lab

import (
	"strings"
	"testing"
)

// TestScenarioRulesExist fails when a scenario names a rule that the
// generated index does not have at the named file (a tag moved or was
// renamed: fix the tag or the scenario, then run make rfc-index).
func TestScenarioRulesExist(t *testing.T) {
	seen := map[string]bool{}
	for _, s := range catalog() {
		if seen[s.ID] {
			t.Errorf("scenario id %s is used twice", s.ID)
		}
		seen[s.ID] = true
		if s.Status == StatusComing {
			if s.run != nil || s.Needs == "" {
				t.Errorf("%s: a coming scenario has no run and says what it needs", s.ID)
			}
			continue
		}
		if s.run == nil {
			t.Errorf("%s: ready but cannot run", s.ID)
		}
		if s.Pending != "" {
			t.Logf("%s: rule check skipped until %s", s.ID, s.Pending)
			continue
		}
		if s.Rule.Key == "" || s.Rule.Site.File == "" || s.Rule.Site.Line == 0 {
			t.Errorf("%s: rule %q has no enforcing line in the index", s.ID, s.Rule.Key)
		}
	}
	for name, r := range map[string]Rule{"audienceRule": audienceRule, "nonceRule": nonceRule, "algRule": algRule, "signatureRule": signatureRule} {
		if r.Site.File == "" {
			t.Errorf("%s: rule %q has no enforcing line in the index", name, r.Key)
		}
	}
}

func TestNaivePrefixMatch(t *testing.T) {
	reg := "http://localhost:8080/callback"
	hits := 0
	for _, v := range redirectVariants(reg, "http", "localhost", "8080") {
		if v == reg {
			t.Fatalf("a variant equals the registered URI")
		}
		if naivePrefixMatch(reg, v) {
			hits++
		}
	}
	if hits == 0 {
		t.Fatal("the naive check refuses every variant: the lesson shows nothing")
	}
}

func TestNaiveVerifyAcceptsTheClassicForgeries(t *testing.T) {
	// A token shaped like ours, from no server at all: forge only needs its
	// claims and kid.
	real := "eyJhbGciOiJFUzI1NiIsImtpZCI6ImsxIiwidHlwIjoiYXQrand0In0." +
		"eyJpc3MiOiJodHRwOi8vbG9jYWxob3N0OjkwMDAiLCJzdWIiOiJhIiwiYXVkIjoiaHR0cDovL2xvY2FsaG9zdDo5MDkwIn0.c2ln"
	jwks := []byte(`{"keys":[{"kty":"EC","kid":"k1","x":"AAAA","y":"BBBB"}]}`)
	forgeries, err := forge(real, jwks)
	if err != nil {
		t.Fatal(err)
	}
	var accepted []string
	for _, f := range forgeries {
		if naiveVerify(f.token, jwks) {
			accepted = append(accepted, f.name)
		}
	}
	if len(accepted) != 3 || !strings.Contains(strings.Join(accepted, ";"), "none") {
		t.Fatalf("naive verifier accepted %v, want alg none, HS256-with-public-key and kid injection", accepted)
	}
}
