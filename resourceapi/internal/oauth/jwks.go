package oauth

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/MicahParks/keyfunc/v3"
	"golang.org/x/time/rate"
)

// JWKSConfig configures the key set fetched from the authorization server.
type JWKSConfig struct {
	// URL of the JWK Set (RFC 7517 §5), the authorization server's jwks_uri.
	// It may differ from the issuer's host: under docker-compose the issuer is
	// http://localhost:9000 while the container reaches http://authserver:9000.
	URL string
	// RefreshInterval is how often the whole set is fetched again.
	RefreshInterval time.Duration
	// UnknownKIDInterval is the least time between two fetches caused by a
	// token whose `kid` is not in the set. A rotated key is picked up at
	// once; a flood of tokens with made-up kids costs one fetch per interval.
	UnknownKIDInterval time.Duration
	Client             *http.Client
	Logger             *slog.Logger
}

// NewJWKS returns the keyfunc that finds a token's verification key in the
// authorization server's JWK Set, using github.com/MicahParks/keyfunc (over
// jwkset). The set is fetched now and refreshed in the background until ctx
// ends. An authorization server that is not up yet is not an error: the set
// is fetched again when the first token arrives.
func NewJWKS(ctx context.Context, cfg JWKSConfig) (KeySet, error) {
	logger := cfg.Logger
	if logger == nil {
		logger = slog.Default()
	}
	client := cfg.Client
	if client == nil {
		client = &http.Client{Timeout: 5 * time.Second}
	}
	kf, err := keyfunc.NewDefaultOverrideCtx(ctx, []string{cfg.URL}, keyfunc.Override{
		Client:          client,
		HTTPTimeout:     5 * time.Second,
		RefreshInterval: cfg.RefreshInterval,
		// One refresh for an unknown kid per interval. A request that comes
		// while the limiter is closed does not queue behind it: the limiter
		// refuses at once when the wait would pass RateLimitWaitMax (which
		// also bounds the fetch), and the token is rejected as signed by an
		// unknown key.
		RefreshUnknownKID: rate.NewLimiter(rate.Every(cfg.UnknownKIDInterval), 1),
		RateLimitWaitMax:  3 * time.Second,
		RefreshErrorHandlerFunc: func(u string) func(ctx context.Context, err error) {
			return func(ctx context.Context, err error) {
				logger.WarnContext(ctx, "cannot fetch the authorization server's JWK Set; it is fetched again when a token names an unknown key", "url", u, "error", err)
			}
		},
	})
	if err != nil {
		return nil, fmt.Errorf("jwks: %w", err)
	}
	return kf, nil
}
