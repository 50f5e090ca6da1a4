package e2e

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/oauthlab/oauthlab/shared/actortest"
	"github.com/oauthlab/oauthlab/shared/contract"
)

// TestBrowserFlow drives Debian's chromium, headless, through the whole
// Authorization Code flow against the three real servers, as a learner
// clicks through it, by the page hooks every actor keeps (see the project's
// README). On failure it saves a screenshot and the page's HTML under
// testoutput/ at the repository root.
func TestBrowserFlow(t *testing.T) {
	t.Parallel() // mostly waiting on processes; the three system tests overlap
	chromium := findChromium(t)
	// The resource API asks the authorization server about every token
	// (RFC 7662) instead of checking JWTs on its own, so that revoking the
	// grant on the Connected apps page cuts the client off at once. With the
	// default (jwt), an access token already issued stays valid until it
	// expires: the README's walkthrough explains the difference, and
	// TestComposeWiring runs the default.
	sys := startSystem(t, map[string][]string{
		"resourceapi": {"RESOURCEAPI_TOKEN_VALIDATION=introspection"},
	})

	alloc, cancel := newChromium(t, chromium)
	defer cancel()

	out := outputDir(t)
	alice := newTab(t, alloc, out, "alice")
	defer alice.close()

	t.Run("alice approves", func(t *testing.T) {
		b := alice.with(t)
		chosen := []string{"tracks:read", "playlists:read", "playlists:write"}
		// Once the authorization server is an OpenID Provider, alice signs
		// in with OpenID Connect too (until then the scopes would be refused).
		oidc := hasOpenIDProvider(t, sys.AuthServer)
		if oidc {
			chosen = append(chosen, "openid", "profile", "email", "offline_access")
		}

		b.step("open the client", chromedp.Navigate(sys.Client+"/"), chromedp.WaitVisible(chromedp.ID("connect")))
		b.chooseScopes(chosen)

		// RFC 6749 §4.1.1: the client sends the browser to the authorization
		// endpoint; the authorization server asks who is there.
		b.navStep("connect", chromedp.Click(chromedp.ID("connect")))
		b.step("see the sign-in page", chromedp.WaitVisible(chromedp.CSS(`input[name="username"]`)))
		b.wantAt("sign-in page", sys.AuthServer)

		b.step("type alice's credentials",
			chromedp.SendKeys(chromedp.CSS(`input[name="username"]`), contract.Alice.Username),
			chromedp.SendKeys(chromedp.CSS(`input[name="password"]`), contract.Alice.Password))
		b.navStep("sign in as alice", chromedp.Click(chromedp.ID("login")))
		b.step("see the consent page", chromedp.WaitVisible(chromedp.ID("approve")))

		// RFC 6749 §4.1.2: approving sends the browser back to the client's
		// redirect URI with a code, which the client redeems (§4.1.3).
		b.navStep("approve", chromedp.Click(chromedp.ID("approve")))
		b.wantAt("after approval", sys.Client)
		b.noError("after approval")
		if oidc {
			// OIDC Core §3.1.3.7, §5.3: the client verified the ID token and
			// read UserInfo; every page names who signed in.
			b.step("see who signed in", chromedp.WaitVisible(chromedp.ID("signed-in-as")))
			if who := b.eval("read who signed in", `document.getElementById('signed-in-as').textContent`); !strings.Contains(who, "Signed in as Alice") {
				b.fatalf("see who signed in", "the page says %q, want Signed in as Alice", who)
			}
		}

		b.step("see alice's tracks", chromedp.Navigate(sys.Client+"/tracks"), chromedp.WaitVisible(chromedp.CSS(".track")))
		if n := b.count(".track"); n == 0 {
			b.fatalf("tracks", "no .track on /tracks")
		}

		// All three actors share the host localhost, and browsers ignore the
		// port when they send cookies: each actor's cookies need a name of
		// their own, and none may be readable by scripts.
		for _, c := range b.cookies(sys.Client, sys.AuthServer, sys.ResourceAPI) {
			if !strings.HasPrefix(c.Name, "as_") && !strings.HasPrefix(c.Name, "client_") {
				b.fatalf("cookies", "cookie %q has no actor prefix (as_ or client_)", c.Name)
			}
			if !c.HTTPOnly {
				b.fatalf("cookies", "cookie %q is readable by scripts (no HttpOnly)", c.Name)
			}
		}

		b.step("see alice's playlists", chromedp.Navigate(sys.Client+"/playlists"), chromedp.WaitVisible(chromedp.ID("create-playlist")))
		before := b.count(".playlist")
		if before == 0 {
			b.fatalf("see alice's playlists", "no .playlist on /playlists: alice's demo playlists are missing")
		}

		name := fmt.Sprintf("Road trip %d", time.Now().UnixNano()%100000)
		b.step("type a playlist name", chromedp.SendKeys(chromedp.CSS(`#create-playlist input[name="name"]`), name))
		b.navStep("create a playlist", chromedp.Click(chromedp.CSS(`#create-playlist button, #create-playlist input[type="submit"]`)))
		b.noError("after creating a playlist")
		if b.navigatedAway(sys.Client + "/playlists") {
			b.step("back to the playlists", chromedp.Navigate(sys.Client+"/playlists"), chromedp.WaitVisible(chromedp.ID("create-playlist")))
		}
		id := b.eval("find the new playlist", fmt.Sprintf(
			`[...document.querySelectorAll('.playlist')].filter(e => e.textContent.includes(%s)).map(e => e.dataset.playlistId).join(',')`,
			strconv.Quote(name)))
		if id == "" || strings.Contains(id, ",") {
			b.fatalf("create a playlist", "want exactly one .playlist named %q with a data-playlist-id, got ids %q", name, id)
		}
		if got := b.count(".playlist"); got != before+1 {
			b.fatalf("create a playlist", "%d playlists after creating one, want %d", got, before+1)
		}

		row := fmt.Sprintf(`.playlist[data-playlist-id=%q]`, id)
		b.navStep("delete the playlist", chromedp.Click(chromedp.CSS(row+" .delete")))
		b.noError("after deleting a playlist")
		b.step("back to the playlists", chromedp.Navigate(sys.Client+"/playlists"), chromedp.WaitVisible(chromedp.ID("create-playlist")))
		if b.count(row) != 0 {
			b.fatalf("delete the playlist", "playlist %s is still listed", id)
		}

		// The inspector shows every step the client took, in order.
		b.step("open the inspector", chromedp.Navigate(sys.Client+"/inspector"), chromedp.WaitVisible(chromedp.CSS(".step")))
		steps := b.dataSteps()
		for _, want := range []string{"authorization-request", "authorization-response", "token-request", "token-response", "access-token", "api-call"} {
			if !slices.Contains(steps, want) {
				b.fatalf("inspector", "no %q step; the inspector shows %v", want, steps)
			}
		}
		if i, j := slices.Index(steps, "authorization-request"), slices.Index(steps, "token-response"); i > j {
			b.fatalf("inspector", "the token response comes before the authorization request: %v", steps)
		}

		// The user takes the grant back at the authorization server: its
		// refresh token and the access tokens issued under it stop working
		// (RFC 7009 §2.1 lets revocation reach every token of a grant).
		grant := fmt.Sprintf(`[data-client-id=%q]`, contract.WebClient.ID)
		b.step("open connected apps", chromedp.Navigate(sys.AuthServer+"/account"), chromedp.WaitVisible(chromedp.CSS(grant)))
		b.navStep("revoke the grant", chromedp.Click(chromedp.CSS(grant+" .revoke")))
		b.step("connected apps again", chromedp.Navigate(sys.AuthServer+"/account"), chromedp.WaitVisible(chromedp.ID("logout")))
		if b.count(grant) != 0 {
			b.fatalf("revoke the grant", "demo-client is still listed under connected apps")
		}

		// The client has lost access: it shows no tracks any more but an
		// error or the way to connect again. The resource API caches each
		// introspection answer for a few seconds (RFC 7662 §4 allows it, at
		// the price of a revocation taking that long to bite), so reload
		// until it does.
		deadline := time.Now().Add(stepTimeout)
		for {
			b.step("tracks after revocation", chromedp.Navigate(sys.Client+"/tracks"), chromedp.WaitReady(chromedp.CSS("body")))
			if b.count(".track") == 0 {
				break
			}
			if time.Now().After(deadline) {
				b.fatalf("tracks after revocation", "the client still shows %d tracks %s after the grant was revoked", b.count(".track"), stepTimeout)
			}
			time.Sleep(500 * time.Millisecond)
		}
		if b.count("#error")+b.count("#connect") == 0 {
			b.fatalf("tracks after revocation", "want an #error message or a #connect button")
		}
	})

	t.Run("bob denies, then disconnects", func(t *testing.T) {
		// A fresh browser context: no cookie of alice's session is left.
		bob := newTab(t, alice.ctx, out, "bob", chromedp.WithNewBrowserContext())
		defer bob.close()
		b := bob.with(t)

		b.step("open the client", chromedp.Navigate(sys.Client+"/"), chromedp.WaitVisible(chromedp.ID("connect")))
		b.chooseScopes([]string{"tracks:read"})
		b.navStep("connect", chromedp.Click(chromedp.ID("connect")))
		b.step("sign in as bob",
			chromedp.WaitVisible(chromedp.CSS(`input[name="username"]`)),
			chromedp.SendKeys(chromedp.CSS(`input[name="username"]`), contract.Bob.Username),
			chromedp.SendKeys(chromedp.CSS(`input[name="password"]`), contract.Bob.Password))
		b.navStep("submit bob's credentials", chromedp.Click(chromedp.ID("login")))
		b.step("see the consent page", chromedp.WaitVisible(chromedp.ID("deny")))

		// RFC 6749 §4.1.2.1: denying sends the browser back to the client
		// with error=access_denied, which the client shows.
		b.navStep("deny", chromedp.Click(chromedp.ID("deny")))
		b.wantAt("after denial", sys.Client)
		b.step("see the error", chromedp.WaitVisible(chromedp.ID("error")))
		if body := b.eval("read the page", `document.body.textContent`); !strings.Contains(body, "access_denied") {
			b.fatalf("see the error", "the error page does not name access_denied")
		}
		b.step("open the inspector", chromedp.Navigate(sys.Client+"/inspector"), chromedp.WaitVisible(chromedp.CSS(".step")))
		if steps := b.dataSteps(); !slices.Contains(steps, "error") || slices.Contains(steps, "token-request") {
			b.fatalf("inspector", "after a denial want an error step and no token request, got %v", steps)
		}

		// Bob changes his mind, then disconnects from the client's side:
		// the client revokes its tokens at the authorization server (RFC
		// 7009 §2.1) and forgets them.
		b.step("open the client again", chromedp.Navigate(sys.Client+"/"), chromedp.WaitVisible(chromedp.ID("connect")))
		b.chooseScopes([]string{"tracks:read"})
		b.navStep("connect again", chromedp.Click(chromedp.ID("connect")))
		b.step("see the consent page again", chromedp.WaitVisible(chromedp.ID("approve")))
		b.navStep("approve", chromedp.Click(chromedp.ID("approve")))
		b.wantAt("after approval", sys.Client)
		b.noError("after approval")
		b.step("see bob's tracks", chromedp.Navigate(sys.Client+"/tracks"), chromedp.WaitVisible(chromedp.CSS(".track")))
		b.navStep("disconnect", chromedp.Click(chromedp.ID("disconnect")))
		if b.count("#disconnect") != 0 {
			b.fatalf("disconnect", "the client still offers #disconnect after disconnecting")
		}
		b.step("open the inspector", chromedp.Navigate(sys.Client+"/inspector"), chromedp.WaitVisible(chromedp.CSS(".step")))
		if steps := b.dataSteps(); !slices.Contains(steps, "revocation") {
			b.fatalf("inspector", "no revocation step after disconnecting: %v", steps)
		}
	})
}

// TestBrowserOpenIDConnectSignOut signs alice in with OpenID Connect, then
// ends her session both ways the protocol offers: from the app (RP-Initiated
// Logout: "Sign out everywhere", confirmed at the provider) and from the
// provider's own account page (Back-Channel Logout). After each, no page of
// the app says she is signed in, and the next connect asks for her password.
func TestBrowserOpenIDConnectSignOut(t *testing.T) {
	t.Parallel()
	sys := startSystem(t, nil)
	if !hasOpenIDProvider(t, sys.AuthServer) {
		t.Fatal("the authorization server publishes no OpenID Connect discovery document")
	}
	alloc, cancel := newChromium(t, findChromium(t))
	defer cancel()
	tab := newTab(t, alloc, outputDir(t), "oidc-signout")
	defer tab.close()
	b := tab.with(t)

	signIn := func(when string) {
		b.step(when+": open the client", chromedp.Navigate(sys.Client+"/"), chromedp.WaitVisible(chromedp.ID("connect")))
		b.chooseScopes([]string{"tracks:read", "openid", "profile", "email", "offline_access"})
		b.navStep(when+": connect", chromedp.Click(chromedp.ID("connect")))
		// The provider's session is gone each time: it must ask again.
		b.step(when+": see the sign-in page", chromedp.WaitVisible(chromedp.CSS(`input[name="username"]`)))
		b.step(when+": type alice's credentials",
			chromedp.SendKeys(chromedp.CSS(`input[name="username"]`), contract.Alice.Username),
			chromedp.SendKeys(chromedp.CSS(`input[name="password"]`), contract.Alice.Password))
		b.navStep(when+": sign in", chromedp.Click(chromedp.ID("login")))
		if b.count("#approve") > 0 {
			b.navStep(when+": approve", chromedp.Click(chromedp.ID("approve")))
		}
		b.wantAt(when+": back at the app", sys.Client)
		b.noError(when + ": back at the app")
		// OIDC Core §3.1.3.7, §5.3: the ID token was verified and UserInfo read.
		b.step(when+": see who signed in", chromedp.Navigate(sys.Client+"/"), chromedp.WaitVisible(chromedp.ID("signed-in-as")))
		if who := b.eval(when+": read who signed in", `document.getElementById('signed-in-as').textContent`); !strings.Contains(who, "Signed in as Alice") {
			b.fatalf(when+": see who signed in", "the page says %q, want Signed in as Alice", who)
		}
	}
	signedOut := func(when string) bool {
		b.step(when+": open the client", chromedp.Navigate(sys.Client+"/"), chromedp.WaitVisible(chromedp.ID("connect")))
		return b.count("#signed-in-as") == 0
	}

	signIn("first sign-in")

	// covers: OIDC RP-Initiated Logout §2, OIDC RP-Initiated Logout §3
	b.navStep("open sign out", chromedp.Click(chromedp.ID("signout")))
	b.step("see the sign-out choices", chromedp.WaitVisible(chromedp.ID("signout-everywhere")))
	b.navStep("sign out everywhere", chromedp.Click(chromedp.ID("signout-everywhere")))
	// The provider asks for a confirmation only when the request is not
	// clearly from the session (no or a stale id_token_hint); this one is.
	if strings.HasPrefix(b.location(), sys.AuthServer) {
		b.step("confirm at the provider", chromedp.WaitVisible(chromedp.ID("confirm-logout")))
		b.navStep("confirm", chromedp.Click(chromedp.ID("confirm-logout")))
	}
	b.wantAt("back from the provider", sys.Client)
	b.step("see the signed-out page", chromedp.WaitVisible(chromedp.ID("signed-out")))
	if h := b.eval("read the signed-out page", `document.getElementById('signed-out').textContent`); !strings.Contains(h, "Signed out everywhere") {
		b.fatalf("read the signed-out page", "the page says %q, want Signed out everywhere", h)
	}
	if !signedOut("after RP-initiated logout") {
		b.fatalf("after RP-initiated logout", "the app still says %q", b.eval("read who", `document.getElementById('signed-in-as').textContent`))
	}

	signIn("second sign-in")

	// covers: OIDC Back-Channel Logout §2.6
	b.step("open the provider's account page", chromedp.Navigate(sys.AuthServer+"/account"), chromedp.WaitVisible(chromedp.ID("logout")))
	b.navStep("sign out at the provider", chromedp.Click(chromedp.ID("logout")))
	deadline := time.Now().Add(stepTimeout)
	for !signedOut("after back-channel logout") {
		if time.Now().After(deadline) {
			b.fatalf("after back-channel logout", "the app still says %q %s after the provider's sign-out", b.eval("read who", `document.getElementById('signed-in-as').textContent`), stepTimeout)
		}
		time.Sleep(200 * time.Millisecond)
	}
	b.step("open the inspector", chromedp.Navigate(sys.Client+"/inspector"), chromedp.WaitVisible(chromedp.CSS(".step")))
	if steps := b.dataSteps(); !slices.Contains(steps, "backchannel-logout") {
		b.fatalf("inspector", "no backchannel-logout step after the provider's sign-out: %v", steps)
	}
}

// newChromium starts a headless chromium allocator with a fresh profile;
// every browser test in this package uses it.
func newChromium(t *testing.T, chromium string) (context.Context, context.CancelFunc) {
	t.Helper()
	return chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(chromium),
		// What a sandboxed CI machine needs: no sandbox (we run as root in a
		// container), no GPU, and no connection to anything but our servers.
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-default-apps", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("password-store", "basic"),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 1000),
	)
}

// findChromium returns the path of Debian's chromium (see findTool).
func findChromium(t *testing.T) string {
	t.Helper()
	return findTool(t, "the browser test", "/usr/bin/chromium", "chromium", "chromium-browser")
}

// findTool returns the path of the first of names (the first being the
// Debian package's name, or its path) that is installed. Without any, the
// test fails on CI (where .ci/run installs them with
// scripts/install-deps.sh) and is skipped elsewhere.
func findTool(t *testing.T, purpose string, names ...string) string {
	t.Helper()
	for _, name := range names {
		if path, err := exec.LookPath(name); err == nil {
			return path
		}
	}
	pkg := filepath.Base(names[0])
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s is not installed; .ci/run installs it with scripts/install-deps.sh", pkg)
	}
	t.Skipf("%s is not installed: run `make deps` to install Debian's %s for %s", pkg, pkg, purpose)
	return ""
}

// outputDir is where a failing step leaves its screenshot and page HTML:
// testoutput/<test name>/ at the repository root (git-ignored), emptied at
// the start of each run.
func outputDir(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(actortest.Root(t), "testoutput", regexp.MustCompile(`[^A-Za-z0-9_-]+`).ReplaceAllString(t.Name(), "_"))
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	return dir
}

// tab is one browser tab. Its context has run once, so per-step timeouts
// derived from it end a step, not the browser.
type tab struct {
	ctx    context.Context
	cancel context.CancelFunc
	out    string
	name   string
}

func newTab(t *testing.T, parent context.Context, out, name string, opts ...chromedp.ContextOption) *tab {
	t.Helper()
	ctx, cancel := chromedp.NewContext(parent, opts...)
	if err := chromedp.Do(ctx); err != nil {
		cancel()
		t.Fatalf("start chromium: %v", err)
	}
	return &tab{ctx: ctx, cancel: cancel, out: out, name: name}
}

func (tb *tab) close() { tb.cancel() }

func (tb *tab) with(t *testing.T) *driver { return &driver{t: t, tab: tb} }

// driver runs the named steps of one subtest in a tab.
type driver struct {
	t   *testing.T
	tab *tab
	n   int
}

const stepTimeout = 20 * time.Second

// step runs actions that do not leave the page (or that wait for what they
// need), and stops the test with a screenshot if any fails.
func (d *driver) step(name string, actions ...chromedp.Action[chromedp.Void]) {
	d.t.Helper()
	ctx, cancel := context.WithTimeout(d.tab.ctx, stepTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		d.fatalf(name, "%v", err)
	}
}

// navStep runs actions that load a new page (a click on a form's button,
// which may go through redirects), and waits until that page has loaded.
func (d *driver) navStep(name string, actions ...chromedp.Action[chromedp.Void]) {
	d.t.Helper()
	ctx, cancel := context.WithTimeout(d.tab.ctx, stepTimeout)
	defer cancel()
	resp, err := chromedp.RunResponse(ctx, actions...)
	if err != nil {
		d.fatalf(name, "%v", err)
	}
	if resp.Status >= 500 {
		d.fatalf(name, "%s answered %d", resp.URL, resp.Status)
	}
}

// eval runs a JavaScript expression that gives a string.
func (d *driver) eval(name, expr string) string {
	d.t.Helper()
	ctx, cancel := context.WithTimeout(d.tab.ctx, stepTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[string](expr))
	if err != nil {
		d.fatalf(name, "%v", err)
	}
	return v
}

// count returns how many elements match a CSS selector, zero included
// (query actions would wait for at least one).
func (d *driver) count(selector string) int {
	d.t.Helper()
	n, err := strconv.Atoi(d.eval("count "+selector, fmt.Sprintf(`String(document.querySelectorAll(%s).length)`, strconv.Quote(selector))))
	if err != nil {
		d.fatalf("count "+selector, "%v", err)
	}
	return n
}

func (d *driver) location() string {
	d.t.Helper()
	return d.eval("read the location", `location.href`)
}

// wantAt fails unless the page is on the given origin.
func (d *driver) wantAt(name, origin string) {
	d.t.Helper()
	if loc := d.location(); !strings.HasPrefix(loc, origin+"/") && loc != origin {
		d.fatalf(name, "the browser is at %s, want %s", loc, origin)
	}
}

// navigatedAway reports whether the page is no longer at url (a form that
// redirected elsewhere after its work).
func (d *driver) navigatedAway(url string) bool {
	d.t.Helper()
	loc, _, _ := strings.Cut(d.location(), "?")
	return loc != url
}

// noError fails if the page shows an error message (#error).
func (d *driver) noError(name string) {
	d.t.Helper()
	if d.count("#error") > 0 {
		d.fatalf(name, "the page shows an error: %s", strings.TrimSpace(d.eval(name, `document.getElementById('error').textContent`)))
	}
}

// cookies returns the browser's cookies for the given URLs.
func (d *driver) cookies(urls ...string) []*network.Cookie {
	d.t.Helper()
	ctx, cancel := context.WithTimeout(d.tab.ctx, stepTimeout)
	defer cancel()
	res, err := chromedp.Run(ctx, func(ctx context.Context, t *chromedp.Target) (network.GetCookiesResult, error) {
		return cdp.Call(ctx, t, network.GetCookies, network.GetCookiesParams{URLs: urls})
	})
	if err != nil {
		d.fatalf("read the cookies", "%v", err)
	}
	if len(res.Cookies) == 0 {
		d.fatalf("read the cookies", "no cookie at all: the sessions cannot work")
	}
	return res.Cookies
}

// chooseScopes ticks exactly the given scope checkboxes, by clicking them
// as a person would.
func (d *driver) chooseScopes(scopes []string) {
	d.t.Helper()
	offered := strings.Fields(d.eval("list the scopes", `[...document.querySelectorAll('input[name="scope"]')].map(e => e.value).join(' ')`))
	for _, s := range scopes {
		if !slices.Contains(offered, s) {
			d.fatalf("choose scopes", "the client offers no checkbox for %s (it offers %v)", s, offered)
		}
	}
	for _, s := range offered {
		sel := fmt.Sprintf(`input[name="scope"][value=%q]`, s)
		checked := d.eval("read "+s, fmt.Sprintf(`String(document.querySelector(%s).checked)`, strconv.Quote(sel))) == "true"
		if checked != slices.Contains(scopes, s) {
			d.step("click "+s, chromedp.Click(chromedp.CSS(sel)))
		}
	}
}

// hasOpenIDProvider reports whether the authorization server at asURL
// publishes an OpenID Connect discovery document.
func hasOpenIDProvider(t *testing.T, asURL string) bool {
	t.Helper()
	resp, err := http.Get(asURL + "/.well-known/openid-configuration")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

// dataSteps lists the data-step of every .step of the inspector, in order.
func (d *driver) dataSteps() []string {
	d.t.Helper()
	return strings.Fields(d.eval("read the steps", `[...document.querySelectorAll('.step')].map(e => e.dataset.step).join(' ')`))
}

// fatalf saves a screenshot and the page's HTML, then stops the test.
func (d *driver) fatalf(step, format string, args ...any) {
	d.t.Helper()
	msg := fmt.Sprintf(format, args...)
	d.n++
	base := filepath.Join(d.tab.out, fmt.Sprintf("%s-%02d-%s", d.tab.name, d.n, regexp.MustCompile(`[^a-z0-9]+`).ReplaceAllString(strings.ToLower(step), "-")))
	if saved, err := d.saveArtifacts(base); err != nil {
		msg += fmt.Sprintf(" (could not save the page: %v)", err)
	} else {
		msg += "\n    page saved: " + strings.Join(saved, ", ")
	}
	d.t.Fatalf("step %q: %s", step, msg)
}

func (d *driver) saveArtifacts(base string) ([]string, error) {
	// A fresh timeout: the step's own may be what failed.
	ctx, cancel := context.WithTimeout(d.tab.ctx, 10*time.Second)
	defer cancel()
	if err := os.MkdirAll(filepath.Dir(base), 0o755); err != nil {
		return nil, err
	}
	var saved []string
	var errs []error
	if loc, err := chromedp.Run(ctx, chromedp.Evaluate[string](`location.href`)); err == nil {
		saved = append(saved, "at "+loc)
	}
	if png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)); err != nil {
		errs = append(errs, err)
	} else if err := os.WriteFile(base+".png", png, 0o644); err != nil {
		errs = append(errs, err)
	} else {
		saved = append(saved, base+".png")
	}
	if html, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.documentElement.outerHTML`)); err != nil {
		errs = append(errs, err)
	} else if err := os.WriteFile(base+".html", []byte(html), 0o644); err != nil {
		errs = append(errs, err)
	} else {
		saved = append(saved, base+".html")
	}
	return saved, errors.Join(errs...)
}
