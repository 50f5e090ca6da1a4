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
	if _, err := r.loopbackHost(); err != nil {
		return Outcome{}, nil, err
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

// loopbackHost returns the authorization server's host name when it runs
// on this machine (the scenarios that need a second address or a sibling
// origin can only stage those here).
func (r *run) loopbackHost() (string, error) {
	host, _, err := net.SplitHostPort(mustHost(r.env.AuthServer))
	if err != nil {
		return "", err
	}
	ip := net.ParseIP(host)
	if host == "localhost" {
		ip = net.IPv4(127, 0, 0, 1)
	}
	if ip == nil || !ip.IsLoopback() {
		return "", fmt.Errorf("this scenario needs the authorization server on loopback (here %s)", host)
	}
	return host, nil
}

// runCookieTossing plants the attacker's own CSRF cookie in Alice's
// browser from a sibling origin (same host, another port: browsers ignore
// the port when they send cookies), then posts Allow on the consent page
// for the attacker's app with the attacker's matching token. A plain
// double-submit check compares the cookie with the form and is fooled; a
// token bound to Alice's session is not.
func runCookieTossing(ctx context.Context, r *run) (Outcome, *Outcome, error) {
	host, err := r.loopbackHost()
	if err != nil {
		return Outcome{}, nil, err
	}
	app, err := r.labClient(ctx, attackerClient)
	if err != nil {
		return Outcome{}, nil, err
	}
	// The attacker's own visit: a cookie and the form token that goes with it.
	attacker := r.browser("attacker (own visit)")
	own, err := attacker.get(ctx, r.env.AuthServer+"/login")
	if err != nil {
		return Outcome{}, nil, err
	}
	ownForm, ok := formAfter(own.body, `action="/login"`)
	if !ok {
		return Outcome{}, nil, fmt.Errorf("no sign-in form (status %d)", own.status)
	}
	asURL, _ := url.Parse(r.env.AuthServer)
	tossed := attacker.http.Jar.Cookies(asURL)

	// The sibling origin that sets those cookies in whoever visits it.
	ln, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
	if err != nil {
		return Outcome{}, nil, err
	}
	srv := &http.Server{ReadHeaderTimeout: time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		for _, c := range tossed {
			http.SetCookie(w, &http.Cookie{Name: c.Name, Value: c.Value, Path: "/"})
		}
		_, _ = w.Write([]byte("cookies planted"))
	})}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	sibling := "http://" + net.JoinHostPort(host, port)

	// Alice, signed in, on the consent page for the attacker's app (the
	// attacker sent her the authorization link).
	alice := r.browser("Alice's browser")
	p, err := alice.follow(ctx, r.env.AuthServer+"/authorize?"+authorizeQuery(app, "tracks:read", rand.Text(), newPKCE()).Encode())
	if err != nil {
		return Outcome{}, nil, err
	}
	login, ok := formAfter(p.body, `action="/login"`)
	if !ok {
		return Outcome{}, nil, fmt.Errorf("no sign-in form (status %d)", p.status)
	}
	login.Set("username", contract.Alice.Username)
	login.Set("password", contract.Alice.Password)
	if p, err = alice.postForm(ctx, r.env.AuthServer+"/login", login, nil); err != nil {
		return Outcome{}, nil, err
	}
	if loc := p.location(); loc != nil {
		if p, err = alice.follow(ctx, loc.String()); err != nil {
			return Outcome{}, nil, err
		}
	}
	consent, ok := formAfter(p.body, `action="/consent"`)
	if !ok {
		return Outcome{}, nil, fmt.Errorf("no consent page for the attacker's app (status %d): did Alice allow it already? Revoke it on the authorization server's account page", p.status)
	}
	// Alice visits the attacker's sibling page; then that page posts the
	// consent form in her browser with the attacker's token.
	if _, err := alice.get(ctx, sibling+"/"); err != nil {
		return Outcome{}, nil, err
	}
	consent.Set("csrf_token", ownForm.Get("csrf_token"))
	consent.Set("decision", "approve")
	res, err := alice.postForm(ctx, r.env.AuthServer+"/consent", consent, nil)
	if err != nil {
		return Outcome{}, nil, err
	}
	naiveOut := naive(true, "A double-submit check only compares the form's token with the cookie, and the attacker planted both: it would have let the post through.")
	if loc := res.location(); loc != nil && loc.Query().Get("code") != "" {
		return r.succeeded(res.status, "The consent was posted in Alice's name: a code for the attacker's app went to "+loc.Host+"."), naiveOut, nil
	}
	return r.refused(res.status, "", "The planted cookie came with the attacker's token, but the server's token is bound to Alice's own session, which the attacker cannot compute: the post was refused and nothing was granted."), naiveOut, nil
}
