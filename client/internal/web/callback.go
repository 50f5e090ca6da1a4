package web

import (
	"errors"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"
	"golang.org/x/oauth2"

	"github.com/oauthlab/oauthlab/client/internal/flow"
	"github.com/oauthlab/oauthlab/client/internal/store"
	"github.com/oauthlab/oauthlab/shared/logging"
	"github.com/oauthlab/oauthlab/shared/scopes"
)

// handleCallback is the redirection endpoint (RFC 6749 §3.1.2): the browser
// comes back from the authorization server with a code (or an error). The
// answer is checked (state, iss), then the code is exchanged for tokens over
// the back channel (RFC 6749 §4.1.3).
func (a *App) handleCallback(c echo.Context) error {
	ctx := c.Request().Context()
	query := c.QueryParams()

	sid, hasSession := a.session(c)
	var attempt store.Attempt
	if hasSession {
		var err error
		attempt, err = a.store.PendingAttempt(ctx, sid, query.Get("state"))
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
	}
	cb := flow.CheckCallback(a.now(), query, attempt.State, a.cfg.Issuer)
	cb.Step.HTTP = &flow.Exchange{Method: http.MethodGet, URL: a.cfg.RedirectURI() + "?" + flow.MaskedQuery(query)}
	if cb.Reason == flow.ReasonState && len(query["state"]) == 1 {
		// A second load of a callback that already went through (a reload,
		// another tab): say so, rather than call it forged.
		if used, err := a.store.AttemptUsed(ctx, query.Get("state")); err != nil {
			return err
		} else if used {
			return alreadyCompleted()
		}
	}
	if hasSession {
		a.addSteps(c, sid, cb.Step)
		if cb.Reason != flow.ReasonState && cb.Reason != flow.ReasonBadQuery {
			// RFC 6749 §10.12: a state is good for one answer only. The guarded
			// update lets exactly one of several simultaneous loads through;
			// a second exchange of the code would make the authorization
			// server revoke the whole grant (RFC 6749 §4.1.2).
			if err := a.store.ConsumeAttempt(ctx, sid, attempt.State); errors.Is(err, store.ErrAlreadyUsed) {
				return alreadyCompleted()
			} else if err != nil {
				return err
			}
		}
	}
	if pe := callbackProblem(cb, attempt); pe != nil {
		if hasSession {
			a.addSteps(c, sid, flow.Failure(a.now(), pe.Title, pe.Message, pe.Detail, pe.Links...))
		}
		return pe
	}

	// RFC 6749 §4.1.3, RFC 7636 §4.5: code, redirect_uri and code_verifier,
	// with client_secret_basic authentication, over the back channel.
	ctx, err := a.withDPoP(ctx, sid)
	if err != nil {
		return err
	}
	rctx, rec := a.recording(ctx)
	tok, err := a.oauth.Exchange(rctx, cb.Code, oauth2.VerifierOption(attempt.Verifier))
	steps := a.stepsOf(rec.Exchanges())
	if err != nil {
		var re *oauth2.RetrieveError
		pe := &pageError{Status: http.StatusBadGateway, Title: "The code could not be exchanged for tokens",
			Message: "The authorization server could not be reached, so the app has no tokens.",
			Hint:    "Check that the authorization server is running, then connect again.",
			Links:   []flow.Link{flow.RFC6749TokenRequest}, Reconnect: splitOrDefault(attempt.Scope)}
		if errors.As(err, &re) {
			pe.Detail = flow.Explain(flow.FromToken, re.ErrorCode, re.ErrorDescription)
			pe.Message = "The authorization server refused to exchange the code: " + pe.Detail.Meaning
			pe.Hint = "Connect again: a code can be used only once and expires within minutes."
			pe.Links = append(pe.Links, flow.RFC6749TokenError)
			steps = append(steps, flow.Failure(a.now(), pe.Title, pe.Message, pe.Detail, flow.RFC6749TokenError))
		} else {
			logging.From(c).Warn("token request failed", "err", err)
		}
		a.addSteps(c, sid, steps...)
		return pe
	}

	// RFC 6749 §7.1: a client must not use a token type it does not
	// understand: Bearer (RFC 6750), or DPoP when it sent a proof.
	want := tokenScheme(rctx)
	addCheck(steps, flow.KindTokenResponse, flow.Check{Name: "token_type is " + want, OK: strings.EqualFold(tok.TokenType, want),
		Detail: "token_type = " + tok.TokenType + "; the app asked for a " + want + " token.",
		Link:   flow.Link{Label: "RFC 6749 §7.1: Access token types", URL: "https://www.rfc-editor.org/rfc/rfc6749#section-7.1"}})
	if pe := a.refusedTokenType(rctx, tok); pe != nil {
		a.addSteps(c, sid, append(steps, flow.Failure(a.now(), pe.Title, pe.Message, nil, pe.Links...))...)
		return pe
	}

	// RFC 6749 §5.1: scope is in the response when it differs from the
	// request; otherwise the request's scope was granted.
	granted, _ := tok.Extra("scope").(string)
	if granted == "" {
		granted = attempt.Scope
	}
	addCheck(steps, flow.KindTokenResponse, scopeCheck(attempt.Scope, granted))
	// OpenID Connect: who signed in, verified before any token is kept. A
	// refused sign-in revokes the tokens just received.
	who, oidcSteps, err := a.signIn(ctx, c, tok, attempt, granted)
	if err != nil {
		var pe *pageError
		if errors.As(err, &pe) {
			steps = append(steps, oidcSteps...)
			a.addSteps(c, sid, append(steps, a.revokeReceived(ctx, c, tok)...)...)
		}
		return err
	}
	// Connecting again replaces the session's tokens. The old refresh token
	// would stay valid at the authorization server until it expired, a
	// credential nobody uses but a thief could: tell the server it is no
	// longer needed (RFC 7009 §1) before forgetting it.
	old, _, err := a.store.Token(ctx, sid)
	switch {
	case err == nil && old.RefreshToken != "":
		octx, orec := a.recording(ctx)
		a.revoke(octx, c, old.RefreshToken, "refresh_token")
		steps = append(steps, a.stepsOf(orec.Exchanges())...)
	case err != nil && !errors.Is(err, store.ErrNotFound):
		return err
	}
	if err := a.store.SaveToken(ctx, sid, tok, attempt.Scope); err != nil {
		return err
	}
	if sid, err = a.rotateSession(c, sid); err != nil {
		return err
	}
	if who != nil {
		err = a.store.SaveIdentity(ctx, sid, *who)
	} else {
		// A plain OAuth connection: nobody is signed in any more.
		err = a.store.DeleteIdentity(ctx, sid)
	}
	if err != nil {
		return err
	}
	// The access token first, then the ID token steps beside it.
	steps = append(steps, flow.AccessToken(a.now(), flow.DecodeAccessToken(tok.AccessToken, granted, tok.Expiry), "tokens kept server-side"))
	steps = append(steps, oidcSteps...)
	a.addSteps(c, sid, steps...)

	// Show the data the granted scope allows.
	next := "/"
	switch list := scopes.Parse(granted); {
	case scopes.Covers(list, []string{scopes.TracksRead}):
		next = "/tracks"
	case scopes.Covers(list, []string{scopes.PlaylistsRead}):
		next = "/playlists"
	}
	return c.Redirect(http.StatusSeeOther, next)
}

// alreadyCompleted is the page of a callback whose attempt another load of
// the same URL consumed first.
func alreadyCompleted() *pageError {
	return &pageError{Status: http.StatusConflict, Title: "This sign-in was already completed",
		Message: "This answer of the authorization server was already used, by another tab or an earlier load of this page. " +
			"An authorization code can be exchanged only once, so the app did not try again.",
		Hint:  "Go to the home page: if the other load succeeded, the app is connected.",
		Links: []flow.Link{flow.RFC6749CSRF}}
}

// callbackProblem explains why a redirect back cannot be used, or returns
// nil when the code may be exchanged.
func callbackProblem(cb flow.Callback, attempt store.Attempt) *pageError {
	links := cb.Step.Links
	switch cb.Reason {
	case flow.ReasonNone:
		return nil
	case flow.ReasonState:
		return &pageError{Status: http.StatusBadRequest, Title: "This answer does not match a request of yours",
			Message: "The state parameter does not match the one this app sent from your browser (or no connection was in progress). " +
				"The app refuses the answer: it could be a forged request (cross-site request forgery).",
			Hint:  "If you were connecting, start again from the home page.",
			Links: []flow.Link{flow.RFC6749CSRF}, Reconnect: defaultScopes()}
	case flow.ReasonIssuer:
		return &pageError{Status: http.StatusBadRequest, Title: "The answer came from the wrong server",
			Message: "The iss parameter is missing or names another authorization server than the one this app uses, so the answer is refused (mix-up attack defence).",
			Links:   []flow.Link{flow.RFC9207Issuer}, Reconnect: splitOrDefault(attempt.Scope)}
	case flow.ReasonError:
		pe := &pageError{Status: http.StatusBadRequest, Title: "The authorization server said no",
			Message: "The authorization server answered with the error " + cb.Error.Code + ": " + cb.Error.Meaning,
			Detail:  cb.Error, Links: []flow.Link{flow.RFC6749AuthError}, Reconnect: splitOrDefault(attempt.Scope)}
		if cb.Error.Code == "access_denied" {
			pe.Status = http.StatusForbidden
			pe.Title = "You did not allow access"
			pe.Message = "You (or the authorization server) denied the app access to your music. No code, no token: the app can see nothing, and that is fine."
			pe.Hint = "Changed your mind? Connect again."
		}
		return pe
	case flow.ReasonNoCode:
		return &pageError{Status: http.StatusBadRequest, Title: "No code in the answer",
			Message: "The redirect back carries neither an authorization code nor an error, so there is nothing to exchange.",
			Links:   links, Reconnect: splitOrDefault(attempt.Scope)}
	default:
		return &pageError{Status: http.StatusBadRequest, Title: "A malformed answer",
			Message: "A parameter of the redirect back appears more than once, so the answer cannot be trusted.",
			Links:   links, Reconnect: splitOrDefault(attempt.Scope)}
	}
}

// addCheck adds a check to the last step of the given kind.
func addCheck(steps []flow.Step, kind flow.Kind, ch flow.Check) {
	for i := len(steps) - 1; i >= 0; i-- {
		if steps[i].Kind == kind {
			steps[i].Checks = append(steps[i].Checks, ch)
			return
		}
	}
}

// scopeCheck compares the scope asked for with the scope granted: the
// resource owner or the server may grant less (RFC 6749 §3.3).
func scopeCheck(asked, granted string) flow.Check {
	ch := flow.Check{Name: "granted scope", OK: true, Link: flow.RFC6749Scope}
	missing := []string{}
	for _, s := range scopes.Parse(asked) {
		if !scopes.Covers(scopes.Parse(granted), []string{s}) {
			missing = append(missing, s)
		}
	}
	if len(missing) == 0 {
		ch.Detail = "Everything asked for was granted: " + orNone(granted) + "."
		return ch
	}
	ch.Detail = "Asked for " + orNone(asked) + ", granted " + orNone(granted) + ": pages that need " +
		strings.Join(missing, ", ") + " will be refused by the API."
	return ch
}
