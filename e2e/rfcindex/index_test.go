package main

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// mustHave are the rules the project promises to enforce: each needs a tag
// at its enforcing line in the named file. when, if set, is a spec whose
// arrival makes the rule due (nonces come with OpenID Connect).
var mustHave = []struct {
	name, key, file, when string
}{
	{"single-use authorization code", "RFC 6749 §4.1.2", "authserver/internal/oauth/grant_authorization_code.go", ""},
	{"PKCE S256 verifier check", "RFC 7636 §4.6", "authserver/internal/oauth/grant_authorization_code.go", ""},
	{"exact redirect_uri match", "RFC 9700 §4.1.3", "authserver/internal/oauth/authorize.go", ""},
	{"refresh token reuse revokes the family", "RFC 9700 §4.14.2", "authserver/internal/oauth/grant_refresh_token.go", ""},
	{"resource server checks aud", "RFC 9068 §4", "resourceapi/internal/oauth/jwt.go", ""},
	{"client checks state", "RFC 6749 §10.12", "client/internal/flow/steps.go", ""},
	{"client checks iss", "RFC 9207 §2.4", "client/internal/flow/steps.go", ""},
	{"client checks the ID token nonce", "OIDC Core §3.1.3.7", "client/", "OIDC Core"},
	{"forms carry a session-bound CSRF token", "RFC 6749 §10.12", "authserver/internal/web/csrf.go", ""},
	{"cross-site form posts are refused", "RFC 9700 §4.7", "authserver/internal/web/csrf.go", ""},
	{"no open redirector through error responses", "RFC 9700 §4.11.2", "authserver/internal/web/authorize.go", ""},
	{"password guessing is slowed down", "RFC 6585 §4", "authserver/internal/web/login.go", ""},
}

func root(t *testing.T) string {
	t.Helper()
	r, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestIndexIsFresh regenerates both files and fails when the committed ones
// differ: run `make rfc-index` after moving or adding a tag.
func TestIndexIsFresh(t *testing.T) {
	r := root(t)
	idx, err := Scan(r)
	if err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string][]byte{MarkdownPath: Markdown(idx), GoTablePath: GoTable(idx)} {
		got, err := os.ReadFile(filepath.Join(r, path))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s is stale: run `make rfc-index`", path)
		}
	}
	if len(idx.Unknown) > 0 {
		t.Errorf("tests cite rules that no line enforces:\n%s", strings.Join(idx.Unknown, "\n"))
	}
}

// TestMustHaveRulesAreCovered fails when a promised rule has no test that
// says it covers it (a "// covers: RFC 6749 §4.1.2" comment in the test).
func TestMustHaveRulesAreCovered(t *testing.T) {
	idx, err := Scan(root(t))
	if err != nil {
		t.Fatal(err)
	}
	specs := map[string]bool{}
	tests := map[string][]string{}
	for _, r := range idx.Rules {
		specs[r.Spec] = true
		tests[r.Key()] = r.Tests
	}
	for _, m := range mustHave {
		if m.when != "" && !specs[m.when] {
			continue
		}
		if len(tests[m.key]) == 0 {
			t.Errorf("%s: no test says \"// covers: %s\"", m.name, m.key)
		}
	}
}

// TestMustHaveRulesAreTagged fails when a promised rule has no tag where it
// is enforced.
func TestMustHaveRulesAreTagged(t *testing.T) {
	idx, err := Scan(root(t))
	if err != nil {
		t.Fatal(err)
	}
	specs := map[string]bool{}
	sites := map[string][]Site{}
	for _, r := range idx.Rules {
		specs[r.Spec] = true
		sites[r.Key()] = r.Sites
	}
	for _, m := range mustHave {
		if m.when != "" && !specs[m.when] {
			t.Logf("%s: not due until %s tags exist", m.name, m.when)
			continue
		}
		found := false
		for _, s := range sites[m.key] {
			found = found || strings.HasPrefix(s.File, m.file)
		}
		if !found {
			t.Errorf("%s: no %q tag in %s", m.name, m.key, m.file)
		}
	}
}

func TestTagGrammar(t *testing.T) {
	for _, tc := range []struct {
		line, key string
	}{
		{"// RFC 6749 §4.1.2: a code used twice is denied", "RFC 6749 §4.1.2"},
		{"x := 1 // RFC 6749 §5.1: always say what was granted", "RFC 6749 §5.1"},
		{"// OIDC Core §3.1.3.7: the nonce must match", "OIDC Core §3.1.3.7"},
		{"// OIDC RP-Initiated Logout §2: post_logout_redirect_uri registered", "OIDC RP-Initiated Logout §2"},
		{"// RFC 7636 Appendix B.", ""},
		{"// RFC 6749 §3.1.2.3 and RFC 9700 §4.1.3: two rules on one line", ""},
		{"noStore(c) // RFC 6749 §5.1", ""},
		{"// see RFC 6749 §4.1.2: prose, not a tag", ""},
		{"// OIDC Nonsense §1: unknown document", ""},
	} {
		m := tagRE.FindStringSubmatch(tc.line)
		got := ""
		if m != nil {
			got = m[1] + " §" + m[2]
		}
		if got != tc.key {
			t.Errorf("%q: got %q, want %q", tc.line, got, tc.key)
		}
	}
}

func TestSectionOrder(t *testing.T) {
	in := []string{"10.12", "4.1.2", "4.1", "4.1.10", "2", "4.1.2.1"}
	want := []string{"2", "4.1", "4.1.2", "4.1.2.1", "4.1.10", "10.12"}
	var rules []Rule
	for _, s := range in {
		rules = append(rules, Rule{Spec: "RFC 6749", Section: s})
	}
	rules = append(rules, Rule{Spec: "OIDC Core", Section: "2"}, Rule{Spec: "RFC 9700", Section: "1"}, Rule{Spec: "RFC 700", Section: "1"})
	slices.SortFunc(rules, compareRules)
	var got []string
	for _, r := range rules {
		got = append(got, r.Key())
	}
	wantKeys := []string{"RFC 700 §1"}
	for _, s := range want {
		wantKeys = append(wantKeys, "RFC 6749 §"+s)
	}
	wantKeys = append(wantKeys, "RFC 9700 §1", "OIDC Core §2")
	if strings.Join(got, ",") != strings.Join(wantKeys, ",") {
		t.Fatalf("got %v\nwant %v", got, wantKeys)
	}
}

// BenchmarkScan measures one regeneration of the index over the whole
// repository (the lead runs it after every merge).
func BenchmarkScan(b *testing.B) {
	r, err := filepath.Abs("../..")
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		idx, err := Scan(r)
		if err != nil {
			b.Fatal(err)
		}
		_ = Markdown(idx)
		_ = GoTable(idx)
	}
}

// TestGoTableStaysSmall keeps the lab's rule table, code snippets and all,
// well under the size a reviewer can read (and the repository's limit).
func TestGoTableStaysSmall(t *testing.T) {
	idx, err := Scan(root(t))
	if err != nil {
		t.Fatal(err)
	}
	if n := len(GoTable(idx)); n > 200<<10 {
		t.Fatalf("%s is %d KB, more than 200 KB: show fewer lines around each tag", GoTablePath, n>>10)
	}
}
