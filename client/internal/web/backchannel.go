package web

import (
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/oauthlab/oauthlab/client/internal/flow"
	"github.com/oauthlab/oauthlab/client/internal/identity"
	"github.com/oauthlab/oauthlab/shared/logging"
)

// maxLogoutBody caps the body of a back-channel logout request: a logout
// token is a few kilobytes at most.
const maxLogoutBody = 64 << 10

// handleBackChannelLogout receives the OpenID Provider's logout token
// (OIDC Back-Channel Logout §2.5), server to server: it verifies it and
// ends every client session of that user or provider session.
func (a *App) handleBackChannelLogout(c echo.Context) error {
	refuse := func(desc string) error {
		// OIDC Back-Channel Logout §2.8: a bad request gets 400 with an
		// OAuth error body, and the response must not be cached.
		c.Response().Header().Set("Cache-Control", "no-store")
		return c.JSON(http.StatusBadRequest, map[string]string{"error": "invalid_request", "error_description": desc})
	}
	c.Request().Body = http.MaxBytesReader(c.Response(), c.Request().Body, maxLogoutBody)
	if err := c.Request().ParseForm(); err != nil {
		return refuse("the body is not a form of at most 64 KB")
	}
	form := c.Request().PostForm
	// OIDC Back-Channel Logout §2.5: exactly one logout_token parameter.
	if len(form["logout_token"]) != 1 || form.Get("logout_token") == "" {
		return refuse("logout_token is required, once")
	}
	lt, err := a.ids.VerifyLogoutToken(c.Request().Context(), form.Get("logout_token"))
	if err != nil {
		var ie *identity.Error
		if errors.As(err, &ie) {
			logging.From(c).Info("logout token refused", "rule", ie.Rule, "reason", ie.Reason)
			return refuse(ie.Error())
		}
		return err
	}
	n, err := a.store.EndSessionsOf(c.Request().Context(), lt.Subject, lt.SessionID, flow.BackChannelLogout(a.now(), lt.Subject, lt.SessionID))
	if err != nil {
		return err
	}
	logging.From(c).Info("back-channel logout", "sessions_ended", n)
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.NoContent(http.StatusOK)
}
