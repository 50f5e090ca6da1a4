package web

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/oauthlab/oauthlab/authserver/internal/oauth"
)

// handleRevoke is the revocation endpoint (RFC 7009 §2). The client
// authenticates as at the token endpoint and may revoke only its own
// tokens; the answer is 200 with an empty body whether or not the token
// existed (RFC 7009 §2.2).
func handleRevoke(s *oauth.Server, auth clientAuth) echo.HandlerFunc {
	return func(c echo.Context) error {
		client, form, err := auth.authenticate(c)
		if err != nil {
			return err
		}
		// token_type_hint (RFC 7009 §2.1) is optional and only a hint:
		// every token type is searched, so it is not needed.
		if err := s.Revoke(c.Request().Context(), client, form.Get("token")); err != nil {
			return err
		}
		noStore(c)
		return c.NoContent(http.StatusOK)
	}
}
