package web

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/oauthlab/oauthlab/resourceapi/internal/music"
)

// handleDeletePlaylist: DELETE /v1/me/playlists/:id (playlists:write).
func handleDeletePlaylist(s music.Store) echo.HandlerFunc {
	return func(c echo.Context) error {
		id, err := playlistID(c)
		if err != nil {
			return err
		}
		if err := s.DeletePlaylist(c.Request().Context(), principal(c).Subject, id); err != nil {
			return err
		}
		return c.NoContent(http.StatusNoContent)
	}
}
