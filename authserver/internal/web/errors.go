package web

import (
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/oauthlab/oauthlab/authserver/internal/oauth"
	"github.com/oauthlab/oauthlab/shared/logging"
)

// errorBody is the RFC 6749 §5.2 error response.
type errorBody struct {
	Error       string `json:"error"`
	Description string `json:"error_description,omitempty"`
}

// errorHandler is the one place errors become responses. Protocol errors
// (*oauth.Error) are written as RFC 6749 §5.2 JSON, or as a page for page
// routes; echo's own errors (404, 405) likewise; anything else is a
// bug or an outage: logged, and answered with a bare server_error.
func errorHandler(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	if oe, ok := oauth.AsError(err); ok {
		writeError(c, oe)
		return
	}
	var he *echo.HTTPError
	if errors.As(err, &he) && he.Code < 500 {
		desc := http.StatusText(he.Code)
		switch he.Code {
		case http.StatusNotFound:
			desc = "no such endpoint"
		case http.StatusMethodNotAllowed:
			desc = "method not allowed on this endpoint"
		case http.StatusBadRequest:
			if msg, ok := he.Message.(string); ok {
				desc = msg // echo's own messages, e.g. "missing csrf token in the form parameter"
			}
		case http.StatusForbidden:
			desc = "the form expired or came from another site; go back, reload the page and try again"
		case http.StatusRequestEntityTooLarge:
			he.Code, desc = http.StatusBadRequest, "request body too large"
		}
		writeError(c, &oauth.Error{Code: "invalid_request", Description: desc, Status: he.Code})
		return
	}
	logging.From(c).Error("internal error", "err", err)
	writeError(c, &oauth.Error{Code: "server_error", Description: "internal error", Status: http.StatusInternalServerError})
}

func writeError(c echo.Context, oe *oauth.Error) {
	if isPage(c) {
		_ = renderError(c, oe.Status, oe.Description)
		return
	}
	h := c.Response().Header()
	// RFC 6749 §5.1/§5.2: token endpoint responses are never cached.
	h.Set("Cache-Control", "no-store")
	h.Set("Pragma", "no-cache")
	switch oe.Code {
	case "invalid_client":
		// RFC 6749 §5.2: a 401 must say how to authenticate.
		h.Set("WWW-Authenticate", `Basic realm="authserver"`)
	case "invalid_token":
		// RFC 6750 §3: the registration endpoint's initial access token.
		h.Set("WWW-Authenticate", `Bearer realm="authserver", error="invalid_token"`)
	}
	var err error
	if c.Request().Method == http.MethodHead {
		err = c.NoContent(oe.Status)
	} else {
		err = c.JSON(oe.Status, errorBody{Error: oe.Code, Description: oe.SafeDescription()})
	}
	if err != nil {
		logging.From(c).Warn("write error response", "err", err)
	}
}

func isPage(c echo.Context) bool {
	p, _ := c.Get(pageKey).(bool)
	return p
}
