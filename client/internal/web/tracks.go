package web

import (
	"context"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/oauthlab/oauthlab/client/internal/music"
)

// handleTracks shows the user's most played tracks of the last week
// (GET /v1/me/top-tracks, scope tracks:read).
func (a *App) handleTracks(c echo.Context) error {
	var top music.TopTracks
	err := a.withAPI(c, func(ctx context.Context, api *music.Client) error {
		var err error
		top, err = api.TopTracks(ctx, "week")
		return err
	})
	if err != nil {
		return err
	}
	p, _ := a.basePage(c, "Your most played tracks", "tracks")
	p.Data = top
	return a.render(c, http.StatusOK, "tracks.html", p)
}
