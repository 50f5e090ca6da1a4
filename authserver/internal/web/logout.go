package web

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/oauthlab/oauthlab/authserver/internal/oauth"
)

// backchannel delivers logout tokens (OIDC Back-Channel Logout §2.5) to the
// clients a session signed in to, when the session ends.
type backchannel struct {
	server *oauth.Server
	http   *http.Client
	logger *slog.Logger
	// wait is how long the page that ended the session waits for the
	// deliveries; the rest go on in the background.
	wait time.Duration
}

// newBackchannel returns a deliverer with a 5 s timeout that follows no
// redirects: OIDC Back-Channel Logout §2.5 expects a direct 200 answer, and
// a redirect could point the server at an address the client did not
// register.
func newBackchannel(s *oauth.Server, logger *slog.Logger) *backchannel {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &backchannel{
		server: s,
		logger: logger,
		wait:   2 * time.Second,
		http: &http.Client{
			Timeout:       5 * time.Second,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
	}
}

// endSession signs the browser out and tells every client the session
// signed in to (OIDC Back-Channel Logout §2.7).
func (s sessions) endSession(c echo.Context) error {
	old, ok, err := s.end(c)
	if err != nil || !ok {
		return err
	}
	clientIDs, err := s.store.TakeSessionClients(c.Request().Context(), old.Auth.SID)
	if err != nil {
		return err
	}
	s.logout.notify(c.Request().Context(), old.User.Subject, old.Auth.SID, clientIDs)
	return nil
}

// notify sends a logout token to each client that registered a
// backchannel_logout_uri, waiting at most b.wait.
func (b *backchannel) notify(ctx context.Context, sub, sid string, clientIDs []string) {
	if b == nil || len(clientIDs) == 0 {
		return
	}
	// The deliveries outlive the request that ended the session.
	ctx = context.WithoutCancel(ctx)
	var wg sync.WaitGroup
	for _, id := range clientIDs {
		client, err := b.server.Store.Client(ctx, id)
		if err != nil || client.BackchannelLogoutURI == "" {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := b.deliver(ctx, client, sub, sid); err != nil {
				// Never the token: only who and why.
				b.logger.Warn("back-channel logout failed", "client_id", client.ID, "err", err)
			}
		}()
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(b.wait):
	}
}

// deliver POSTs one logout token (OIDC Back-Channel Logout §2.5).
func (b *backchannel) deliver(ctx context.Context, client oauth.Client, sub, sid string) error {
	token, err := b.server.LogoutToken(ctx, client, sub, sid)
	if err != nil {
		return err
	}
	body := url.Values{"logout_token": {token}}.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, client.BackchannelLogoutURI, strings.NewReader(body))
	if err != nil {
		return fmt.Errorf("bad backchannel_logout_uri")
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := b.http.Do(req)
	if err != nil {
		// The error names the URI, never the body.
		return err
	}
	resp.Body.Close()
	// OIDC Back-Channel Logout §2.8: the client answers 200 on success.
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("client answered %d", resp.StatusCode)
	}
	return nil
}

// logoutRequest is an RP-Initiated Logout request (OIDC RP-Initiated Logout
// §2) after its checks.
type logoutRequest struct {
	client   oauth.Client // zero when none was named
	redirect string       // exact registered post_logout_redirect_uri, or empty
	state    string
	// fromSession is true when the id_token_hint names the browser's own
	// session: the logout is then clearly the user's wish.
	fromSession bool
}

// checkLogoutRequest reads and checks an RP-Initiated Logout request. A
// failed check is rendered as a page (never a redirect: the redirect URI
// is what could not be trusted).
func checkLogoutRequest(c echo.Context, s *oauth.Server, q url.Values, cur session, signedIn bool) (logoutRequest, string) {
	ctx := c.Request().Context()
	var lr logoutRequest
	for name, vals := range q {
		if len(vals) > 1 {
			return lr, name + " is repeated."
		}
	}
	clientID := q.Get("client_id")
	if hint := q.Get("id_token_hint"); hint != "" {
		// OIDC RP-Initiated Logout §2: the hint is an ID token we issued,
		// and may have expired; an access token is refused.
		claims, err := s.VerifyIDToken(ctx, hint, true)
		if err != nil {
			// OIDC RP-Initiated Logout §4: no redirect when the hint fails.
			// An ID token signed by a key that has since left the JWKS
			// (rotated out) cannot be checked either, so say both.
			return lr, "The app sent an id_token_hint this server cannot check: it is not one of its ID tokens, " +
				"or it was signed with a key the server has since rotated out. You can sign out from your account page (/account)."
		}
		// OIDC RP-Initiated Logout §2: client_id, when also given, must be
		// the hint's audience.
		if clientID != "" && clientID != claims.ClientID {
			return lr, "The app's client_id does not match its id_token_hint."
		}
		clientID = claims.ClientID
		lr.fromSession = signedIn && claims.Subject == cur.User.Subject && claims.SID == cur.Auth.SID
	}
	if clientID != "" {
		client, err := s.Store.Client(ctx, clientID)
		if err != nil {
			return lr, "The app that sent you here is not registered."
		}
		lr.client = client
	}
	if len(q.Get("state")) > 2048 {
		return lr, "The app sent a state that is too long."
	}
	lr.state = q.Get("state")
	if ru := q.Get("post_logout_redirect_uri"); ru != "" && lr.client.ID != "" {
		// OIDC RP-Initiated Logout §3.1: only an exactly registered URI is
		// followed; anything else would make logout an open redirector.
		if slices.Contains(lr.client.PostLogoutRedirectURIs, ru) {
			lr.redirect = ru
		}
	}
	return lr, ""
}

// handleEndSession is the end_session_endpoint (OIDC RP-Initiated Logout
// §2). When the request clearly comes from the session's own client (its
// id_token_hint names this session), the user is signed out at once;
// otherwise the user is asked first, on a CSRF-protected page.
func handleEndSession(s *oauth.Server, sess sessions) echo.HandlerFunc {
	return func(c echo.Context) error {
		q := c.QueryParams()
		if c.Request().Method == http.MethodPost {
			// OIDC RP-Initiated Logout §2: POST is allowed too. The form
			// comes from the app's site, without our CSRF token, so it is
			// turned into the same GET.
			form, err := c.FormParams()
			if err != nil {
				return renderError(c, http.StatusBadRequest, "The logout request could not be read.")
			}
			return c.Redirect(http.StatusSeeOther, "/end_session?"+form.Encode())
		}
		cur, signedIn, err := sess.current(c)
		if err != nil {
			return err
		}
		lr, problem := checkLogoutRequest(c, s, q, cur, signedIn)
		if problem != "" {
			return renderError(c, http.StatusBadRequest, problem)
		}
		if !signedIn || lr.fromSession {
			return finishLogout(c, sess, lr)
		}
		return render(c, http.StatusOK, "logout", map[string]any{
			"Title": "Sign out?", "UserName": cur.User.DisplayName, "ClientName": lr.client.Name,
			"ClientID": lr.client.ID, "Redirect": lr.redirect, "State": lr.state,
		})
	}
}

// handleEndSessionConfirm is the user's "Sign out" on the confirmation page.
func handleEndSessionConfirm(s *oauth.Server, sess sessions) echo.HandlerFunc {
	return func(c echo.Context) error {
		form, err := c.FormParams()
		if err != nil {
			return renderError(c, http.StatusBadRequest, "The form could not be read.")
		}
		q := url.Values{}
		for _, k := range []string{"client_id", "post_logout_redirect_uri", "state"} {
			if v := form.Get(k); v != "" {
				q.Set(k, v)
			}
		}
		cur, signedIn, err := sess.current(c)
		if err != nil {
			return err
		}
		// Checked again: the form came through the browser.
		lr, problem := checkLogoutRequest(c, s, q, cur, signedIn)
		if problem != "" {
			return renderError(c, http.StatusBadRequest, problem)
		}
		return finishLogout(c, sess, lr)
	}
}

// finishLogout ends the session (with back-channel logout) and sends the
// browser back to the app, or shows that the user is signed out.
func finishLogout(c echo.Context, sess sessions, lr logoutRequest) error {
	if err := sess.endSession(c); err != nil {
		return err
	}
	if lr.redirect != "" {
		// OIDC RP-Initiated Logout §3: state is passed back unchanged.
		target := lr.redirect
		if lr.state != "" {
			u, err := url.Parse(lr.redirect)
			if err == nil {
				v := u.Query()
				v.Set("state", lr.state)
				u.RawQuery = v.Encode()
				target = u.String()
			}
		}
		return c.Redirect(http.StatusSeeOther, target)
	}
	return render(c, http.StatusOK, "signedout", map[string]any{"Title": "Signed out"})
}
