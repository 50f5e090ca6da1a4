package web

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/oauthlab/oauthlab/authserver/internal/oauth"
)

// handleIntrospect is the introspection endpoint (RFC 7662 §2). Only
// confidential clients that authenticate may ask (RFC 7662 §2.1: the
// endpoint MUST require authorization, or it becomes a token-scanning
// oracle); the resource API uses music-api / music-api-secret. What each
// caller may learn is decided in oauth.Server.Introspect.
func handleIntrospect(s *oauth.Server, auth clientAuth) echo.HandlerFunc {
	return func(c echo.Context) error {
		client, form, err := auth.authenticate(c)
		if err != nil {
			return err
		}
		if client.Public() {
			return oauth.ErrInvalidClient("introspection requires a confidential client")
		}
		resp, err := s.Introspect(c.Request().Context(), client, form.Get("token"))
		if err != nil {
			return err
		}
		noStore(c)
		return c.JSON(http.StatusOK, resp)
	}
}
