package web

import (
	"context"
	"net/http"

	"github.com/labstack/echo/v4"
)

// handleHealthz answers 200 once the API can serve: the database answers.
// It does not ask the authorization server: the API still serves cached
// tokens while that one restarts.
func handleHealthz(health func(context.Context) error) echo.HandlerFunc {
	return func(c echo.Context) error {
		if health != nil {
			if err := health(c.Request().Context()); err != nil {
				return c.JSON(http.StatusServiceUnavailable, map[string]string{"status": "unavailable"})
			}
		}
		return c.JSON(http.StatusOK, map[string]string{"status": "ok"})
	}
}
