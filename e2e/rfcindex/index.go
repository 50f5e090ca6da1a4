// Command rfcindex writes the rule index: every rule the system enforces,
// read from the one comment tag at the enforcing line
//
//	// RFC 6749 §4.1.2: why the line is there
//	// OIDC Core §3.1.3.7: why the line is there
//
// and every test that says what it covers with
//
//	// covers: RFC 6749 §4.1.2, RFC 7636 §4.6
//
// It writes docs/rfc-index.md (for people) and
// client/internal/lab/rules_gen.go (for the attack lab, which shows the rule
// and the line that defeated each attack). `make rfc-index` runs it from the
// workspace root; the test in this folder fails when either file is stale.
package main

import (
	"bufio"
	"bytes"
	"fmt"
	"go/ast"
	"go/format"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// scanned are the folders whose non-test Go files hold enforcing lines, and
// whose tests (together with e2e/) may cite what they cover.
var scanned = []string{"authserver", "resourceapi", "client", "shared"}

// skipped holds code that must never count as enforcement: the lab's
// deliberately naive variants.
var skipped = []string{"client/internal/lab"}

// Output paths, relative to the workspace root.
const (
	MarkdownPath = "docs/rfc-index.md"
	GoTablePath  = "client/internal/lab/rules_gen.go"
)

// spec is "RFC <n>" or "OIDC <document>".
const spec = `RFC \d+|OIDC (?:Core|Discovery|RP-Initiated Logout|Back-Channel Logout)`

// section is what follows the § sign: 4.1.2, 10.12, 2.1, A.1.
const section = `[0-9A-Z][0-9A-Za-z]*(?:\.[0-9A-Za-z]+)*`

var (
	// tagRE matches a tag comment, alone on its line or after code.
	tagRE = regexp.MustCompile(`(?:^|\s)// (` + spec + `) §(` + section + `): (\S.*)$`)
	// coversRE matches a test's "covers:" comment.
	coversRE = regexp.MustCompile(`^// covers: (.+)$`)
	keyRE    = regexp.MustCompile(`^(` + spec + `) §(` + section + `)$`)
)

// Site is one enforcing line.
type Site struct {
	File string // slash-separated, relative to the root
	Line int
	Why  string // the tag's text after the colon, first line only
	// Code is the source from Line-SnippetLines to Line+SnippetLines, for
	// the lab's rules page; From is its first line's number.
	Code string
	From int
}

// SnippetLines is how many lines of code the rules page shows on each
// side of a tagged line.
const SnippetLines = 3

// Rule is a spec section and where it is enforced and tested.
type Rule struct {
	Spec    string // "RFC 6749"
	Section string // "4.1.2"
	Sites   []Site
	Tests   []string // "TestLab (client/lab_system_test.go)", sorted
}

// Key is how tags and the lab name the rule: "RFC 6749 §4.1.2".
func (r Rule) Key() string { return r.Spec + " §" + r.Section }

// Index is every rule found, in spec then section order.
type Index struct {
	Rules []Rule
	// Unknown lists covers: citations of rules nothing enforces.
	Unknown []string
}

// Scan reads the tags under root.
func Scan(root string) (Index, error) {
	rules := map[string]*Rule{}
	covers := map[string][]string{}
	walk := func(dir string) error {
		return filepath.WalkDir(filepath.Join(root, dir), func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			rel := filepath.ToSlash(must(filepath.Rel(root, path)))
			if d.IsDir() {
				if slices.Contains(skipped, rel) || strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata" {
					return filepath.SkipDir
				}
				return nil
			}
			if !strings.HasSuffix(rel, ".go") {
				return nil
			}
			if strings.HasSuffix(rel, "_test.go") {
				return scanTest(path, rel, covers)
			}
			if dir == "e2e" {
				return nil
			}
			return scanSource(path, rel, rules)
		})
	}
	for _, dir := range append(slices.Clone(scanned), "e2e") {
		if err := walk(dir); err != nil {
			return Index{}, err
		}
	}
	var idx Index
	for key, tests := range covers {
		r, ok := rules[key]
		if !ok {
			idx.Unknown = append(idx.Unknown, key+" (cited by "+strings.Join(tests, ", ")+")")
			continue
		}
		r.Tests = append(r.Tests, tests...)
	}
	for _, r := range rules {
		slices.Sort(r.Tests)
		r.Tests = slices.Compact(r.Tests)
		idx.Rules = append(idx.Rules, *r)
	}
	slices.SortFunc(idx.Rules, compareRules)
	slices.Sort(idx.Unknown)
	return idx, nil
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func scanSource(path, rel string, rules map[string]*Rule) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	if err := sc.Err(); err != nil {
		return err
	}
	for i, line := range lines {
		m := tagRE.FindStringSubmatch(strings.TrimSpace(line))
		if m == nil {
			continue
		}
		key := m[1] + " §" + m[2]
		r := rules[key]
		if r == nil {
			r = &Rule{Spec: m[1], Section: m[2]}
			rules[key] = r
		}
		from, to := max(0, i-SnippetLines), min(len(lines), i+SnippetLines+1)
		r.Sites = append(r.Sites, Site{File: rel, Line: i + 1, Why: strings.TrimSpace(m[3]),
			Code: strings.Join(lines[from:to], "\n"), From: from + 1})
	}
	return nil
}

// scanTest records, for each "covers:" comment, the test function it is in
// or documents.
func scanTest(path, rel string, covers map[string][]string) error {
	src, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if !bytes.Contains(src, []byte("// covers: ")) {
		return nil
	}
	fset := token.NewFileSet()
	file, err := parser.ParseFile(fset, path, src, parser.ParseComments)
	if err != nil {
		return err
	}
	for _, cg := range file.Comments {
		for _, c := range cg.List {
			m := coversRE.FindStringSubmatch(c.Text)
			if m == nil {
				continue
			}
			name := enclosingFunc(file, c.Pos())
			if name == "" {
				return fmt.Errorf("%s: %q is outside any function", fset.Position(c.Pos()), c.Text)
			}
			for _, key := range strings.Split(m[1], ",") {
				key = strings.TrimSpace(key)
				if !keyRE.MatchString(key) {
					return fmt.Errorf("%s: %q is not a rule key like \"RFC 6749 §4.1.2\"", fset.Position(c.Pos()), key)
				}
				covers[key] = append(covers[key], name+" ("+rel+")")
			}
		}
	}
	return nil
}

// enclosingFunc names the function whose body or doc comment holds pos.
func enclosingFunc(file *ast.File, pos token.Pos) string {
	for _, d := range file.Decls {
		fn, ok := d.(*ast.FuncDecl)
		if !ok {
			continue
		}
		if (fn.Doc != nil && fn.Doc.Pos() <= pos && pos <= fn.Doc.End()) || (fn.Pos() <= pos && pos <= fn.End()) {
			return fn.Name.Name
		}
	}
	return ""
}

// compareRules orders by spec (RFCs by number, then OIDC documents), then
// by section number part by part.
func compareRules(a, b Rule) int {
	if c := compareSpec(a.Spec, b.Spec); c != 0 {
		return c
	}
	return compareSection(a.Section, b.Section)
}

func compareSpec(a, b string) int {
	na, errA := strconv.Atoi(strings.TrimPrefix(a, "RFC "))
	nb, errB := strconv.Atoi(strings.TrimPrefix(b, "RFC "))
	switch {
	case errA == nil && errB == nil:
		return na - nb
	case errA == nil:
		return -1
	case errB == nil:
		return 1
	}
	return strings.Compare(a, b)
}

func compareSection(a, b string) int {
	pa, pb := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < len(pa) && i < len(pb); i++ {
		na, errA := strconv.Atoi(pa[i])
		nb, errB := strconv.Atoi(pb[i])
		if errA == nil && errB == nil {
			if na != nb {
				return na - nb
			}
			continue
		}
		if c := strings.Compare(pa[i], pb[i]); c != 0 {
			return c
		}
	}
	return len(pa) - len(pb)
}

// titles name the specifications the index groups by.
var titles = map[string]string{
	"RFC 6585":                 "Additional HTTP Status Codes",
	"RFC 6749":                 "The OAuth 2.0 Authorization Framework",
	"RFC 6750":                 "Bearer Token Usage",
	"RFC 7009":                 "Token Revocation",
	"RFC 7519":                 "JSON Web Token",
	"RFC 7591":                 "Dynamic Client Registration",
	"RFC 7636":                 "Proof Key for Code Exchange (PKCE)",
	"RFC 7662":                 "Token Introspection",
	"RFC 8037":                 "EdDSA for JOSE",
	"RFC 8252":                 "OAuth 2.0 for Native Apps",
	"RFC 8414":                 "Authorization Server Metadata",
	"RFC 8707":                 "Resource Indicators",
	"RFC 8725":                 "JSON Web Token Best Current Practices",
	"RFC 9068":                 "JWT Profile for OAuth 2.0 Access Tokens",
	"RFC 9110":                 "HTTP Semantics",
	"RFC 9207":                 "Authorization Server Issuer Identification",
	"RFC 9449":                 "Demonstrating Proof of Possession (DPoP)",
	"RFC 9700":                 "Best Current Practice for OAuth 2.0 Security",
	"RFC 9728":                 "Protected Resource Metadata",
	"OIDC Core":                "OpenID Connect Core 1.0",
	"OIDC Discovery":           "OpenID Connect Discovery 1.0",
	"OIDC RP-Initiated Logout": "OpenID Connect RP-Initiated Logout 1.0",
	"OIDC Back-Channel Logout": "OpenID Connect Back-Channel Logout 1.0",
}

// Markdown renders docs/rfc-index.md. Links are relative to docs/.
func Markdown(idx Index) []byte {
	var b bytes.Buffer
	b.WriteString("# Rule index\n\n")
	b.WriteString("Every rule the system enforces, with the line that enforces it and the tests that cover it.\n")
	b.WriteString("Generated by `make rfc-index` from the `// RFC 6749 §4.1.2: why` tags at the enforcing lines\n")
	b.WriteString("and the `// covers: RFC 6749 §4.1.2` comments in tests. Do not edit it by hand:\n")
	b.WriteString("`go test ./e2e/rfcindex` fails when it is stale.\n")
	last := ""
	for _, r := range idx.Rules {
		if r.Spec != last {
			last = r.Spec
			title := r.Spec
			if t, ok := titles[r.Spec]; ok {
				title += ": " + t
			}
			fmt.Fprintf(&b, "\n## %s\n", title)
		}
		fmt.Fprintf(&b, "\n### %s\n\n", r.Key())
		for _, s := range r.Sites {
			// Root-relative links (code hosts resolve them from the
			// repository's root), so that no link of docs/ climbs out of
			// its folder to reach shared/.
			fmt.Fprintf(&b, "- [%s:%d](/%s#L%d): %s\n", s.File, s.Line, s.File, s.Line, s.Why)
		}
		if len(r.Tests) == 0 {
			b.WriteString("- tests: none cite it yet\n")
		} else {
			fmt.Fprintf(&b, "- tests: %s\n", strings.Join(r.Tests, "; "))
		}
	}
	return b.Bytes()
}

// GoTable renders client/internal/lab/rules_gen.go, with the code around
// each tagged line (the lab's rules page shows it).
func GoTable(idx Index) []byte {
	var b bytes.Buffer
	b.WriteString("// Code generated by e2e/rfcindex (make rfc-index); DO NOT EDIT.\n\n")
	b.WriteString("package lab\n\n")
	b.WriteString("// ruleTable maps each rule key to the lines that enforce it.\n")
	b.WriteString("var ruleTable = map[string][]RuleSite{\n")
	for _, r := range idx.Rules {
		fmt.Fprintf(&b, "\t%q: {\n", r.Key())
		for _, s := range r.Sites {
			fmt.Fprintf(&b, "\t\t{File: %q, Line: %d, Why: %q, From: %d, Code: %q},\n", s.File, s.Line, s.Why, s.From, s.Code)
		}
		b.WriteString("\t},\n")
	}
	b.WriteString("}\n")
	out, err := format.Source(b.Bytes())
	if err != nil {
		panic(err) // the generator writes only literals; a failure is a bug here
	}
	return out
}

func main() {
	root := "."
	if len(os.Args) > 1 {
		root = os.Args[1]
	}
	idx, err := Scan(root)
	if err != nil {
		fmt.Fprintln(os.Stderr, "rfcindex:", err)
		os.Exit(1)
	}
	for path, content := range map[string][]byte{MarkdownPath: Markdown(idx), GoTablePath: GoTable(idx)} {
		if err := os.WriteFile(filepath.Join(root, path), content, 0o644); err != nil {
			fmt.Fprintln(os.Stderr, "rfcindex:", err)
			os.Exit(1)
		}
	}
	fmt.Printf("rfcindex: %d rules written to %s and %s\n", len(idx.Rules), MarkdownPath, GoTablePath)
}
