package web

import (
	"errors"
	"mime"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/oauthlab/oauthlab/resourceapi/internal/oauth"
)

const principalKey = "oauth.principal"

// bearerAuth returns a maker of middleware that lets a request through only
// with a valid access token carrying at least one of the given scopes, and,
// for a DPoP-bound token, a valid proof of possession of its key (see
// dpop.go).
func bearerAuth(v oauth.Validator, realm, metadataURL string, pop *proofCheck) func(anyOf ...string) echo.MiddlewareFunc {
	return func(anyOf ...string) echo.MiddlewareFunc {
		if len(anyOf) == 0 {
			panic("bearerAuth: a protected route needs at least one scope")
		}
		return func(next echo.HandlerFunc) echo.HandlerFunc {
			return func(c echo.Context) error {
				req := c.Request()
				inForm := false
				if isForm(req) {
					// Read at most maxBody of a form before the token is
					// checked; the handlers take JSON only anyway.
					req.Body = http.MaxBytesReader(c.Response(), req.Body, maxBody)
					inForm = req.PostFormValue("access_token") != ""
				}
				token, dpopScheme, tokenErr := oauth.AccessToken(oauth.Request{
					Authorization: req.Header.Values(echo.HeaderAuthorization),
					TokenInQuery:  req.URL.RawQuery != "" && req.URL.Query().Has("access_token"),
					TokenInForm:   inForm,
				})
				if tokenErr != nil {
					return challenge(tokenErr, realm, metadataURL)
				}
				p, err := v.Validate(req.Context(), token)
				if err != nil {
					var oe *oauth.Error
					if errors.As(err, &oe) {
						if dpopScheme {
							return pop.tokenChallenge(oe)
						}
						return challenge(oe, realm, metadataURL)
					}
					return &unavailableError{err: err}
				}
				// The proof is checked on every request, after the
				// (perhaps cached) token check: a cache hit never skips it.
				if err := pop.check(c, p, token, dpopScheme); err != nil {
					return err
				}
				// RFC 6750 §3.1: a valid token without the scope is a 403
				// insufficient_scope naming the scope needed.
				if !p.HasAnyScope(anyOf...) {
					return challenge(oauth.ErrInsufficientScope(anyOf), realm, metadataURL)
				}
				// Answers depend on who asks: no shared cache may keep them.
				c.Response().Header().Set(echo.HeaderCacheControl, "no-store")
				c.Set(principalKey, p)
				return next(c)
			}
		}
	}
}

// principal returns the token's principal that bearerAuth checked.
func principal(c echo.Context) *oauth.Principal {
	return c.Get(principalKey).(*oauth.Principal)
}

func isForm(r *http.Request) bool {
	if r.Method != http.MethodPost && r.Method != http.MethodPatch && r.Method != http.MethodPut {
		return false
	}
	mt, _, _ := mime.ParseMediaType(r.Header.Get(echo.HeaderContentType))
	return mt == echo.MIMEApplicationForm
}

// challengeError is a token problem with its WWW-Authenticate header.
type challengeError struct {
	err    *oauth.Error
	header string
}

func (e *challengeError) Error() string { return e.err.Error() }

func challenge(err *oauth.Error, realm, metadataURL string) error {
	return &challengeError{err: err, header: oauth.Challenge(realm, metadataURL, err)}
}

// unavailableError is a token that could not be checked (the authorization
// server is down, say): not the client's fault, so not a 401.
type unavailableError struct{ err error }

func (e *unavailableError) Error() string { return "cannot validate the token: " + e.err.Error() }
func (e *unavailableError) Unwrap() error { return e.err }
