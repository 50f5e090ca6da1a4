package web

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/oauthlab/oauthlab/authserver/internal/oauth"
)

// handleToken is the token endpoint (RFC 6749 §3.2): authenticate the
// client, run the grant, answer with JSON that is never cached.
func handleToken(s *oauth.Server, auth clientAuth, dp *dpopCheck) echo.HandlerFunc {
	return func(c echo.Context) error {
		client, form, err := auth.authenticate(c)
		if err != nil {
			return err
		}
		jkt, err := dp.proofKey(c, "/token")
		if err != nil {
			return err
		}
		resp, err := s.Token(c.Request().Context(), oauth.TokenRequest{
			Client:        client,
			GrantType:     form.Get("grant_type"),
			Code:          form.Get("code"),
			RedirectURI:   form.Get("redirect_uri"),
			RedirectGiven: form.Has("redirect_uri"),
			CodeVerifier:  form.Get("code_verifier"),
			RefreshToken:  form.Get("refresh_token"),
			Scope:         form.Get("scope"),
			ScopeGiven:    form.Has("scope"),
			DPoPJKT:       jkt,
			Resources:     form["resource"],
			DeviceCode:    form.Get("device_code"),
			Params:        form,
		})
		if err != nil {
			return err
		}
		noStore(c) // RFC 6749 §5.1
		return c.JSON(http.StatusOK, resp)
	}
}
