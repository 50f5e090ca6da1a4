package web

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/oauthlab/oauthlab/shared/clientip"
	"github.com/oauthlab/oauthlab/shared/logging"
)

// routes lists every route of the client.
func (a *App) routes() *echo.Echo {
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	// c.RealIP() believes X-Forwarded-For only from CLIENT_TRUSTED_PROXIES.
	e.IPExtractor = clientip.Extractor(a.cfg.TrustedProxies)
	e.HTTPErrorHandler = a.handleError
	e.Use(logging.Middleware(a.logger))
	e.Use(a.securityHeaders)
	// Forms of this app may only be posted from its own pages, with the
	// form token of the session they act in (csrf.go); planted duplicate
	// cookies are refused.
	e.Use(a.csrfProtect)
	// The back-channel logout endpoint (backchannel.go) is the one exception:
	// the OpenID Provider posts to it server to server, and its signed
	// logout token authenticates it.

	e.GET("/healthz", a.handleHealthz)
	e.GET("/static/*", a.handleStatic(http.StripPrefix("/static/", http.FileServerFS(staticFS()))))

	e.GET("/", a.handleHome)
	e.POST("/connect", a.handleConnect)  // starts the flow: redirect to /authorize
	e.GET("/callback", a.handleCallback) // the redirect back: checks, then code exchange
	e.POST("/disconnect", a.handleDisconnect)

	// OpenID Connect: signing out (RP-Initiated and Back-Channel Logout).
	e.GET("/signout", a.handleSignoutPage)
	e.POST("/signout/leave", a.handleLeave)                  // ends the client's session
	e.POST("/signout/everywhere", a.handleSignOutEverywhere) // and the provider's
	e.GET("/signed-out", a.handleSignedOut)                  // post_logout_redirect_uri
	e.POST(backChannelLogoutPath, a.handleBackChannelLogout)

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
	e.GET("/inspector/runs/:id", a.handleInspectorRun) // a command-line run; the id is the capability

	if a.lab != nil { // CLIENT_LAB: the attack lab, and nothing else, reaches package lab
		e.GET("/lab", a.handleLab)
		e.GET("/lab/rules", a.handleLabRules)
		e.POST("/lab/:id", a.handleLabRun)
	}
	return e
}
