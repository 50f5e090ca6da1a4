package web

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/oauthlab/oauthlab/resourceapi/internal/music"
)

type chartsResponse struct {
	Items []music.ChartEntry `json:"items"`
}

// handleCharts: GET /v1/charts?limit=N (charts:read), the service-wide
// charts. No user data: made for machine clients (client credentials).
func handleCharts(s music.Store) echo.HandlerFunc {
	return func(c echo.Context) error {
		limit, err := intParam(c, "limit", music.DefaultPageLimit, 1, music.MaxPageLimit)
		if err != nil {
			return err
		}
		items, err := s.Charts(c.Request().Context(), limit)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, chartsResponse{Items: items})
	}
}
