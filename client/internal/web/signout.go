package web

import (
	"crypto/rand"
	"errors"
	"net/http"
	"net/url"

	"github.com/labstack/echo/v4"

	"github.com/oauthlab/oauthlab/client/internal/flow"
	"github.com/oauthlab/oauthlab/client/internal/store"
)

// handleSignoutPage explains what signing out can end, and offers both
// ways.
func (a *App) handleSignoutPage(c echo.Context) error {
	p, _ := a.basePage(c, "Sign out", "")
	p.Data = struct{ Issuer string }{a.cfg.Issuer}
	return a.render(c, http.StatusOK, "signout.html", p)
}

// handleLeave ends the client's session: the tokens are revoked (RFC 7009)
// and forgotten with the identity, and the browser gets a fresh, anonymous
// session id. The OpenID Provider's session goes on.
func (a *App) handleLeave(c echo.Context) error {
	if _, err := a.endClientSession(c); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/signed-out")
}

// handleSignOutEverywhere ends the client's session, then sends the browser
// to the provider's end_session_endpoint to end the provider's session too
// (OIDC RP-Initiated Logout §2).
func (a *App) handleSignOutEverywhere(c echo.Context) error {
	id, err := a.endClientSession(c)
	if err != nil {
		return err
	}
	sid, ok := a.session(c)
	if !ok || id == nil {
		// Nobody signed in with OpenID Connect: there is no provider
		// session the app knows of.
		return c.Redirect(http.StatusSeeOther, "/signed-out")
	}
	// OIDC RP-Initiated Logout §2: a fresh state, kept hashed and bound to
	// this browser's session, must come back on the redirect after logout.
	state := rand.Text()
	if err := a.store.SaveSignoutState(c.Request().Context(), sid, state); err != nil {
		return err
	}
	q := url.Values{
		// OIDC RP-Initiated Logout §2: id_token_hint names the user and
		// session to end; client_id names the app, whose registered
		// post_logout_redirect_uri this must be.
		"id_token_hint":            {id.IDToken},
		"client_id":                {a.cfg.ClientID},
		"post_logout_redirect_uri": {a.cfg.PostLogoutRedirectURI()},
		"state":                    {state},
	}
	logoutURL := a.cfg.EndSessionURL + "?" + q.Encode()
	a.addSteps(c, sid, flow.EndSession(a.now(), logoutURL))
	return c.Redirect(http.StatusSeeOther, logoutURL)
}

// endClientSession revokes and forgets the session's tokens and identity,
// and gives the browser a new session id. It returns the identity that was
// signed in, if any.
func (a *App) endClientSession(c echo.Context) (*store.Identity, error) {
	sid, ok := a.session(c)
	if !ok {
		return nil, nil
	}
	release, err := a.claimTokens(c.Request().Context(), sid)
	if err != nil {
		return nil, err
	}
	defer release()
	ctx, rec := a.recording(c.Request().Context())
	var who *store.Identity
	switch id, err := a.store.Identity(ctx, sid); {
	case err == nil:
		who = &id
	case !errors.Is(err, store.ErrNotFound):
		return nil, err
	}
	switch tok, _, err := a.store.Token(ctx, sid); {
	case err == nil:
		// The refresh token first (RFC 7009 §2.1), as on disconnect.
		if tok.RefreshToken != "" {
			a.revoke(ctx, c, tok.RefreshToken, "refresh_token")
		}
		a.revoke(ctx, c, tok.AccessToken, "access_token")
		if err := a.store.DeleteToken(ctx, sid); err != nil {
			return nil, err
		}
	case !errors.Is(err, store.ErrNotFound):
		return nil, err
	}
	if err := a.store.DeleteIdentity(ctx, sid); err != nil {
		return nil, err
	}
	a.addSteps(c, sid, a.stepsOf(rec.Exchanges())...)
	// The old session id is worthless from now on.
	if _, err := a.rotateSession(c, sid); err != nil {
		return nil, err
	}
	return who, nil
}

// handleSignedOut is the post_logout_redirect_uri (OIDC RP-Initiated
// Logout §3), and the page after leaving the app.
func (a *App) handleSignedOut(c echo.Context) error {
	state := c.QueryParam("state")
	everywhere := c.QueryParams().Has("state")
	if everywhere {
		sid, ok := a.session(c)
		err := store.ErrStateUsed
		if ok {
			// OIDC RP-Initiated Logout §3: state must be the one this
			// browser's session sent; it is spent here, once.
			err = a.store.UseSignoutState(c.Request().Context(), sid, state)
		}
		if errors.Is(err, store.ErrStateUsed) {
			if ok {
				a.addSteps(c, sid, flow.SignedOut(a.now(), flow.Check{Name: "state matches", OK: false,
					Detail: "The state is not one this session sent, or it was already used.", Link: flow.OIDCLogoutRedirect}))
			}
			return &pageError{Status: http.StatusBadRequest, Title: "This sign-out answer does not match a request of yours",
				Message: "The state parameter is not one this app sent from your browser, or it was already used, so the app does not trust this answer.",
				Links:   []flow.Link{flow.OIDCLogoutRedirect}}
		}
		if err != nil {
			return err
		}
		a.addSteps(c, sid, flow.SignedOut(a.now(), flow.Check{Name: "state matches", OK: true,
			Detail: "The state is the one this session sent with the logout request; it is now spent.", Link: flow.OIDCLogoutRedirect}))
	}
	p, _ := a.basePage(c, "Signed out", "")
	p.Data = struct{ Everywhere bool }{everywhere}
	return a.render(c, http.StatusOK, "signed-out.html", p)
}
