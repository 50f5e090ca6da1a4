package web

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/oauthlab/oauthlab/resourceapi/internal/music"
)

type playlistsResponse struct {
	Items  []music.PlaylistSummary `json:"items"`
	Total  int                     `json:"total"`
	Limit  int                     `json:"limit"`
	Offset int                     `json:"offset"`
}

// handleListPlaylists: GET /v1/me/playlists?limit=&offset= (playlists:read),
// the token owner's playlists, newest first.
func handleListPlaylists(s music.Store) echo.HandlerFunc {
	return func(c echo.Context) error {
		page, err := pageParams(c)
		if err != nil {
			return err
		}
		items, total, err := s.Playlists(c.Request().Context(), principal(c).Subject, page)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, playlistsResponse{Items: items, Total: total, Limit: page.Limit, Offset: page.Offset})
	}
}
