package web

import (
	"crypto/subtle"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/oauthlab/oauthlab/authserver/internal/oauth"
	"github.com/oauthlab/oauthlab/authserver/internal/throttle"
)

// handleRegister is dynamic client registration (RFC 7591 §3). With a
// registration token configured, callers must present it as a Bearer
// initial access token (RFC 7591 §3); without one, registration is open,
// as suits a demo. Either way each address may register only so many
// clients an hour (perAddr), so that nobody fills the database.
func handleRegister(s *oauth.Server, token string, perAddr *throttle.Limiter) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		if ok, wait := perAddr.Allowed(c.RealIP()); !ok {
			// RFC 6585 §4: 429 with Retry-After; the body keeps RFC 7591 §3.2.2's error shape.
			c.Response().Header().Set("Retry-After", strconv.Itoa(int(wait.Seconds())+1))
			return &oauth.Error{Code: "temporarily_unavailable", Status: http.StatusTooManyRequests,
				Description: "too many registrations from this address; retry later"}
		}
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
		perAddr.Fail(c.RealIP()) // counts one registration
		noStore(c)               // the response holds the client secret
		return c.JSON(http.StatusCreated, out)
	}
}
