package web

import (
	"crypto/subtle"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/oauthlab/oauthlab/authserver/internal/oauth"
)

// handleRegister is dynamic client registration (RFC 7591 §3). With a
// registration token configured, callers must present it as a Bearer
// initial access token (RFC 7591 §3); without one, registration is open,
// as suits a demo.
func handleRegister(s *oauth.Server, token string) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		if token != "" {
			scheme, got, _ := strings.Cut(r.Header.Get(echo.HeaderAuthorization), " ")
			if !strings.EqualFold(scheme, "Bearer") || subtle.ConstantTimeCompare([]byte(got), []byte(token)) != 1 {
				return oauth.ErrInvalidToken("a valid initial access token is required to register")
			}
		}
		mt, _, err := mime.ParseMediaType(r.Header.Get(echo.HeaderContentType))
		if err != nil || mt != echo.MIMEApplicationJSON {
			return oauth.ErrInvalidClientMetadata("the body must be application/json (RFC 7591 section 3.1)")
		}
		body, err := io.ReadAll(r.Body)
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return oauth.ErrInvalidClientMetadata("request body too large")
		}
		if err != nil {
			return oauth.ErrInvalidClientMetadata("could not read the request body")
		}
		var meta oauth.ClientMetadata
		if err := json.Unmarshal(body, &meta); err != nil {
			return oauth.ErrInvalidClientMetadata("the body is not a JSON object of client metadata")
		}
		out, err := s.Register(r.Context(), meta)
		if err != nil {
			return err
		}
		noStore(c) // the response holds the client secret
		return c.JSON(http.StatusCreated, out)
	}
}
