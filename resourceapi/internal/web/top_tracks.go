package web

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/oauthlab/oauthlab/resourceapi/internal/music"
)

type topTracksResponse struct {
	Period string           `json:"period"`
	Items  []music.TopTrack `json:"items"`
}

// handleTopTracks: GET /v1/me/top-tracks?period=week&limit=N (tracks:read),
// the token owner's most played tracks of the last week.
func handleTopTracks(s music.Store) echo.HandlerFunc {
	return func(c echo.Context) error {
		if p := c.QueryParam("period"); p != "" && p != "week" {
			return music.Invalid("period: only \"week\" is supported")
		}
		limit, err := intParam(c, "limit", 10, 1, 50)
		if err != nil {
			return err
		}
		items, err := s.TopTracks(c.Request().Context(), principal(c).Subject, limit)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, topTracksResponse{Period: "week", Items: items})
	}
}
