package web

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/oauthlab/oauthlab/shared/logging"
)

// routes lists every route of the client.
func (a *App) routes() *echo.Echo {
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = a.handleError
	e.Use(logging.Middleware(a.logger))
	e.Use(a.securityHeaders)
	// Forms of this app may only be posted from its own pages: Go's
	// cross-origin protection rejects a POST that a browser says comes from
	// another origin (Sec-Fetch-Site, Origin), such as the authorization
	// server's pages on the same host.
	e.Use(a.sameOrigin(http.NewCrossOriginProtection()))

	e.GET("/healthz", a.handleHealthz)
	e.GET("/static/*", a.handleStatic(http.StripPrefix("/static/", http.FileServerFS(staticFS()))))

	e.GET("/", a.handleHome)
	e.POST("/connect", a.handleConnect)  // starts the flow: redirect to /authorize
	e.GET("/callback", a.handleCallback) // the redirect back: checks, then code exchange
	e.POST("/disconnect", a.handleDisconnect)

	e.GET("/tracks", a.handleTracks)
	e.GET("/playlists", a.handlePlaylists)
	e.POST("/playlists", a.handleCreatePlaylist)
	e.GET("/playlists/:id", a.handlePlaylist)
	e.POST("/playlists/:id", a.handleRenamePlaylist)
	e.POST("/playlists/:id/tracks", a.handleAddTrack)
	e.POST("/playlists/:id/tracks/remove", a.handleRemoveTrack)
	e.POST("/playlists/:id/delete", a.handleDeletePlaylist)

	e.GET("/charts", a.handleChartsPage)
	e.POST("/charts", a.handleCharts) // client credentials grant

	e.GET("/inspector", a.handleInspector)

	if a.lab != nil { // CLIENT_LAB: the attack lab, and nothing else, reaches package lab
		e.GET("/lab", a.handleLab)
		e.GET("/lab/rules", a.handleLabRules)
		e.POST("/lab/:id", a.handleLabRun)
	}
	return e
}
