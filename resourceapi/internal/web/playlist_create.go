package web

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/oauthlab/oauthlab/resourceapi/internal/music"
)

type createPlaylistRequest struct {
	Name        string   `json:"name"`
	Description string   `json:"description"`
	TrackIDs    []string `json:"track_ids"`
}

// handleCreatePlaylist: POST /v1/me/playlists (playlists:write). Answers 201
// with the playlist and its URL in Location.
func handleCreatePlaylist(s music.Store) echo.HandlerFunc {
	return func(c echo.Context) error {
		var req createPlaylistRequest
		if err := decodeJSON(c, &req); err != nil {
			return err
		}
		np, err := music.NewPlaylist{Name: req.Name, Description: req.Description, TrackIDs: req.TrackIDs}.Validate()
		if err != nil {
			return err
		}
		p, err := s.CreatePlaylist(c.Request().Context(), principal(c).Subject, np)
		if err != nil {
			return err
		}
		c.Response().Header().Set(echo.HeaderLocation, "/v1/me/playlists/"+p.ID)
		return c.JSON(http.StatusCreated, p)
	}
}
