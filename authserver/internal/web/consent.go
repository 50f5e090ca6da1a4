package web

import (
	"net/http"
	"net/url"

	"github.com/labstack/echo/v4"

	"github.com/oauthlab/oauthlab/authserver/internal/oauth"
)

// handleConsent receives the user's answer on the consent page. The
// authorization request travels in hidden fields and is checked again in
// full, so nothing the browser sends is trusted. The CSRF token proves the
// answer comes from our own page (RFC 6749 §10.12).
func handleConsent(s *oauth.Server, sess sessions) echo.HandlerFunc {
	return func(c echo.Context) error {
		ctx := c.Request().Context()
		form, err := c.FormParams()
		if err != nil {
			return renderError(c, http.StatusBadRequest, "The form could not be read.")
		}
		params := url.Values{}
		for k, v := range form {
			if k != csrfField && k != "decision" {
				params[k] = v
			}
		}
		req, err := s.CheckAuthorize(ctx, params)
		if err != nil {
			return authorizeError(c, s, req, err, http.StatusSeeOther)
		}
		user, signedIn, err := sess.user(c)
		if err != nil {
			return authorizeError(c, s, req, err, http.StatusSeeOther)
		}
		if !signedIn {
			// The session ended while the page was open: sign in again.
			return c.Redirect(http.StatusSeeOther, loginURL(req))
		}
		// RFC 9700 §4.12: answer a POST with 303, so the browser does not
		// re-post the form to the client.
		switch form.Get("decision") {
		case "approve":
			code, err := s.Approve(ctx, req, user.Subject)
			if err != nil {
				return authorizeError(c, s, req, err, http.StatusSeeOther)
			}
			return c.Redirect(http.StatusSeeOther, s.SuccessRedirect(req, code))
		case "deny":
			// RFC 6749 §4.1.2.1: access_denied.
			return authorizeError(c, s, req, oauth.ErrAccessDenied("the user denied the request"), http.StatusSeeOther)
		default:
			return renderError(c, http.StatusBadRequest, "Please choose Allow or Deny.")
		}
	}
}
