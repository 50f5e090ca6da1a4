package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/oauthlab/oauthlab/authserver/internal/config"
	"github.com/oauthlab/oauthlab/authserver/internal/oauth"
	"github.com/oauthlab/oauthlab/authserver/internal/store"
	"github.com/oauthlab/oauthlab/authserver/internal/throttle"
	"github.com/oauthlab/oauthlab/authserver/internal/web"
	"github.com/oauthlab/oauthlab/shared/contract"
	"github.com/oauthlab/oauthlab/shared/logging"
	"github.com/oauthlab/oauthlab/shared/serve"
	"github.com/oauthlab/oauthlab/shared/sqldb"
)

// The SQLite store is also the web layer's session store.
var _ web.SessionStore = (*store.DB)(nil)

func main() {
	if err := run(context.Background(), os.Args, os.Getenv, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "authserver:", err)
		os.Exit(1)
	}
}

// run is main with its dependencies passed in, so tests can call it.
func run(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()

	cfg, err := config.Load(getenv)
	if err != nil {
		return err
	}
	if len(args) < 2 {
		return serveHTTP(ctx, cfg, stdout)
	}
	switch args[1] {
	case "serve":
		return serveHTTP(ctx, cfg, stdout)
	case "healthcheck":
		return serve.Probe(cfg.Addr)
	case "clients":
		return clientsCommand(ctx, cfg, args[2:], stdout)
	case "keys":
		return keysCommand(ctx, cfg, args[2:], stdout)
	case "users":
		return usersCommand(ctx, cfg, args[2:], stdout)
	case "resources":
		return resourcesCommand(ctx, cfg, args[2:], stdout)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	return fmt.Errorf("unknown command %q\n%s", args[1], usage)
}

const usage = `usage:
  authserver                     serve HTTP (configured by AUTHSERVER_* variables)
  authserver healthcheck         exit 0 if the server on AUTHSERVER_ADDR is healthy
  authserver clients add [flags] register a client (see: authserver clients add -h)
  authserver clients list        list registered clients
  authserver keys rotate [flags] add a signing key: in the JWKS at once, signing after -publish-ahead (default 2m; 0: at once);
                                 -purpose id_token [-alg RS256] rotates the key that signs ID tokens and logout tokens
  authserver keys retire KID     take a key out of the JWKS at once (not one that signs now)
  authserver keys list           list access-token and ID-token keys and their state (published ahead, signing, published, retired, expired)
  authserver users add [flags]   add a user (see: authserver users add -h)
  authserver resources add [flags] add a protected resource and its scopes (see: authserver resources add -h)
  authserver resources list      list the protected resources and their scopes
`

func serveHTTP(ctx context.Context, cfg config.Config, stdout io.Writer) error {
	logger := logging.New(stdout, "authserver", cfg.LogFormat, cfg.LogLevel)
	var db store.Server
	db, err := store.Open(ctx, cfg.DBPath)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := seedResources(ctx, cfg, db); err != nil {
		return err
	}
	if cfg.SeedDemo {
		if err := db.SeedDemo(ctx, cfg.DemoClientRedirectURI); err != nil {
			return fmt.Errorf("seed demo data: %w", err)
		}
		if err := db.SetBackchannelLogoutURI(ctx, contract.WebClient.ID, cfg.DemoBackchannelLogoutURI); err != nil {
			return fmt.Errorf("seed demo data: %w", err)
		}
		logger.Info("demo users and clients seeded")
	}
	if err := oauth.EnsureKey(ctx, db, cfg.SigningAlg, time.Now()); err != nil {
		return fmt.Errorf("signing key: %w", err)
	}
	if err := oauth.EnsureIDTokenKey(ctx, db, time.Now()); err != nil {
		return fmt.Errorf("ID token signing key: %w", err)
	}
	// One CSRF key for every replica, kept across restarts.
	csrfKey, err := db.ServerSecret(ctx, "csrf_hmac_key", 32)
	if err != nil {
		return fmt.Errorf("csrf key: %w", err)
	}
	dpopOpts, err := dpopOptions(ctx, cfg, db)
	if err != nil {
		return err
	}
	srv, err := newServer(ctx, cfg, db)
	if err != nil {
		return err
	}
	srv.Logger = logger
	handler := web.New(web.Options{
		Server:               srv,
		Sessions:             db,
		Health:               db.Ping,
		Logger:               logger,
		CookieSecure:         cfg.CookieSecure,
		CSRFKey:              csrfKey,
		DemoHint:             cfg.SeedDemo,
		RegistrationToken:    cfg.RegistrationToken,
		RegistrationsPerHour: cfg.RegistrationsPerHour,
		DPoP:                 dpopOpts,
		TrustedProxies:       cfg.TrustedProxies,
		// The throttles count in the database, so that every replica
		// behind a load balancer counts the same failures.
		LoginFailures:        throttle.NewSharedCounter(db, "login:", time.Hour, time.Now, logger),
		ClientThrottle:       throttle.NewShared(db, "client-auth:", 30, 15*time.Minute, time.Now, logger),
		RegistrationThrottle: throttle.NewShared(db, "register:", cfg.RegistrationsPerHour, time.Hour, time.Now, logger),
	})
	if err := serve.Profile(ctx, cfg.PprofAddr, logger); err != nil {
		return err
	}
	go cleanUp(ctx, db, logger)
	logger.Info("starting", "issuer", cfg.Issuer, "audience", cfg.Audience, "db", sqldb.Redact(cfg.DBPath),
		"signing_alg", cfg.SigningAlg, "access_token_ttl", cfg.AccessTokenTTL.String(),
		"open_registration", cfg.RegistrationToken == "", "dpop_nonces", cfg.DPoPNonces,
		"trusted_proxies", fmt.Sprint(cfg.TrustedProxies))
	return serve.Run(ctx, "authserver", cfg.Addr, handler, logger, stdout)
}

// dpopOptions are the DPoP (RFC 9449) settings: the replay cache in the
// database and, with AUTHSERVER_DPOP_NONCES, a nonce key every replica
// shares.
func dpopOptions(ctx context.Context, cfg config.Config, db store.Server) (web.DPoPOptions, error) {
	o := web.DPoPOptions{Replay: db.DPoPReplayCache()}
	if cfg.DPoPNonces {
		key, err := db.ServerSecret(ctx, "dpop_nonce_key", 32)
		if err != nil {
			return o, fmt.Errorf("dpop nonce key: %w", err)
		}
		o.NonceKey = key
	}
	return o, nil
}

// protocolStore is what the protocol needs of the database: main and the
// CLI depend on these roles, not on the concrete store.
type protocolStore interface {
	oauth.Store
	oauth.KeyStore
	oauth.DeviceStore
	// Resources returns the registry of protected resources (RFC 8707).
	Resources(ctx context.Context) ([]oauth.Resource, error)
	// ServerSecret returns the key that encrypts client_secret_jwt secrets.
	ServerSecret(ctx context.Context, name string, size int) ([]byte, error)
}

// newServer builds the protocol server with the registry of protected
// resources as the database holds it now.
func newServer(ctx context.Context, cfg config.Config, db protocolStore) (*oauth.Server, error) {
	resources, err := db.Resources(ctx)
	if err != nil {
		return nil, fmt.Errorf("load protected resources: %w", err)
	}
	// One key for every replica, kept across restarts: it decrypts the
	// secrets of client_secret_jwt clients.
	secretKey, err := db.ServerSecret(ctx, oauth.ClientSecretKeyName, 32)
	if err != nil {
		return nil, fmt.Errorf("client secret key: %w", err)
	}
	return &oauth.Server{
		ClientSecretKey: secretKey,
		Store:           db,
		Resources:       oauth.NewRegistry(resources),
		Devices:         db,
		RequirePAR:      cfg.RequirePAR,
		DeviceInterval:  cfg.DeviceInterval,
		Keys:            oauth.NewKeys(db, cfg.AccessTokenTTL, time.Now),
		Issuer:          cfg.Issuer,
		Audience:        cfg.Audience,
		AccessTTL:       cfg.AccessTokenTTL,
		RefreshTTL:      cfg.RefreshTokenTTL,
		CodeTTL:         cfg.CodeTTL,
		Now:             time.Now,
	}, nil
}

// cleanUp deletes expired codes, tokens, sessions and pending
// authorization requests every hour, a day after they expired, so the
// database does not grow without bound. Of several replicas on one
// database, the one holding the lease cleans; the lease outlives a tick a
// little, so its holder keeps it, and another replica takes over within
// the hour after the holder stops.
func cleanUp(ctx context.Context, db store.MaintenanceStore, logger *slog.Logger) {
	const every = time.Hour
	holder := oauth.NewSecret()
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		now := time.Now()
		mine, err := db.TakeLease(ctx, "cleanup", holder, now, every+every/2)
		if err == nil && mine {
			cutoff := now.Add(-24 * time.Hour)
			if err = db.DeleteExpired(ctx, cutoff); err == nil {
				err = db.DeleteExpiredCounts(ctx, cutoff)
			}
		}
		if err != nil && ctx.Err() == nil {
			logger.Warn("clean up expired rows", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}
