package web

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/oauthlab/oauthlab/resourceapi/internal/music"
)

type updatePlaylistRequest struct {
	Name           *string  `json:"name"`
	Description    *string  `json:"description"`
	AddTrackIDs    []string `json:"add_track_ids"`
	RemoveTrackIDs []string `json:"remove_track_ids"`
}

// handleUpdatePlaylist: PATCH /v1/me/playlists/:id (playlists:write): rename,
// describe, add or remove tracks; fields left out stay as they are.
func handleUpdatePlaylist(s music.Store) echo.HandlerFunc {
	return func(c echo.Context) error {
		id, err := playlistID(c)
		if err != nil {
			return err
		}
		var req updatePlaylistRequest
		if err := decodeJSON(c, &req); err != nil {
			return err
		}
		ch, err := music.PlaylistChange{
			Name:           req.Name,
			Description:    req.Description,
			AddTrackIDs:    req.AddTrackIDs,
			RemoveTrackIDs: req.RemoveTrackIDs,
		}.Validate()
		if err != nil {
			return err
		}
		p, err := s.UpdatePlaylist(c.Request().Context(), principal(c).Subject, id, ch)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, p)
	}
}
