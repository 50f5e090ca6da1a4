package web

import (
	"context"
	"log/slog"
	"net/http"
	"net/netip"

	"github.com/labstack/echo/v4"

	"github.com/oauthlab/oauthlab/resourceapi/internal/music"
	"github.com/oauthlab/oauthlab/resourceapi/internal/oauth"
	"github.com/oauthlab/oauthlab/shared/clientip"
	"github.com/oauthlab/oauthlab/shared/dpop"
	"github.com/oauthlab/oauthlab/shared/logging"
	"github.com/oauthlab/oauthlab/shared/scopes"
)

// Config is what the HTTP layer needs.
type Config struct {
	// Resource is this API's identifier (RESOURCEAPI_URL), the base of the
	// metadata URL announced in challenges.
	Resource string
	// Issuer is the authorization server announced in the metadata.
	Issuer    string
	Store     music.Store
	Validator oauth.Validator
	// Health reports whether the API can serve (the database answers).
	Health func(ctx context.Context) error
	Logger *slog.Logger
	// DPoP checks the proofs of DPoP-bound tokens (RFC 9449 §7); nil gives
	// a verifier with the defaults and an in-memory replay cache, right for
	// one replica only (main passes one with the store's replay cache).
	DPoP *dpop.Verifier
	// TrustedProxies are the load balancers whose X-Forwarded-For names
	// the caller's address (shared/clientip); none means the connection's.
	TrustedProxies []netip.Prefix
}

// Realm is the realm of the Bearer challenges (RFC 6750 §3).
const Realm = "music-api"

// newEcho returns a router with what both APIs share: JSON errors
// (errorHandler), the request log, recovery from panics, and c.RealIP()
// that believes X-Forwarded-For only from the trusted proxies.
func newEcho(logger *slog.Logger, trusted []netip.Prefix) *echo.Echo {
	e := echo.New()
	e.HideBanner = true
	e.HidePort = true
	e.IPExtractor = clientip.Extractor(trusted)
	e.HTTPErrorHandler = errorHandler
	e.Use(logging.Middleware(logger))
	e.Use(recoverJSON)
	return e
}

// NewHandler returns the API's router.
func NewHandler(cfg Config) http.Handler {
	e := newEcho(cfg.Logger, cfg.TrustedProxies)

	auth := bearerAuth(cfg.Validator, Realm, cfg.Resource+oauth.MetadataPath, newProofCheck(cfg))
	s := cfg.Store

	e.GET("/healthz", handleHealthz(cfg.Health))
	e.GET(oauth.MetadataPath, handleMetadata(cfg.Resource, cfg.Issuer))

	e.GET("/v1/me/top-tracks", handleTopTracks(s), auth(scopes.TracksRead))
	e.GET("/v1/me/playlists", handleListPlaylists(s), auth(scopes.PlaylistsRead))
	e.GET("/v1/me/playlists/:id", handleGetPlaylist(s), auth(scopes.PlaylistsRead))
	e.POST("/v1/me/playlists", handleCreatePlaylist(s), auth(scopes.PlaylistsWrite))
	e.PATCH("/v1/me/playlists/:id", handleUpdatePlaylist(s), auth(scopes.PlaylistsWrite))
	e.DELETE("/v1/me/playlists/:id", handleDeletePlaylist(s), auth(scopes.PlaylistsWrite))
	// The catalogue is not personal, but it is there to help a user build
	// playlists: any token with one of the user scopes may browse it.
	e.GET("/v1/tracks", handleListTracks(s), auth(scopes.PlaylistsRead, scopes.PlaylistsWrite, scopes.TracksRead))
	e.GET("/v1/charts", handleCharts(s), auth(scopes.ChartsRead))
	return e
}
