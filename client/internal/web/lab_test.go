package web

import (
	"context"
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/oauthlab/oauthlab/client/internal/config"
	"github.com/oauthlab/oauthlab/client/internal/lab"
	"github.com/oauthlab/oauthlab/client/internal/store"
)

// labApp starts the client with CLIENT_LAB set to on ("true" or "false").
func labApp(t *testing.T, on string) (*echo.Echo, *httptest.Server) {
	t.Helper()
	st, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "client.db"), time.Now)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	cfg, err := config.Load(func(k string) string { return map[string]string{"CLIENT_LAB": on}[k] })
	if err != nil {
		t.Fatal(err)
	}
	e, err := New(cfg, st, slog.New(slog.DiscardHandler), time.Now)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(e)
	t.Cleanup(srv.Close)
	return e, srv
}

func get(t *testing.T, url string, header ...string) (int, http.Header, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}

func TestLabList(t *testing.T) {
	_, srv := labApp(t, "true")
	status, _, body := get(t, srv.URL+"/lab", "Accept", "application/json")
	var out struct {
		Scenarios []struct{ ID, Status string } `json:"scenarios"`
	}
	if status != http.StatusOK || json.Unmarshal([]byte(body), &out) != nil {
		t.Fatalf("GET /lab as JSON: %d %s", status, body)
	}
	statuses := map[string]string{}
	for _, s := range out.Scenarios {
		statuses[s.ID] = s.Status
	}
	if len(out.Scenarios) != 16 {
		t.Fatalf("scenarios = %v, want all 16 of the issue", statuses)
	}
	for id, status := range statuses {
		// Every scenario's feature has landed: none is still coming.
		if status != "ready" {
			t.Errorf("scenario %s is %q, want ready", id, status)
		}
	}
	status, h, page := get(t, srv.URL+"/lab")
	if status != http.StatusOK || !strings.Contains(page, `id="run-code-replay"`) || !strings.Contains(page, `href="/lab"`) {
		t.Fatalf("GET /lab: %d\n%s", status, page)
	}
	if !strings.Contains(h.Get("Content-Security-Policy"), "frame-src http://localhost:9000") {
		t.Fatalf("the lab page may not frame the authorization server: %s", h.Get("Content-Security-Policy"))
	}
	if status, _, _ := get(t, srv.URL+"/lab/rules"); status != http.StatusOK {
		t.Fatalf("GET /lab/rules: %d", status)
	}
}

// TestLabJSONRunNeedsJSON: a JSON run must carry Content-Type
// application/json, which an HTML form cannot send (the CSRF defence of
// the JSON API); an unknown scenario answers a clear error.
func TestLabJSONRunNeedsJSON(t *testing.T) {
	_, srv := labApp(t, "true")
	for _, tc := range []struct {
		id, contentType string
		want            int
	}{
		{"code-replay", "application/x-www-form-urlencoded", http.StatusUnsupportedMediaType},
		{"code-replay", "text/plain", http.StatusUnsupportedMediaType},
		{"no-such-thing", "application/json", http.StatusNotFound},
	} {
		req, _ := http.NewRequest(http.MethodPost, srv.URL+"/lab/"+tc.id, strings.NewReader("{}"))
		req.Header.Set("Accept", "application/json")
		req.Header.Set("Content-Type", tc.contentType)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tc.want {
			t.Errorf("%s with %s: %d, want %d", tc.id, tc.contentType, resp.StatusCode, tc.want)
		}
	}
}

// TestLabOff: with CLIENT_LAB=false no route reaches the lab and no page
// links it.
func TestLabOff(t *testing.T) {
	e, srv := labApp(t, "false")
	for _, r := range e.Routes() {
		if strings.HasPrefix(r.Path, "/lab") {
			t.Errorf("route %s %s exists with the lab off", r.Method, r.Path)
		}
	}
	if status, _, _ := get(t, srv.URL+"/lab"); status != http.StatusNotFound {
		t.Errorf("GET /lab: %d, want 404", status)
	}
	if _, _, home := get(t, srv.URL+"/"); strings.Contains(home, `href="/lab"`) {
		t.Error("the home page links the lab while it is off")
	}
}

// labHandlers are the only functions of this package that may touch the
// lab package (routes and render only ask whether it is on, for the /lab
// routes and the navigation link; ruleLink reads only the generated rule
// table, for the inspector's links to /lab/rules).
var labHandlers = []string{"New", "newLab", "routes", "render", "handleLab", "handleLabRun", "handleLabRules", "renderLab", "ruleLink"}

// TestOnlyLabRoutesReachTheLab walks every route of the client and the
// code of this package: only /lab routes lead to the lab's handlers, only
// those handlers use the lab package, and no other package of any actor
// imports it. The naive variants are therefore unreachable from the real
// flow.
func TestOnlyLabRoutesReachTheLab(t *testing.T) {
	e, _ := labApp(t, "true")
	for _, r := range e.Routes() {
		isLab := strings.Contains(r.Name, ".handleLab")
		if isLab != strings.HasPrefix(r.Path, "/lab") {
			t.Errorf("route %s %s is served by %s", r.Method, r.Path, r.Name)
		}
	}

	fset := token.NewFileSet()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			fn, ok := d.(*ast.FuncDecl)
			if !ok || fn.Body == nil {
				continue
			}
			ast.Inspect(fn.Body, func(n ast.Node) bool {
				sel, ok := n.(*ast.SelectorExpr)
				if !ok {
					return true
				}
				id, ok := sel.X.(*ast.Ident)
				if ok && (id.Name == "lab" || sel.Sel.Name == "lab") && !slices.Contains(labHandlers, fn.Name.Name) {
					t.Errorf("%s: %s uses the lab (%s.%s)", fset.Position(sel.Pos()), fn.Name.Name, id.Name, sel.Sel.Name)
				}
				return true
			})
		}
	}

	const labPkg = "github.com/oauthlab/oauthlab/client/internal/lab"
	out, err := exec.Command("go", "list", "-f", `{{.ImportPath}}:{{join .Imports " "}}`,
		"github.com/oauthlab/oauthlab/client/...", "github.com/oauthlab/oauthlab/authserver/...",
		"github.com/oauthlab/oauthlab/resourceapi/...", "github.com/oauthlab/oauthlab/shared/...").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		pkg, imports, _ := strings.Cut(line, ":")
		if slices.Contains(strings.Fields(imports), labPkg) && pkg != "github.com/oauthlab/oauthlab/client/internal/web" {
			t.Errorf("%s imports the lab", pkg)
		}
	}
	deps, err := exec.Command("go", "list", "-deps", "github.com/oauthlab/oauthlab/authserver", "github.com/oauthlab/oauthlab/resourceapi").CombinedOutput()
	if err != nil {
		t.Fatalf("go list -deps: %v\n%s", err, deps)
	}
	if strings.Contains(string(deps), labPkg) {
		t.Error("the authorization server or the resource API depends on the lab")
	}
}

// The rules page shows each rule with the code around its tagged line,
// the tagged line marked, and one anchor per rule for the inspector's
// links.
func TestLabRulesShowTheCode(t *testing.T) {
	_, srv := labApp(t, "true")
	status, _, page := get(t, srv.URL+"/lab/rules")
	if status != http.StatusOK {
		t.Fatalf("GET /lab/rules: %d", status)
	}
	var replay lab.Rule
	for _, r := range lab.Rules() {
		if r.Key == "RFC 6749 §4.1.2" && r.Anchor != "" {
			replay = r
		}
	}
	if replay.Site.Code == "" {
		t.Fatal("the rule table holds no code for RFC 6749 §4.1.2")
	}
	tagged := fmt.Sprintf(`<span class="tagged" data-line="%d">`, replay.Site.Line)
	for _, want := range []string{`id="rfc-6749-412"`, `id="` + replay.Site.Location() + `"`, tagged, "RFC 6749 §4.1.2: "} {
		if !strings.Contains(page, want) {
			t.Errorf("the rules page lacks %s", want)
		}
	}
	if n := strings.Count(page, `id="rfc-6749-412"`); n != 1 {
		t.Errorf("the anchor of RFC 6749 §4.1.2 is on the page %d times", n)
	}
}

// The inspector links every RFC section our code enforces to its row on
// the lab's rules page, and only to anchors that page has.
func TestInspectorLinksTheRuleIndex(t *testing.T) {
	h := newHarness(t, &fakeAS{codeStatus: 200, codeBody: goodToken}, topTracksAPI(200, "", tracksBody))
	h.connected()
	page := h.do(http.MethodGet, "/inspector", nil).body
	anchors := map[string]bool{}
	for _, r := range lab.Rules() {
		if r.Anchor != "" {
			anchors[r.Anchor] = true
		}
	}
	links := regexp.MustCompile(`class="our-code" href="/lab/rules#([^"]+)"`).FindAllStringSubmatch(page, -1)
	if len(links) == 0 {
		t.Fatal("the inspector links no step's rule to the rule index")
	}
	for _, m := range links {
		if !anchors[m[1]] {
			t.Errorf("the inspector links /lab/rules#%s, which the rules page does not have", m[1])
		}
	}
	if !strings.Contains(page, `href="/lab/rules#rfc-9207-24"`) {
		t.Error("the iss check does not link RFC 9207 §2.4's rule")
	}
}
