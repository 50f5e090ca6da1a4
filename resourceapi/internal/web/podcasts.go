package web

import (
	"context"
	"log/slog"
	"net/http"
	"net/netip"

	"github.com/labstack/echo/v4"

	"github.com/oauthlab/oauthlab/resourceapi/internal/oauth"
	"github.com/oauthlab/oauthlab/resourceapi/internal/podcasts"
	"github.com/oauthlab/oauthlab/shared/dpop"
	"github.com/oauthlab/oauthlab/shared/scopes"
)

// PodcastsConfig is what the podcasts API's HTTP layer needs. The token
// checks are the music API's own (bearerAuth over an oauth.Validator), so
// whatever they enforce, this API enforces too.
type PodcastsConfig struct {
	// Resource is this API's identifier (PODCASTAPI_URL): the `aud` its
	// tokens must carry.
	Resource  string
	Issuer    string
	Validator oauth.Validator
	Health    func(ctx context.Context) error
	Logger    *slog.Logger
	// DPoP checks the proofs of DPoP-bound tokens (RFC 9449 §7); nil gives
	// a verifier with an in-memory replay cache. The podcasts API keeps no
	// database, so that is right for one replica only: several replicas
	// would need a shared replay cache like the music API's store.
	DPoP *dpop.Verifier
	// TrustedProxies are the load balancers whose X-Forwarded-For names
	// the caller's address (shared/clientip); none means the connection's.
	TrustedProxies []netip.Prefix
}

// PodcastsRealm is the realm of the podcasts API's Bearer challenges.
const PodcastsRealm = "podcasts-api"

// NewPodcastsHandler returns the podcasts API's router.
func NewPodcastsHandler(cfg PodcastsConfig) http.Handler {
	e := newEcho(cfg.Logger, cfg.TrustedProxies)

	auth := bearerAuth(cfg.Validator, PodcastsRealm, cfg.Resource+oauth.MetadataPath,
		newProofCheck(Config{Resource: cfg.Resource, DPoP: cfg.DPoP}))
	e.GET("/healthz", handleHealthz(cfg.Health))
	e.GET(oauth.MetadataPath, handleResourceMetadata(oauth.Metadata{
		Resource:               cfg.Resource,
		AuthorizationServers:   []string{cfg.Issuer},
		ScopesSupported:        []string{scopes.PodcastsRead},
		BearerMethodsSupported: []string{"header"},
		ResourceName:           "Podcasts API (demo resource server)",
	}))
	e.GET("/v1/me/podcasts", handlePodcasts, auth(scopes.PodcastsRead))
	return e
}

// handlePodcasts lists the user's podcast subscriptions.
func handlePodcasts(c echo.Context) error {
	return c.JSON(http.StatusOK, map[string]any{"items": podcasts.Subscriptions(principal(c).Subject)})
}

// handleResourceMetadata serves protected resource metadata (RFC 9728 §3).
func handleResourceMetadata(md oauth.Metadata) echo.HandlerFunc {
	return func(c echo.Context) error {
		c.Response().Header().Set(echo.HeaderCacheControl, "public, max-age=3600")
		return c.JSON(http.StatusOK, md)
	}
}
