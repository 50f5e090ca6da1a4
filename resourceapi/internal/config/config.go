package config

import (
	"fmt"
	"net/netip"
	"time"

	"github.com/oauthlab/oauthlab/shared/contract"
	"github.com/oauthlab/oauthlab/shared/envconfig"
)

// Token validation modes.
const (
	ValidationJWT           = "jwt"
	ValidationIntrospection = "introspection"
)

// Config is the resource API's configuration.
type Config struct {
	Addr string // RESOURCEAPI_ADDR: where to listen
	// URL is the resource identifier (RESOURCEAPI_URL): the `aud` its tokens
	// must carry, and the `resource` of its metadata.
	URL string
	// Issuer is the authorization server's identifier (RESOURCEAPI_ISSUER):
	// the `iss` its tokens must carry.
	Issuer string
	// JWKSURL and IntrospectionURL are back-channel URLs; they may name
	// another host than Issuer (docker-compose).
	JWKSURL          string
	TokenValidation  string // jwt or introspection
	IntrospectionURL string
	ClientID         string // this API's identity at the introspection endpoint
	ClientSecret     string
	DB               string // a SQLite file path or a postgres:// URL (see shared/sqldb)
	SeedDemo         bool
	// JWKSRefresh is how often the JWK Set is fetched again even when no
	// token names an unknown key: a key the authorization server retired
	// stops being trusted within this time.
	JWKSRefresh time.Duration
	// MaxTokenLifetime is the longest exp - iat an access token may claim.
	MaxTokenLifetime time.Duration
	LogFormat        string
	LogLevel         string

	// TrustedProxies are the load balancers whose X-Forwarded-For is
	// believed (RESOURCEAPI_TRUSTED_PROXIES, see shared/clientip); none
	// means the connection's address is the caller's.
	TrustedProxies []netip.Prefix
}

// Load reads the configuration through getenv and reports every mistake at
// once.
func Load(getenv func(string) string) (Config, error) {
	r := envconfig.New(getenv)
	c := Config{
		Addr:            r.String("RESOURCEAPI_ADDR", contract.ResourceAPIAddr),
		URL:             r.URL("RESOURCEAPI_URL", contract.ResourceAPIURL),
		Issuer:          r.URL("RESOURCEAPI_ISSUER", contract.AuthServerURL),
		TokenValidation: r.OneOf("RESOURCEAPI_TOKEN_VALIDATION", ValidationJWT, ValidationJWT, ValidationIntrospection),
		ClientID:        r.String("RESOURCEAPI_CLIENT_ID", contract.ResourceAPIClient.ID),
		ClientSecret:    r.String("RESOURCEAPI_CLIENT_SECRET", contract.ResourceAPIClient.Secret),
		DB:              r.String("RESOURCEAPI_DB", "data/resourceapi.db"),
		SeedDemo:        r.Bool("RESOURCEAPI_SEED_DEMO", true),
		TrustedProxies:  r.IPRanges("RESOURCEAPI_TRUSTED_PROXIES"),
		LogFormat:       r.OneOf("LOG_FORMAT", "text", "text", "json"),
		LogLevel:        r.OneOf("LOG_LEVEL", "info", "debug", "info", "warn", "error"),
	}
	c.JWKSURL = r.URL("RESOURCEAPI_JWKS_URL", c.Issuer+"/.well-known/jwks.json")
	c.JWKSRefresh = r.Duration("RESOURCEAPI_JWKS_REFRESH", time.Minute)
	c.MaxTokenLifetime = r.Duration("RESOURCEAPI_MAX_TOKEN_LIFETIME", 15*time.Minute)
	c.IntrospectionURL = r.URL("RESOURCEAPI_INTROSPECTION_URL", c.Issuer+"/introspect")
	if err := r.Err(); err != nil {
		return Config{}, fmt.Errorf("configuration: %w", err)
	}
	return c, nil
}
