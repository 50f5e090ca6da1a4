package web

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/oauthlab/oauthlab/resourceapi/internal/music"
	"github.com/oauthlab/oauthlab/resourceapi/internal/oauth"
	"github.com/oauthlab/oauthlab/shared/logging"
)

// errorBody is the one shape of every error answer.
type errorBody struct {
	Error       string `json:"error"`
	Description string `json:"error_description,omitempty"`
	// Scope names the scopes needed, on insufficient_scope.
	Scope string `json:"scope,omitempty"`
}

// Error codes beyond those of RFC 6750.
const (
	codeUnauthorized     = "unauthorized" // no token at all: RFC 6750 §3.1 gives no code
	codeNotFound         = "not_found"
	codeMethodNotAllowed = "method_not_allowed"
	codeUnavailable      = "temporarily_unavailable"
	codeServerError      = "server_error"
)

// errorHandler writes every error as JSON. Anything it does not know is a
// bug: it is logged and answered with a bare 500, with no detail leaked.
func errorHandler(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	status, body := http.StatusInternalServerError, errorBody{Error: codeServerError, Description: "internal error"}
	h := c.Response().Header()

	var (
		ce      *challengeError
		invalid *music.InvalidError
		unavail *unavailableError
		he      *echo.HTTPError
	)
	switch {
	case errors.As(err, &ce):
		status = ce.err.Status()
		body = errorBody{Error: ce.err.Code, Description: ce.err.Description}
		if body.Error == "" {
			body.Error = codeUnauthorized
		}
		if len(ce.err.Scope) > 0 {
			body.Scope = strings.Join(ce.err.Scope, " ")
		}
		// RFC 6750 §3: every token problem carries the Bearer challenge.
		h.Set(echo.HeaderWWWAuthenticate, ce.header)
	case errors.As(err, &invalid):
		status, body = http.StatusBadRequest, errorBody{Error: oauth.CodeInvalidRequest, Description: invalid.Msg}
	case errors.Is(err, music.ErrNotFound):
		status, body = http.StatusNotFound, errorBody{Error: codeNotFound, Description: "no such playlist"}
	case errors.As(err, &unavail):
		logging.From(c).Error("token validation unavailable", "error", unavail.err)
		status, body = http.StatusServiceUnavailable, errorBody{Error: codeUnavailable, Description: "the access token cannot be checked right now; try again shortly"}
		h.Set("Retry-After", "5")
	case errors.As(err, &he):
		status = he.Code
		switch {
		case status == http.StatusNotFound:
			body = errorBody{Error: codeNotFound, Description: "no such endpoint"}
		case status == http.StatusMethodNotAllowed:
			body = errorBody{Error: codeMethodNotAllowed, Description: "this endpoint does not support " + c.Request().Method}
		case status < 500:
			body = errorBody{Error: oauth.CodeInvalidRequest, Description: fmt.Sprint(he.Message)}
		default:
			logging.From(c).Error("request failed", "error", err)
			status = http.StatusInternalServerError
		}
	default:
		logging.From(c).Error("request failed", "error", err)
	}

	if c.Request().Method == http.MethodHead {
		_ = c.NoContent(status)
		return
	}
	_ = c.JSON(status, body)
}

// recoverJSON turns a panic into a logged 500 with the usual JSON body, so no
// stack trace reaches the client.
func recoverJSON(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) (err error) {
		defer func() {
			if r := recover(); r != nil {
				if r == http.ErrAbortHandler {
					panic(r)
				}
				err = fmt.Errorf("panic: %v", r)
			}
		}()
		return next(c)
	}
}
