package config

import (
	"fmt"
	"net/netip"
	"time"

	"github.com/oauthlab/oauthlab/shared/contract"
	"github.com/oauthlab/oauthlab/shared/envconfig"
)

// Podcasts is the podcasts API's configuration (cmd/podcastapi). Its
// variables mirror the music API's, with the PODCASTAPI_ prefix; it checks
// tokens locally as JWTs (RFC 9068) against the authorization server's
// JWK Set.
type Podcasts struct {
	Addr string // PODCASTAPI_ADDR: where to listen
	// URL is the resource identifier (PODCASTAPI_URL): the `aud` its tokens
	// must carry, and the `resource` of its metadata.
	URL string
	// Issuer is the authorization server's identifier (PODCASTAPI_ISSUER).
	Issuer string
	// JWKSURL is the back-channel URL of the JWK Set (PODCASTAPI_JWKS_URL).
	JWKSURL string
	// JWKSRefresh is how often the JWK Set is fetched again
	// (PODCASTAPI_JWKS_REFRESH).
	JWKSRefresh time.Duration
	// MaxTokenLifetime is the longest exp - iat an access token may claim
	// (PODCASTAPI_MAX_TOKEN_LIFETIME).
	MaxTokenLifetime time.Duration
	LogFormat        string
	LogLevel         string

	// TrustedProxies are the load balancers whose X-Forwarded-For is
	// believed (PODCASTAPI_TRUSTED_PROXIES, see shared/clientip).
	TrustedProxies []netip.Prefix
}

// LoadPodcasts reads the podcasts API's configuration through getenv.
func LoadPodcasts(getenv func(string) string) (Podcasts, error) {
	r := envconfig.New(getenv)
	c := Podcasts{
		Addr:      r.String("PODCASTAPI_ADDR", contract.PodcastsAPIAddr),
		URL:       r.URL("PODCASTAPI_URL", contract.PodcastsAPIURL),
		Issuer:    r.URL("PODCASTAPI_ISSUER", contract.AuthServerURL),
		LogFormat: r.OneOf("LOG_FORMAT", "text", "text", "json"),
		LogLevel:  r.OneOf("LOG_LEVEL", "info", "debug", "info", "warn", "error"),
	}
	c.JWKSURL = r.URL("PODCASTAPI_JWKS_URL", c.Issuer+"/.well-known/jwks.json")
	c.JWKSRefresh = r.Duration("PODCASTAPI_JWKS_REFRESH", time.Minute)
	c.MaxTokenLifetime = r.Duration("PODCASTAPI_MAX_TOKEN_LIFETIME", 15*time.Minute)
	c.TrustedProxies = r.IPRanges("PODCASTAPI_TRUSTED_PROXIES")
	if err := r.Err(); err != nil {
		return Podcasts{}, fmt.Errorf("configuration: %w", err)
	}
	return c, nil
}
