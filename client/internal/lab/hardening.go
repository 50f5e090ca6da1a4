package lab

import (
	"context"
	"crypto/rand"
	"fmt"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"time"

	"github.com/oauthlab/oauthlab/shared/contract"
)

// attackerRedirect is where the attacker's own client sends its users.
const attackerRedirect = "https://attacker.example/callback"

// runOpenRedirector registers a client of the attacker's with the
// attacker's redirect URI, then sends a signed-out victim an authorization
// request that fails: an open redirector would bounce the victim to the
// attacker's site through the trusted authorization server's address.
func runOpenRedirector(ctx context.Context, r *run) (Outcome, *Outcome, error) {
	reg, err := r.labClient(ctx, attackerClient)
	if err != nil {
		return Outcome{}, nil, err
	}
	victim := r.browser("victim's browser (signed out)")
	q := url.Values{
		"response_type": {"code"}, "client_id": {reg.ID}, "redirect_uri": {attackerRedirect},
		"scope": {"no-such-scope"}, "state": {rand.Text()},
	}
	p, err := victim.get(ctx, r.env.AuthServer+"/authorize?"+q.Encode())
	if err != nil {
		return Outcome{}, nil, err
	}
	naiveOut := naive(true, "A server that sends every error of a known client to its redirect URI would have bounced the victim to "+attackerRedirect+"?error=invalid_scope, from a link on the authorization server.")
	if loc := p.location(); loc != nil && loc.Host != mustHost(r.env.AuthServer) {
		return r.succeeded(p.status, "The authorization server redirected a signed-out visitor to "+loc.Scheme+"://"+loc.Host+"."), naiveOut, nil
	}
	return r.refused(p.status, "", "The client registered itself (anyone can), so its errors go to its redirect URI only after the user has signed in: the signed-out victim saw an error page naming the host instead of a redirect."), naiveOut, nil
}

func mustHost(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	return u.Host
}

// runPasswordGuessing guesses bob's password from one address until the
// authorization server slows that address down, then signs in as the real
// bob from another address: guessing is throttled, the user is not locked
// out.
func runPasswordGuessing(ctx context.Context, r *run) (Outcome, *Outcome, error) {
	host, _, err := net.SplitHostPort(mustHost(r.env.AuthServer))
	if err != nil {
		return Outcome{}, nil, err
	}
	ip := net.ParseIP(host)
	if host == "localhost" {
		ip = net.IPv4(127, 0, 0, 1)
	}
	if ip == nil || !ip.IsLoopback() {
		return Outcome{}, nil, fmt.Errorf("this scenario acts from two loopback addresses, so it needs the authorization server on loopback (here %s)", host)
	}
	// 127.0.0.0/8 is all this machine's: the attacker and the real user get
	// addresses of their own, and the learner's browser (127.0.0.1) is
	// never slowed down by a run.
	attacker := r.browserFrom("attacker (from 127.0.0.66)", "127.0.0.66")
	realBob := r.browserFrom("the real bob (from 127.0.0.67)", "127.0.0.67")

	last := response{}
	tries := 0
	for tries < 10 {
		tries++
		page, err := attacker.get(ctx, r.env.AuthServer+"/login")
		if err != nil {
			return Outcome{}, nil, err
		}
		form, ok := formAfter(page.body, `action="/login"`)
		if !ok {
			return Outcome{}, nil, fmt.Errorf("no sign-in form (status %d)", page.status)
		}
		form.Set("username", contract.Bob.Username)
		form.Set("password", fmt.Sprintf("guess-%d", tries))
		if last, err = attacker.postForm(ctx, r.env.AuthServer+"/login", form, nil); err != nil {
			return Outcome{}, nil, err
		}
		if last.status == http.StatusTooManyRequests {
			break
		}
	}
	page, err := realBob.get(ctx, r.env.AuthServer+"/login")
	if err != nil {
		return Outcome{}, nil, err
	}
	form, _ := formAfter(page.body, `action="/login"`)
	form.Set("username", contract.Bob.Username)
	form.Set("password", contract.Bob.Password)
	signIn, err := realBob.postForm(ctx, r.env.AuthServer+"/login", form, nil)
	if err != nil {
		return Outcome{}, nil, err
	}
	switch {
	case last.status != http.StatusTooManyRequests:
		return r.succeeded(last.status, fmt.Sprintf("%d wrong passwords in a row were never slowed down.", tries)), nil, nil
	case signIn.status != http.StatusSeeOther:
		return r.succeeded(signIn.status, "The guessing was throttled, but the real bob, from another address, could not sign in: the attacker locked him out."), nil, nil
	}
	return r.refused(last.status, "", fmt.Sprintf("After %d wrong passwords the attacker's address had to wait (429, Retry-After: %s s), and the delay grows with each failure; the real bob, from another address, signed in at once.", tries, last.header.Get("Retry-After"))), nil, nil
}

// browserFrom is a browser whose connections leave from a loopback
// address of its own.
func (r *run) browserFrom(actor, ip string) *browser {
	b := r.browser(actor)
	dialer := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}, Timeout: 5 * time.Second}
	jar, _ := cookiejar.New(nil)
	b.http.Jar = jar
	b.http.Transport = recording{tape: r.tape, actor: actor, base: &http.Transport{DialContext: dialer.DialContext}}
	return b
}
