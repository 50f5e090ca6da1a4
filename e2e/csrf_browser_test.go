package e2e

import (
	"encoding/json"
	"fmt"
	"html/template"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/oauthlab/oauthlab/shared/actortest"
	"github.com/oauthlab/oauthlab/shared/contract"
)

// attackerForm auto-submits a consent approval to the authorization server,
// with the CSRF token the attacker planted as a cookie.
var attackerForm = template.Must(template.New("attack").Parse(`<!doctype html>
<title>Free concert tickets</title>
<form id="attack" method="post" action="{{.Action}}">
{{range $k, $v := .Fields}}<input type="hidden" name="{{$k}}" value="{{$v}}">
{{end}}</form>
<script>document.getElementById("attack").submit()</script>`))

// TestBrowserCSRFCookieTossing: RFC 9700 §4.7 in a real browser. alice is
// signed in to the authorization server. A page on another port of the same
// host (same-site, not same-origin) plants CSRF cookies with a value of its
// choosing (cookie tossing), then auto-submits the consent form for the
// attacker's own client with that value as the token. With a plain
// double-submit cookie that approved the request and sent the attacker a
// code; now the post is refused and no code leaves the server.
func TestBrowserCSRFCookieTossing(t *testing.T) {
	t.Parallel()
	chromium := findChromium(t)
	sys := startSystem(t, nil)

	// The attacker's site: another port of localhost, which also receives
	// the code if the attack works.
	_, port, _ := net.SplitHostPort(actortest.FreeAddr(t))
	ln, err := net.Listen("tcp", "127.0.0.1:"+port)
	if err != nil {
		t.Fatal(err)
	}
	var codes atomic.Int32
	attackerRedirect := "http://127.0.0.1:" + port + "/cb"
	const planted = "planted-by-the-attacker"
	var attackFields map[string]string
	site := &httptest.Server{Listener: ln, Config: &http.Server{ReadHeaderTimeout: 5 * time.Second,
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			switch r.URL.Path {
			case "/cb":
				if r.URL.Query().Get("code") != "" {
					codes.Add(1)
				}
				fmt.Fprint(w, "thanks")
			default:
				w.Header().Set("Content-Type", "text/html; charset=utf-8")
				_ = attackerForm.Execute(w, map[string]any{"Action": sys.AuthServer + "/consent", "Fields": attackFields})
			}
		})}}
	site.Start()
	t.Cleanup(site.Close)
	attackerPage := "http://localhost:" + port + "/"
	tosser := actortest.CookieTosser(t, "localhost",
		&http.Cookie{Name: "as_csrf", Value: planted, HttpOnly: true},
		&http.Cookie{Name: "as_presession", Value: planted, HttpOnly: true})

	// The attacker registers its own client (RFC 7591).
	resp, err := http.Post(sys.AuthServer+"/register", "application/json",
		strings.NewReader(`{"client_name":"Free tickets","redirect_uris":["`+attackerRedirect+`"]}`))
	if err != nil {
		t.Fatal(err)
	}
	var reg struct {
		ClientID string `json:"client_id"`
	}
	err = json.NewDecoder(resp.Body).Decode(&reg)
	resp.Body.Close()
	if err != nil || reg.ClientID == "" {
		t.Fatalf("register the attacker's client: %d %v", resp.StatusCode, err)
	}
	attackFields = map[string]string{
		"client_id": reg.ClientID, "redirect_uri": attackerRedirect, "response_type": "code",
		"scope": "tracks:read", "state": "attacker", "decision": "approve", "csrf_token": planted,
	}

	alloc, cancel := newChromium(t, chromium)
	defer cancel()
	alice := newTab(t, alloc, outputDir(t), "csrf")
	defer alice.close()
	b := alice.with(t)

	b.step("open the sign-in page", chromedp.Navigate(sys.AuthServer+"/login?"+url.Values{"return_to": {"/account"}}.Encode()),
		chromedp.WaitVisible(chromedp.CSS(`input[name="username"]`)))
	b.step("type alice's credentials",
		chromedp.SendKeys(chromedp.CSS(`input[name="username"]`), contract.Alice.Username),
		chromedp.SendKeys(chromedp.CSS(`input[name="password"]`), contract.Alice.Password))
	b.navStep("sign in as alice", chromedp.Click(chromedp.ID("login")))
	b.wantAt("signed in", sys.AuthServer)
	b.noError("signed in")

	b.step("visit the cookie tosser", chromedp.Navigate(tosser))
	b.step("visit the attacker's page", chromedp.Navigate(attackerPage))

	// The page posts at once; wait until the browser has left it.
	deadline := time.Now().Add(stepTimeout)
	for strings.HasPrefix(b.location(), attackerPage) && codes.Load() == 0 && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	time.Sleep(500 * time.Millisecond) // a redirect to the attacker's /cb would have arrived by now
	if n := codes.Load(); n != 0 {
		b.fatalf("forged consent", "the attacker received an authorization code for alice (%d)", n)
	}
	b.wantAt("forged consent", sys.AuthServer)
	if b.count("#error") == 0 {
		b.fatalf("forged consent", "the authorization server did not show its refusal page")
	}
}
