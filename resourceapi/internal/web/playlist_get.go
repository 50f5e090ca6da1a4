package web

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/oauthlab/oauthlab/resourceapi/internal/music"
)

// handleGetPlaylist: GET /v1/me/playlists/:id (playlists:read). Another
// user's playlist is a 404, as if it did not exist.
func handleGetPlaylist(s music.Store) echo.HandlerFunc {
	return func(c echo.Context) error {
		id, err := playlistID(c)
		if err != nil {
			return err
		}
		p, err := s.Playlist(c.Request().Context(), principal(c).Subject, id)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, p)
	}
}
