// Command resourceapi is the resource server of the OAuth lab: a small music
// service whose API answers only requests with a valid access token from the
// authorization server, and only within the token's scopes.
//
//	resourceapi              serve (configuration from RESOURCEAPI_* variables)
//	resourceapi healthcheck  exit 0 when the running server's /healthz answers 200
package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/oauthlab/oauthlab/resourceapi/internal/config"
	"github.com/oauthlab/oauthlab/resourceapi/internal/oauth"
	"github.com/oauthlab/oauthlab/resourceapi/internal/store"
	"github.com/oauthlab/oauthlab/resourceapi/internal/web"
	"github.com/oauthlab/oauthlab/shared/dpop"
	"github.com/oauthlab/oauthlab/shared/logging"
	"github.com/oauthlab/oauthlab/shared/serve"
	"github.com/oauthlab/oauthlab/shared/sqldb"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args, os.Getenv, os.Stdout)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "resourceapi:", err)
		os.Exit(1)
	}
}

// tokenCacheSize bounds the caches of validated tokens (about 200 bytes an
// entry).
const tokenCacheSize = 100_000

func run(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	cfg, err := config.Load(getenv)
	if err != nil {
		return err
	}
	if len(args) > 1 {
		switch args[1] {
		case "healthcheck":
			return serve.Probe(cfg.Addr)
		default:
			return fmt.Errorf("unknown command %q (the only command is healthcheck)", args[1])
		}
	}
	logger := logging.New(stdout, "resourceapi", cfg.LogFormat, cfg.LogLevel)

	st, err := store.Open(ctx, cfg.DB)
	if err != nil {
		return err
	}
	defer st.Close()
	logger.Info("database", "dsn", sqldb.Redact(cfg.DB))
	if err := st.Seed(ctx, cfg.SeedDemo); err != nil {
		return fmt.Errorf("seed: %w", err)
	}

	backChannel := &http.Client{Timeout: 5 * time.Second}
	var validator oauth.Validator
	switch cfg.TokenValidation {
	case config.ValidationIntrospection:
		validator = oauth.NewIntrospector(oauth.IntrospectionConfig{
			URL:          cfg.IntrospectionURL,
			ClientID:     cfg.ClientID,
			ClientSecret: cfg.ClientSecret,
			Issuer:       cfg.Issuer,
			Audience:     cfg.URL,
			CacheSize:    tokenCacheSize,
			Client:       backChannel,
		})
	default:
		jwtValidator, err := oauth.NewLocalValidator(ctx, oauth.LocalConfig{
			JWKSURL:     cfg.JWKSURL,
			JWKSRefresh: cfg.JWKSRefresh,
			Issuer:      cfg.Issuer,
			Audience:    cfg.URL,
			MaxLifetime: cfg.MaxTokenLifetime,
			CacheSize:   tokenCacheSize,
			Client:      backChannel,
			Logger:      logger,
		})
		if err != nil {
			return err
		}
		validator = jwtValidator
	}
	logger.Info("token validation", "mode", cfg.TokenValidation, "issuer", cfg.Issuer, "audience", cfg.URL)

	proofs, err := dpopVerifier(ctx, st, logger)
	if err != nil {
		return err
	}
	handler := web.NewHandler(web.Config{
		Resource:       cfg.URL,
		Issuer:         cfg.Issuer,
		Store:          st,
		Validator:      validator,
		Health:         st.Ping,
		Logger:         logger,
		DPoP:           proofs,
		TrustedProxies: cfg.TrustedProxies,
	})
	return serve.Run(ctx, "resourceapi", cfg.Addr, handler, logger, stdout)
}

// dpopVerifier checks DPoP proofs (RFC 9449) with the replay cache in the
// store, so that every replica refuses a proof any of them accepted, behind
// a small in-process cache (dpop.LocalFirst), and sweeps the store's
// expired entries every minute.
func dpopVerifier(ctx context.Context, st *store.Store, logger *slog.Logger) (*dpop.Verifier, error) {
	go func() {
		t := time.NewTicker(time.Minute)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case now := <-t.C:
				if err := st.DeleteExpiredProofs(ctx, now); err != nil && ctx.Err() == nil {
					logger.Warn("dpop: sweep of the replay cache", "err", err)
				}
			}
		}
	}()
	return dpop.NewVerifier(dpop.VerifierConfig{Replay: dpop.LocalFirst(st)})
}
