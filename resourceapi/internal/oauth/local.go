package oauth

import (
	"context"
	"log/slog"
	"net/http"
	"time"
)

// unknownKIDInterval is the least time between two JWK Set fetches caused
// by tokens with a `kid` the set does not hold.
const unknownKIDInterval = 10 * time.Second

// LocalConfig configures NewLocalValidator: where the authorization server
// publishes its keys, and what a token for this API must say.
type LocalConfig struct {
	// JWKSURL is the authorization server's jwks_uri.
	JWKSURL string
	// JWKSRefresh is how often the whole key set is fetched again.
	JWKSRefresh time.Duration
	// Issuer is the exact `iss` expected.
	Issuer string
	// Audience is this API's resource identifier.
	Audience string
	// MaxLifetime is the longest exp - iat accepted; DefaultMaxLifetime if 0.
	MaxLifetime time.Duration
	// CacheSize bounds the cache of verified tokens; 0 disables it.
	CacheSize int
	// Client fetches the key set.
	Client *http.Client
	Logger *slog.Logger
}

// NewLocalValidator fetches the authorization server's JWK Set (NewJWKS,
// refreshed until ctx ends) and returns a validator that checks JWT access
// tokens against it locally (NewJWTValidator). Both resource servers of
// the demo build their validator this way.
func NewLocalValidator(ctx context.Context, cfg LocalConfig) (*JWTValidator, error) {
	keys, err := NewJWKS(ctx, JWKSConfig{
		URL:                cfg.JWKSURL,
		RefreshInterval:    cfg.JWKSRefresh,
		UnknownKIDInterval: unknownKIDInterval,
		Client:             cfg.Client,
		Logger:             cfg.Logger,
	})
	if err != nil {
		return nil, err
	}
	return NewJWTValidator(JWTConfig{
		Issuer:      cfg.Issuer,
		Audience:    cfg.Audience,
		Keys:        keys,
		CacheSize:   cfg.CacheSize,
		MaxLifetime: cfg.MaxLifetime,
	}), nil
}
