package web

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/oauthlab/oauthlab/resourceapi/internal/music"
)

type tracksResponse struct {
	Items  []music.Track `json:"items"`
	Total  int           `json:"total"`
	Limit  int           `json:"limit"`
	Offset int           `json:"offset"`
}

// handleListTracks: GET /v1/tracks?limit=&offset=, the catalogue, so that a
// client can offer tracks to add to a playlist.
func handleListTracks(s music.Store) echo.HandlerFunc {
	return func(c echo.Context) error {
		page, err := pageParams(c)
		if err != nil {
			return err
		}
		items, total, err := s.Tracks(c.Request().Context(), page)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, tracksResponse{Items: items, Total: total, Limit: page.Limit, Offset: page.Offset})
	}
}
