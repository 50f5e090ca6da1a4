package e2e

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/oauthlab/oauthlab/shared/actortest"
	"github.com/oauthlab/oauthlab/shared/contract"
	"github.com/oauthlab/oauthlab/shared/scopes"
)

// docs/contract.md is what people and scripts outside the code rely on; the
// Go values in shared/contract and shared/scopes are what the code does.
// This test fails as soon as the two say different things.
func TestContractDocMatchesCode(t *testing.T) {
	doc := readContractDoc(t)

	t.Run("actors", func(t *testing.T) {
		rows := doc.table(t, "## Where the three actors live")
		want := map[string]string{
			"authorization server":  contract.AuthServerURL,
			"demo client (web app)": contract.ClientURL,
			"resource API":          contract.ResourceAPIURL,
		}
		if len(rows) != len(want) {
			t.Fatalf("%d actors in the doc, want %d", len(rows), len(want))
		}
		for _, r := range rows {
			if got := unquote(r[1]); got != want[r[0]] {
				t.Errorf("%s: doc says %q, code says %q", r[0], got, want[r[0]])
			}
			if r[0] == "demo client (web app)" && !strings.Contains(r[2], "`"+contract.WebClient.RedirectURI+"`") {
				t.Errorf("client notes %q do not name the redirect URI %s", r[2], contract.WebClient.RedirectURI)
			}
		}
	})

	t.Run("demo users", func(t *testing.T) {
		rows := doc.table(t, "### Demo users")
		if len(rows) != len(contract.DemoUsers) {
			t.Fatalf("%d users in the doc, want %d", len(rows), len(contract.DemoUsers))
		}
		for i, u := range contract.DemoUsers {
			got := rows[i]
			want := []string{u.Username, u.Password, u.Subject, u.Name, u.Email, boolWord(u.EmailVerified)}
			for j := range want {
				if unquote(got[j]) != want[j] {
					t.Errorf("user %s, column %d: doc says %q, code says %q", u.Username, j+1, got[j], want[j])
				}
			}
		}
	})

	t.Run("demo clients", func(t *testing.T) {
		rows := doc.table(t, "### Demo clients")
		if len(rows) != len(contract.DemoClients) {
			t.Fatalf("%d clients in the doc, want %d", len(rows), len(contract.DemoClients))
		}
		for i, c := range contract.DemoClients {
			got := rows[i]
			checks := []struct {
				column    string
				doc, code string
			}{
				{"client id", unquote(got[0]), c.ID},
				{"secret", unquote(got[1]), c.Secret},
				{"redirect URI", unquote(got[3]), c.RedirectURI},
				{"grant types", strings.Join(list(got[4]), " "), strings.Join(c.GrantTypes, " ")},
				{"scopes", strings.Join(list(got[5]), " "), strings.Join(c.Scopes, " ")},
			}
			for _, ch := range checks {
				if ch.doc != ch.code {
					t.Errorf("client %s, %s: doc says %q, code says %q", c.ID, ch.column, ch.doc, ch.code)
				}
			}
		}
	})

	t.Run("scopes", func(t *testing.T) {
		var got []string
		for _, r := range doc.table(t, "## Scopes of the resource API") {
			got = append(got, unquote(r[0]))
		}
		if want := scopes.Names(); !slices.Equal(got, want) {
			t.Errorf("doc lists scopes %v, code has %v", got, want)
		}
	})

	t.Run("OpenID Connect scopes", func(t *testing.T) {
		var got, want []string
		for _, r := range doc.table(t, "## OpenID Connect") {
			got = append(got, unquote(r[0]))
		}
		for _, s := range scopes.OpenIDConnect {
			want = append(want, s.Name)
		}
		if !slices.Equal(got, want) {
			t.Errorf("doc lists OpenID Connect scopes %v, code has %v", got, want)
		}
	})
}

// The repository stands on its own: no file may send a reader to a
// document that sits beside the checkout.
func TestNoReferenceOutsideTheRepository(t *testing.T) {
	root := actortest.Root(t)
	out, err := exec.Command("git", "-C", root, "ls-files").Output()
	if err != nil {
		t.Skipf("git ls-files: %v (not a git checkout)", err)
	}
	mdLink := regexp.MustCompile(`\]\(([^)#\s]+)(?:#[^)]*)?\)`)
	// Both split, so that this file does not name them itself.
	outside, sibling := "CONTRACT"+".md", ".."+"/shared/"
	for _, name := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		data, err := os.ReadFile(filepath.Join(root, name))
		if err != nil || bytes.IndexByte(data, 0) >= 0 {
			continue // deleted in the worktree, or binary
		}
		if bytes.Contains(data, []byte(outside)) {
			t.Errorf("%s names %s, which is not in the repository: point at docs/contract.md", name, outside)
		}
		if !strings.HasSuffix(name, ".md") {
			if bytes.Contains(data, []byte(sibling)) {
				t.Errorf("%s points at %s, outside the repository", name, sibling)
			}
			continue
		}
		for _, m := range mdLink.FindAllStringSubmatch(string(data), -1) {
			target := m[1]
			if strings.Contains(target, "://") || strings.HasPrefix(target, "mailto:") {
				continue
			}
			abs := filepath.Join(root, filepath.Dir(name), target)
			if rel, err := filepath.Rel(root, abs); err != nil || rel == ".." || strings.HasPrefix(rel, "../") {
				t.Errorf("%s links to %s, outside the repository", name, target)
			}
		}
	}
}

// contractDoc is docs/contract.md, line by line.
type contractDoc struct{ lines []string }

func readContractDoc(t *testing.T) contractDoc {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(actortest.Root(t), "docs", "contract.md"))
	if err != nil {
		t.Fatal(err)
	}
	var d contractDoc
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		d.lines = append(d.lines, sc.Text())
	}
	return d
}

// table returns the body rows (cells trimmed) of the first table after the
// heading that starts with heading.
func (d contractDoc) table(t *testing.T, heading string) [][]string {
	t.Helper()
	start := slices.IndexFunc(d.lines, func(l string) bool { return strings.HasPrefix(l, heading) })
	if start < 0 {
		t.Fatalf("docs/contract.md has no heading %q", heading)
	}
	var rows [][]string
	for i := start + 1; i < len(d.lines); i++ {
		l := d.lines[i]
		if strings.HasPrefix(l, "#") {
			break
		}
		if !strings.HasPrefix(l, "|") {
			if rows != nil {
				break
			}
			continue
		}
		cells := strings.Split(strings.Trim(l, "|"), "|")
		for j := range cells {
			cells[j] = strings.TrimSpace(cells[j])
		}
		rows = append(rows, cells)
	}
	if len(rows) < 2 {
		t.Fatalf("docs/contract.md: no table under %q", heading)
	}
	return rows[2:] // past the header and the |---| line
}

// unquote strips the backquotes of a code span.
func unquote(cell string) string { return strings.Trim(cell, "`") }

// list splits a cell such as "`a`, `b`" into its items.
func list(cell string) []string {
	var out []string
	for _, item := range strings.Split(cell, ",") {
		if item = unquote(strings.TrimSpace(item)); item != "" {
			out = append(out, item)
		}
	}
	return out
}

func boolWord(b bool) string {
	if b {
		return "true"
	}
	return "false"
}
