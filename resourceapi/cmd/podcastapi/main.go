// Command podcastapi is the second, tiny resource server of the demo: a
// podcasts API on :9091 with one scope, podcasts:read. It checks tokens
// with the music API's own code (internal/oauth, internal/web), so a token
// the authorization server issued for the music API, whose `aud` is the
// music API, is refused here (RFC 8707, RFC 9068 §4), and the reverse.
//
//	podcastapi              serve (configuration from PODCASTAPI_* variables)
//	podcastapi healthcheck  exit 0 when the running server's /healthz answers 200
package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/oauthlab/oauthlab/resourceapi/internal/config"
	"github.com/oauthlab/oauthlab/resourceapi/internal/oauth"
	"github.com/oauthlab/oauthlab/resourceapi/internal/web"
	"github.com/oauthlab/oauthlab/shared/logging"
	"github.com/oauthlab/oauthlab/shared/serve"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args, os.Getenv, os.Stdout)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "podcastapi:", err)
		os.Exit(1)
	}
}

// tokenCacheSize bounds the cache of validated tokens.
const tokenCacheSize = 10_000

func run(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	cfg, err := config.LoadPodcasts(getenv)
	if err != nil {
		return err
	}
	if len(args) > 1 {
		if args[1] == "healthcheck" {
			return serve.Probe(cfg.Addr)
		}
		return fmt.Errorf("unknown command %q (the only command is healthcheck)", args[1])
	}
	logger := logging.New(stdout, "podcastapi", cfg.LogFormat, cfg.LogLevel)
	validator, err := oauth.NewLocalValidator(ctx, oauth.LocalConfig{
		JWKSURL:     cfg.JWKSURL,
		JWKSRefresh: cfg.JWKSRefresh,
		Issuer:      cfg.Issuer,
		Audience:    cfg.URL,
		MaxLifetime: cfg.MaxTokenLifetime,
		CacheSize:   tokenCacheSize,
		Client:      &http.Client{Timeout: 5 * time.Second},
		Logger:      logger,
	})
	if err != nil {
		return err
	}
	logger.Info("token validation", "mode", "jwt", "issuer", cfg.Issuer, "audience", cfg.URL)
	handler := web.NewPodcastsHandler(web.PodcastsConfig{
		Resource: cfg.URL, Issuer: cfg.Issuer, Validator: validator, Logger: logger,
		TrustedProxies: cfg.TrustedProxies,
	})
	return serve.Run(ctx, "podcastapi", cfg.Addr, handler, logger, stdout)
}
