package web

import (
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/oauthlab/oauthlab/authserver/internal/oauth"
)

// handleConsentPage continues a pending request after sign-in: it answers
// at once when the user granted these scopes before, and otherwise shows
// the consent page.
func handleConsentPage(s *oauth.Server, sess sessions) echo.HandlerFunc {
	return func(c echo.Context) error {
		id := c.QueryParam(requestField)
		req, ok, err := sess.loadPending(c, id)
		if !ok {
			return err
		}
		cur, signedIn, err := sess.current(c)
		if err != nil {
			return err
		}
		if s.LoginNeeded(req, signedIn, cur.User.Subject, cur.Auth.AuthTime) {
			return c.Redirect(http.StatusFound, loginURL(id))
		}
		need, err := s.ConsentNeeded(c.Request().Context(), req, cur.User.Subject)
		if err != nil {
			return err
		}
		if need {
			return renderConsent(c, s, req, cur.User, id)
		}
		if ok, err := consume(c, sess, id); !ok {
			return err
		}
		return completeAuthorization(c, s, sess, req, cur, false, http.StatusFound)
	}
}

// handleConsent receives the user's answer on the consent page. The form
// carries only the pending request's id: the request itself was checked at
// /authorize and kept on the server, bound to this browser. The CSRF token
// proves the answer comes from our own page (RFC 6749 §10.12).
func handleConsent(s *oauth.Server, sess sessions) echo.HandlerFunc {
	return func(c echo.Context) error {
		id := c.FormValue(requestField)
		req, ok, err := sess.loadPending(c, id)
		if !ok {
			return err
		}
		cur, signedIn, err := sess.current(c)
		if err != nil {
			return err
		}
		if s.LoginNeeded(req, signedIn, cur.User.Subject, cur.Auth.AuthTime) {
			// The session ended while the page was open: sign in again.
			return c.Redirect(http.StatusSeeOther, loginURL(id))
		}
		decision := c.FormValue("decision")
		if decision != "approve" && decision != "deny" {
			return renderError(c, http.StatusBadRequest, "Please choose Allow or Deny.")
		}
		if ok, err := consume(c, sess, id); !ok {
			return err
		}
		// RFC 9700 §4.12: answer a POST with 303, so the browser does not
		// re-post the form to the client.
		if decision == "deny" {
			// RFC 6749 §4.1.2.1: access_denied.
			return authorizeError(c, s, req, oauth.ErrAccessDenied("the user denied the request"), http.StatusSeeOther)
		}
		return completeAuthorization(c, s, sess, req, cur, true, http.StatusSeeOther)
	}
}

// consume marks the pending request answered. Of any number of concurrent
// answers exactly one gets ok; the others see a page saying the request
// was already answered.
func consume(c echo.Context, sess sessions, id string) (bool, error) {
	err := sess.store.ConsumePendingRequest(c.Request().Context(), oauth.HashSecret(id), sess.now())
	if errors.Is(err, oauth.ErrAlreadyUsed) {
		return false, renderError(c, http.StatusBadRequest, "This sign-in request was already answered. Go back to the app and start again.")
	}
	return err == nil, err
}
