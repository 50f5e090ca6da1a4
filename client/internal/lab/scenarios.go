package lab

import (
	"context"
	"crypto/rand"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/oauthlab/oauthlab/shared/contract"
)

// runCodeReplay redeems a code, then redeems it again: the second
// redemption fails, and the tokens of the first one are revoked with it.
func runCodeReplay(ctx context.Context, r *run) (Outcome, *Outcome, error) {
	c, err := r.labClient(ctx, confidentialClient)
	if err != nil {
		return Outcome{}, nil, err
	}
	alice, attacker := r.browser("Alice's browser and the client"), r.browser("attacker")
	p := newPKCE()
	code, err := alice.signInForCode(ctx, authorizeQuery(c, "tracks:read", rand.Text(), p), contract.Alice)
	if err != nil {
		return Outcome{}, nil, err
	}
	first, err := alice.redeem(ctx, c, code, p.verifier)
	if err != nil || first.AccessToken == "" {
		return Outcome{}, nil, fmt.Errorf("first redemption failed: %v %s", err, first.Error)
	}
	before, err := alice.introspect(ctx, c, first.AccessToken)
	if err != nil {
		return Outcome{}, nil, err
	}
	// The attacker holds the code and, in the worst case, the client's
	// credentials and verifier too (a leaked log of the token request).
	second, err := attacker.redeem(ctx, c, code, p.verifier)
	if err != nil {
		return Outcome{}, nil, err
	}
	after, err := alice.introspect(ctx, c, first.AccessToken)
	if err != nil {
		return Outcome{}, nil, err
	}
	if second.AccessToken != "" {
		return r.succeeded(second.Status, "The second redemption returned tokens."), nil, nil
	}
	if !before || after {
		return r.succeeded(second.Status, fmt.Sprintf("The second redemption failed, but the first tokens were not revoked (active before: %v, after: %v).", before, after)), nil, nil
	}
	return r.refused(second.Status, second.Error,
		"The second redemption was refused, and the access token of the first one went from active to inactive at the introspection endpoint: the server cannot tell who is honest, so it revokes both."), nil, nil
}

// runCodeInterception redeems Alice's code without the verifier, and with
// a verifier of the attacker's own.
func runCodeInterception(ctx context.Context, r *run) (Outcome, *Outcome, error) {
	c, err := r.labClient(ctx, publicClient)
	if err != nil {
		return Outcome{}, nil, err
	}
	alice, attacker := r.browser("Alice's browser"), r.browser("malicious app")
	p := newPKCE()
	code, err := alice.signInForCode(ctx, authorizeQuery(c, "tracks:read", rand.Text(), p), contract.Alice)
	if err != nil {
		return Outcome{}, nil, err
	}
	none, err := attacker.redeem(ctx, c, code, "")
	if err != nil {
		return Outcome{}, nil, err
	}
	guessed, err := attacker.redeem(ctx, c, code, newPKCE().verifier)
	if err != nil {
		return Outcome{}, nil, err
	}
	if none.AccessToken != "" || guessed.AccessToken != "" {
		return r.succeeded(none.Status, "The stolen code was exchanged without the right verifier."), nil, nil
	}
	return r.refused(guessed.Status, guessed.Error,
		"The code is bound to the S256 challenge the real app sent; without the verifier only it holds, the code is worthless. Both attempts (no verifier, a made-up one) were refused."), nil, nil
}

// runRedirectURI sends authorization requests for the real client with
// redirect URIs that are almost the registered one.
func runRedirectURI(ctx context.Context, r *run) (Outcome, *Outcome, error) {
	registered := r.env.Client + "/callback"
	u, err := url.Parse(registered)
	if err != nil {
		return Outcome{}, nil, err
	}
	host, port := u.Hostname(), u.Port()
	variants := redirectVariants(registered, u.Scheme, host, port)
	attacker := r.browser("attacker's link, opened by Alice")
	var redirected []string
	status, errCode := 0, ""
	for _, v := range variants {
		q := authorizeQuery(labClient{ID: r.env.ClientID, RedirectURI: v}, "tracks:read", rand.Text(), newPKCE())
		p, err := attacker.get(ctx, r.env.AuthServer+"/authorize?"+q.Encode())
		if err != nil {
			return Outcome{}, nil, err
		}
		if p.location() != nil {
			redirected = append(redirected, v)
		}
		status = p.status
		if strings.Contains(p.body, "invalid_request") || strings.Contains(p.body, "redirect_uri") {
			errCode = "invalid_request"
		}
	}
	var naiveHits []string
	for _, v := range variants {
		if naivePrefixMatch(registered, v) {
			naiveHits = append(naiveHits, v)
		}
	}
	naiveOut := naive(len(naiveHits) > 0, fmt.Sprintf("A prefix check would have redirected %d of the %d variants: %s.", len(naiveHits), len(variants), strings.Join(naiveHits, ", ")))
	if len(redirected) > 0 {
		return r.succeeded(status, "Redirected to: "+strings.Join(redirected, ", ")), naiveOut, nil
	}
	return r.refused(status, errCode, fmt.Sprintf(
		"All %d variants were refused on an error page, never redirected: the redirect URI must equal a registered one as a string.", len(variants))), naiveOut, nil
}

// redirectVariants are URIs that a sloppy comparison confuses with the
// registered one.
func redirectVariants(registered, scheme, host, port string) []string {
	hostPort := host
	if port != "" {
		hostPort += ":" + port
	}
	return []string{
		registered + "/../../attacker",                                            // path traversal after the prefix
		registered + "x",                                                          // a longer path
		registered + "?next=https://attacker.example",                             // an added query
		registered + "/",                                                          // a trailing slash
		scheme + "://" + hostPort + ".attacker.example/callback",                  // a suffix domain
		scheme + "://" + hostPort + "@attacker.example/callback",                  // userinfo
		"https://attacker.example/callback",                                       // another host
		scheme + "://" + host + ":1/callback",                                     // another port
		strings.ToUpper(scheme) + "://" + strings.ToUpper(hostPort) + "/callback", // case
		registered + "%2F..%2Fattacker",                                           // an encoded traversal
	}
}

// runScopeEscalation refreshes a tracks:read grant asking for more.
func runScopeEscalation(ctx context.Context, r *run) (Outcome, *Outcome, error) {
	c, err := r.labClient(ctx, confidentialClient)
	if err != nil {
		return Outcome{}, nil, err
	}
	b := r.browser("client turned greedy")
	tok, err := r.connectUser(ctx, b, c, "tracks:read", contract.Alice)
	if err != nil {
		return Outcome{}, nil, err
	}
	wider := "tracks:read playlists:read"
	tr, err := b.token(ctx, c, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tok.RefreshToken}, "scope": {wider}})
	if err != nil {
		return Outcome{}, nil, err
	}
	naiveOut := naive(true, "A token endpoint that takes the requested scope at its word would have issued "+naiveRefreshScope(tok.Scope, wider)+": playlists Alice never allowed.")
	if tr.AccessToken != "" && strings.Contains(tr.Scope, "playlists:read") {
		return r.succeeded(tr.Status, "The refresh granted "+tr.Scope), naiveOut, nil
	}
	return r.refused(tr.Status, tr.Error, "Alice granted tracks:read; a refresh may narrow that, never widen it."), naiveOut, nil
}

// runRefreshReuse rotates a refresh token, then presents the old one.
func runRefreshReuse(ctx context.Context, r *run) (Outcome, *Outcome, error) {
	c, err := r.labClient(ctx, confidentialClient)
	if err != nil {
		return Outcome{}, nil, err
	}
	client, thief := r.browser("the real client"), r.browser("thief")
	tok, err := r.connectUser(ctx, client, c, "tracks:read", contract.Alice)
	if err != nil {
		return Outcome{}, nil, err
	}
	stolen := tok.RefreshToken
	rotated, err := client.token(ctx, c, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {stolen}})
	if err != nil || rotated.RefreshToken == "" {
		return Outcome{}, nil, fmt.Errorf("the client's own refresh failed: %v %s", err, rotated.Error)
	}
	activeBefore, err := client.introspect(ctx, c, rotated.AccessToken)
	if err != nil {
		return Outcome{}, nil, err
	}
	replay, err := thief.token(ctx, c, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {stolen}})
	if err != nil {
		return Outcome{}, nil, err
	}
	activeAfter, err := client.introspect(ctx, c, rotated.AccessToken)
	if err != nil {
		return Outcome{}, nil, err
	}
	next, err := client.token(ctx, c, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rotated.RefreshToken}})
	if err != nil {
		return Outcome{}, nil, err
	}
	switch {
	case replay.AccessToken != "":
		return r.succeeded(replay.Status, "The rotated refresh token still worked."), nil, nil
	case !activeBefore || activeAfter || next.AccessToken != "":
		return r.succeeded(replay.Status, "The old token was refused, but the family lives on."), nil, nil
	}
	return r.refused(replay.Status, replay.Error,
		"The rotated token was refused, and the whole family died with it: the client's newer access token turned inactive and its newer refresh token is refused too. The user signs in again; the thief has nothing."), nil, nil
}

// runMixUp answers Alice's pending flow with a response that names another
// issuer.
func runMixUp(ctx context.Context, r *run) (Outcome, *Outcome, error) {
	alice := r.browser("Alice's browser")
	p, err := alice.postForm(ctx, r.env.Client+"/connect", url.Values{"scope": {"tracks:read"}}, nil)
	if err != nil {
		return Outcome{}, nil, err
	}
	loc := p.location()
	if loc == nil {
		return Outcome{}, nil, fmt.Errorf("/connect answered %d without a redirect", p.status)
	}
	state := loc.Query().Get("state")
	evil := "https://attacker.example"
	q := url.Values{"code": {"code-from-the-attackers-server"}, "state": {state}, "iss": {evil}}
	cb, err := alice.get(ctx, r.env.Client+"/callback?"+q.Encode())
	if err != nil {
		return Outcome{}, nil, err
	}
	naiveOut := naive(naiveCallbackAccepts(q, state, ""), "A callback that checks state but not iss accepts the answer, and would send the code, and its verifier, to the wrong token endpoint.")
	if cb.status != http.StatusBadRequest {
		return r.succeeded(cb.status, "The client accepted an answer from "+evil+" and went on with it."), naiveOut, nil
	}
	return r.refused(cb.status, "", "The state was right (the flow was Alice's), but iss named "+evil+", not "+r.env.Issuer+", so the client refused the answer before any code exchange."), naiveOut, nil
}

// runSSRF registers a client whose URLs point at a listener of the lab's
// own, then checks that nobody called it.
func runSSRF(ctx context.Context, r *run) (Outcome, *Outcome, error) {
	var hits atomic.Int32
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return Outcome{}, nil, err
	}
	srv := &http.Server{
		Handler:           http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { hits.Add(1) }),
		ReadHeaderTimeout: time.Second,
	}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()
	canary := "http://" + ln.Addr().String()
	meta := map[string]any{
		"client_name":           "ssrf probe",
		"redirect_uris":         []string{r.env.Client + "/lab/callback"},
		"logo_uri":              canary + "/logo.png",
		"jwks_uri":              canary + "/jwks.json",
		"client_uri":            canary + "/",
		"policy_uri":            canary + "/policy",
		"tos_uri":               canary + "/tos",
		"sector_identifier_uri": canary + "/sector",
		"scope":                 "tracks:read",
	}
	out, status, err := r.register(ctx, r.browser("attacker"), meta)
	if err != nil {
		return Outcome{}, nil, err
	}
	// A server that fetched would do so during or just after registration.
	select {
	case <-time.After(500 * time.Millisecond):
	case <-ctx.Done():
		return Outcome{}, nil, ctx.Err()
	}
	if n := hits.Load(); n > 0 {
		return r.succeeded(status, fmt.Sprintf("The authorization server made %d requests to the attacker's URLs.", n)), nil, nil
	}
	return r.refused(status, out.Error, "The registration was answered ("+fmt.Sprint(status)+") and the lab's listener at "+canary+" received no request: the server keeps none of those URLs and never fetches one."), nil, nil
}

// runClickjacking checks what the consent and sign-in pages tell a browser
// about framing; the lab page also frames the sign-in page for real, and
// the browser shows it refused.
func runClickjacking(ctx context.Context, r *run) (Outcome, *Outcome, error) {
	b := r.browser("attacker's page")
	p, err := b.get(ctx, r.env.AuthServer+"/login")
	if err != nil {
		return Outcome{}, nil, err
	}
	xfo := p.header.Get("X-Frame-Options")
	csp := p.header.Get("Content-Security-Policy")
	if !strings.EqualFold(xfo, "DENY") || !strings.Contains(csp, "frame-ancestors 'none'") {
		return r.succeeded(p.status, "The page may be framed: X-Frame-Options "+xfo+", CSP "+csp), nil, nil
	}
	return r.refused(p.status, "", "The authorization server's pages say X-Frame-Options: DENY and Content-Security-Policy: frame-ancestors 'none', so a browser refuses to show them inside another site's frame (see the frame on this page)."), nil, nil
}

// runLoginCSRF plants Bob's code in Alice's browser, at the real callback
// and at a naive one.
func runLoginCSRF(ctx context.Context, r *run) (Outcome, *Outcome, error) {
	c, err := r.labClient(ctx, confidentialClient)
	if err != nil {
		return Outcome{}, nil, err
	}
	bob, alice := r.browser("Bob (attacker)"), r.browser("Alice's browser")
	p := newPKCE()
	code, err := bob.signInForCode(ctx, authorizeQuery(c, "tracks:read", "bobs-state", p), contract.Bob)
	if err != nil {
		return Outcome{}, nil, err
	}
	// Alice opens Bob's link: the real client's callback, Bob's code.
	q := url.Values{"code": {code}, "state": {"bobs-state"}, "iss": {r.env.Issuer}}
	cb, err := alice.get(ctx, r.env.Client+"/callback?"+q.Encode())
	if err != nil {
		return Outcome{}, nil, err
	}
	// The naive callback, in the same position, exchanges the code: Alice's
	// session would now hold Bob's tokens.
	naiveOut := naive(false, "The naive callback did not get tokens.")
	if naiveCallbackAccepts(q, "", r.env.Issuer) {
		tok, err := r.browser("naive client").redeem(ctx, c, code, p.verifier)
		if err != nil {
			return Outcome{}, nil, err
		}
		if tok.AccessToken != "" {
			naiveOut = naive(true, "A callback that skips the state check exchanged Bob's code: Alice's session now holds tokens for "+subjectOf(tok.AccessToken)+", and what she saves goes to Bob's account.")
		}
	}
	if cb.status != http.StatusBadRequest {
		return r.succeeded(cb.status, "The real client went on with a response to a flow Alice never started."), naiveOut, nil
	}
	return r.refused(cb.status, "", "Alice's browser started no flow, so no state is pending in her session: the client refused the answer before exchanging the code."), naiveOut, nil
}
