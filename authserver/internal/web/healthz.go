package web

import (
	"context"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/oauthlab/oauthlab/authserver/internal/oauth"
	"github.com/oauthlab/oauthlab/shared/logging"
)

// handleHealthz answers 200 once the server can serve: the database
// answers and there is a key to sign with.
func handleHealthz(health func(context.Context) error, keys *oauth.Keys) echo.HandlerFunc {
	return func(c echo.Context) error {
		ctx := c.Request().Context()
		if err := health(ctx); err != nil {
			logging.From(c).Warn("unhealthy", "err", err)
			return c.String(http.StatusServiceUnavailable, "unavailable\n")
		}
		if _, err := keys.Active(ctx); err != nil {
			logging.From(c).Warn("unhealthy", "err", err)
			return c.String(http.StatusServiceUnavailable, "unavailable\n")
		}
		return c.String(http.StatusOK, "ok\n")
	}
}
