package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/oauthlab/oauthlab/client/internal/music"
)

// handlePlaylists lists the user's playlists (playlists:read).
func (a *App) handlePlaylists(c echo.Context) error {
	var list music.PlaylistPage
	err := a.withAPI(c, func(ctx context.Context, api *music.Client) error {
		var err error
		list, err = api.Playlists(ctx)
		return err
	})
	if err != nil {
		return err
	}
	p, _ := a.basePage(c, "Your playlists", "playlists")
	p.Data = list
	return a.render(c, http.StatusOK, "playlists.html", p)
}

// handlePlaylist shows one playlist, and the catalogue to add tracks from.
func (a *App) handlePlaylist(c echo.Context) error {
	id := c.Param("id")
	var pl music.Playlist
	var catalogue music.TrackPage
	err := a.withAPI(c, func(ctx context.Context, api *music.Client) error {
		var err error
		if pl, err = api.Playlist(ctx, id); err != nil {
			return err
		}
		catalogue, err = api.Catalogue(ctx)
		return err
	})
	if err != nil {
		return err
	}
	// Offer only the tracks not yet in the playlist.
	in := map[string]bool{}
	for _, t := range pl.Tracks {
		in[t.ID] = true
	}
	var addable []music.Track
	for _, t := range catalogue.Items {
		if !in[t.ID] {
			addable = append(addable, t)
		}
	}
	p, _ := a.basePage(c, pl.Name, "playlists")
	p.Data = struct {
		Playlist music.Playlist
		Addable  []music.Track
	}{pl, addable}
	return a.render(c, http.StatusOK, "playlist.html", p)
}

// formName reads and checks a playlist name from a form.
func formName(c echo.Context) (string, error) {
	name := strings.TrimSpace(c.FormValue("name"))
	if name == "" || utf8.RuneCountInString(name) > 100 {
		return "", &pageError{Status: http.StatusBadRequest, Title: "A name is needed",
			Message: "A playlist needs a name of 1 to 100 characters."}
	}
	return name, nil
}

// handleCreatePlaylist creates a playlist (playlists:write).
func (a *App) handleCreatePlaylist(c echo.Context) error {
	name, err := formName(c)
	if err != nil {
		return err
	}
	desc := strings.TrimSpace(c.FormValue("description"))
	var pl music.Playlist
	err = a.withAPI(c, func(ctx context.Context, api *music.Client) error {
		var err error
		pl, err = api.CreatePlaylist(ctx, music.NewPlaylist{Name: name, Description: desc})
		return err
	})
	if err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/playlists/"+url.PathEscape(pl.ID))
}

// handleRenamePlaylist renames a playlist (playlists:write).
func (a *App) handleRenamePlaylist(c echo.Context) error {
	name, err := formName(c)
	if err != nil {
		return err
	}
	desc := strings.TrimSpace(c.FormValue("description"))
	return a.changePlaylist(c, music.PlaylistChange{Name: &name, Description: &desc})
}

// handleAddTrack adds a track to a playlist (playlists:write).
func (a *App) handleAddTrack(c echo.Context) error {
	return a.changePlaylist(c, music.PlaylistChange{AddTrackIDs: []string{c.FormValue("track_id")}})
}

// handleRemoveTrack removes a track from a playlist (playlists:write).
func (a *App) handleRemoveTrack(c echo.Context) error {
	return a.changePlaylist(c, music.PlaylistChange{RemoveTrackIDs: []string{c.FormValue("track_id")}})
}

func (a *App) changePlaylist(c echo.Context, ch music.PlaylistChange) error {
	id := c.Param("id")
	err := a.withAPI(c, func(ctx context.Context, api *music.Client) error {
		_, err := api.UpdatePlaylist(ctx, id, ch)
		return err
	})
	if err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/playlists/"+url.PathEscape(id))
}

// handleDeletePlaylist deletes a playlist (playlists:write).
func (a *App) handleDeletePlaylist(c echo.Context) error {
	id := c.Param("id")
	err := a.withAPI(c, func(ctx context.Context, api *music.Client) error {
		return api.DeletePlaylist(ctx, id)
	})
	if err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/playlists")
}
