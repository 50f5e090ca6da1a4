package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// TestBrowserLabClickjacking runs the clickjacking scenario from the lab
// page in a real browser: the page frames the authorization server's
// sign-in page, and chromium refuses to show it (X-Frame-Options DENY,
// frame-ancestors 'none'), while the lab reports the attack refused.
func TestBrowserLabClickjacking(t *testing.T) {
	t.Parallel()
	sys := startSystem(t, nil)
	alloc, cancel := newChromium(t, findChromium(t))
	defer cancel()
	tab := newTab(t, alloc, outputDir(t), "lab")
	defer tab.close()
	b := tab.with(t)

	b.step("open the lab", chromedp.Navigate(sys.Client+"/lab"), chromedp.WaitVisible(chromedp.ID("run-clickjacking")))
	b.navStep("run the clickjacking attack", chromedp.Click(chromedp.ID("run-clickjacking")))
	b.step("see the result", chromedp.WaitVisible(chromedp.ID("defended")), chromedp.WaitReady(chromedp.ID("clickjack-frame")))
	if got := b.eval("read the outcome", `document.getElementById('defended').dataset.outcome`); got != "refused" {
		b.fatalf("read the outcome", "the lab says %q, want refused", got)
	}

	// covers: RFC 6749 §10.13
	framed := sys.AuthServer + "/login"
	var child *cdppage.FrameTree
	for range 50 { // the frame's load is asynchronous: look until it settled
		res, err := chromedp.Call(tab.ctx, cdppage.GetFrameTree, cdp.Empty{})
		if err != nil {
			b.fatalf("read the frames", "%v", err)
		}
		if len(res.FrameTree.ChildFrames) > 0 {
			child = res.FrameTree.ChildFrames[0]
			if f := child.Frame; f.UnreachableURL != "" || strings.HasPrefix(f.URL, "chrome-error:") || f.URL == framed {
				break
			}
		}
		b.step("wait for the frame", chromedp.Sleep(100*time.Millisecond))
	}
	if child == nil {
		b.fatalf("read the frames", "the lab page has no frame")
	}
	if f := child.Frame; f.URL == framed || (f.UnreachableURL == "" && !strings.HasPrefix(f.URL, "chrome-error:")) {
		b.fatalf("read the frames", "the framed page loaded (url %q, unreachable %q): the browser did not refuse it", f.URL, f.UnreachableURL)
	}
}

// TestBrowserLabCodeReplay runs the code replay scenario from the lab page,
// as a learner clicks it: the page reports the attack refused, names the
// rule and links the file and line of our code that enforces it, and lists
// every request the attacker made.
func TestBrowserLabCodeReplay(t *testing.T) {
	t.Parallel()
	sys := startSystem(t, nil)
	alloc, cancel := newChromium(t, findChromium(t))
	defer cancel()
	tab := newTab(t, alloc, outputDir(t), "lab-replay")
	defer tab.close()
	b := tab.with(t)

	b.step("open the lab", chromedp.Navigate(sys.Client+"/lab"), chromedp.WaitVisible(chromedp.ID("run-code-replay")))
	b.navStep("run the code replay attack", chromedp.Click(chromedp.ID("run-code-replay")))
	b.step("see the result", chromedp.WaitVisible(chromedp.ID("defended")))
	// covers: RFC 6749 §4.1.2
	if got := b.eval("read the outcome", `document.getElementById('defended').dataset.outcome`); got != "refused" {
		b.fatalf("read the outcome", "the lab says %q, want refused", got)
	}
	rule := b.eval("read the rule", `document.querySelector('#result .rule').textContent`)
	if !strings.Contains(rule, "RFC 6749 §4.1.2") {
		b.fatalf("read the rule", "the rule line says %q, want RFC 6749 §4.1.2", rule)
	}
	code := b.eval("read the enforcing line", `document.querySelector('#result .rule a code').textContent`)
	if !strings.HasPrefix(code, "authserver/internal/oauth/grant_authorization_code.go:") {
		b.fatalf("read the enforcing line", "the rule links %q, want authserver/internal/oauth/grant_authorization_code.go:<line>", code)
	}
	if n := b.count(".lab-request"); n < 4 {
		b.fatalf("read the requests", "%d requests shown, want the sign-in, both redemptions and the introspections", n)
	}

	// The link lands on that line, with its code, on the rules page.
	b.navStep("follow the link to the rule", chromedp.Click(chromedp.CSS(`#result .rule a`)))
	b.step("see the rule's code", chromedp.WaitVisible(chromedp.CSS(`tr[id="`+code+`"] .rule-code .tagged`)))
	if tagged := b.eval("read the tagged line", `document.querySelector('tr[id="`+code+`"] .rule-code .tagged').textContent`); !strings.Contains(tagged, "RFC 6749 §4.1.2:") {
		b.fatalf("read the tagged line", "the marked line is %q, want the tag", tagged)
	}

	// A scenario with variants shows a row for each, with its own outcome.
	// covers: OIDC Core §3.1.3.7
	b.step("open the lab again", chromedp.Navigate(sys.Client+"/lab"), chromedp.WaitVisible(chromedp.ID("run-id-token-substitution")))
	b.navStep("run the ID token substitution", chromedp.Click(chromedp.ID("run-id-token-substitution")))
	b.step("see the variants", chromedp.WaitVisible(chromedp.ID("variant-wrong-nonce")))
	for _, id := range []string{"another-client", "wrong-nonce"} {
		row := `document.getElementById('variant-` + id + `')`
		if got := b.eval("read "+id, row+`.dataset.outcome`); got != "refused" {
			b.fatalf("read "+id, "the %s row says %q, want refused", id, got)
		}
		if text := b.eval("read "+id+"'s rule", row+`.textContent`); !strings.Contains(text, "OIDC Core §3.1.3.7") || !strings.Contains(text, "client/internal/identity/identity.go:") {
			b.fatalf("read "+id+"'s rule", "the %s row does not name the rule and its line: %q", id, text)
		}
	}
}
