package web

import (
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/oauthlab/oauthlab/authserver/internal/oauth"
)

// handleUserInfo is the UserInfo endpoint (OIDC Core §5.3), for GET and
// POST. The access token comes in the Authorization header (RFC 6750
// §2.1), as Bearer or, for a DPoP-bound token, with the DPoP scheme and a
// proof (RFC 9449 §7.1); errors are answered with a challenge of the
// scheme the token needs (RFC 6750 §3, RFC 9449 §7.1).
func handleUserInfo(s *oauth.Server, dp *dpopCheck) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Response().Header()
		h.Set("Cache-Control", "no-store")
		if c.QueryParams().Has("access_token") {
			// RFC 6750 §2.3: OAuth 2.1 drops tokens in the query string (they end up in logs and Referer headers); refuse, do not ignore.
			h.Set("WWW-Authenticate", `Bearer realm="authserver", error="invalid_request"`)
			return c.JSON(http.StatusBadRequest, errorBody{Error: "invalid_request",
				Description: "access tokens are not accepted in the query string; send them in the Authorization header"})
		}
		scheme, token, _ := strings.Cut(c.Request().Header.Get(echo.HeaderAuthorization), " ")
		token = strings.TrimSpace(token)
		dpopScheme := strings.EqualFold(scheme, "DPoP")
		if !(strings.EqualFold(scheme, "Bearer") || dpopScheme) || token == "" {
			// RFC 6750 §3.1: with no token, the challenge carries no error code.
			h.Set("WWW-Authenticate", `Bearer realm="authserver"`)
			h.Add("WWW-Authenticate", dp.challenge(nil))
			return c.NoContent(http.StatusUnauthorized)
		}
		var jkt string
		if dpopScheme {
			var err error
			if jkt, err = dp.resourceProofKey(c, "/userinfo", token); err != nil {
				return err
			}
		}
		claims, err := s.UserInfo(c.Request().Context(), token, jkt)
		if oe, ok := oauth.AsError(err); ok {
			// RFC 6750 §3: the error goes in the WWW-Authenticate challenge.
			if !dpopScheme {
				h.Set("WWW-Authenticate", `Bearer realm="authserver", error="`+oe.Code+`", error_description="`+oe.SafeDescription()+`"`)
			}
			// RFC 9449 §7.1: the DPoP challenge too, so a client holding a DPoP-bound token sent as Bearer learns which scheme it needs.
			h.Add("WWW-Authenticate", dp.challengeCode(oe.Code, oe.SafeDescription()))
			return c.JSON(oe.Status, errorBody{Error: oe.Code, Description: oe.SafeDescription()})
		}
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, claims)
	}
}
