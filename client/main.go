// Command client is the demo OAuth 2.0 client: a web app that shows a
// person's music from the resource API after running the Authorization Code
// flow with PKCE, and records every step for its flow inspector.
//
//	client              serve the web app (CLIENT_ADDR, default :8080)
//	client charts       run the client credentials grant and print the charts
//	                    (-auth private_key_jwt: with a signed assertion, RFC 7523)
//	client healthcheck  exit 0 when the running app answers GET /healthz
//
// Configuration comes from CLIENT_* environment variables; see README.md.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/oauthlab/oauthlab/client/internal/config"
	"github.com/oauthlab/oauthlab/client/internal/machine"
	"github.com/oauthlab/oauthlab/client/internal/music"
	"github.com/oauthlab/oauthlab/client/internal/store"
	"github.com/oauthlab/oauthlab/client/internal/web"
	"github.com/oauthlab/oauthlab/shared/logging"
	"github.com/oauthlab/oauthlab/shared/serve"
	"github.com/oauthlab/oauthlab/shared/sqldb"
)

func main() {
	if err := run(context.Background(), os.Args, os.Getenv, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "client:", err)
		os.Exit(1)
	}
}

// run is the whole program; main only gives it the process's arguments,
// environment and output, so tests can run it too. It stops on SIGINT
// (Ctrl-C) and SIGTERM (docker stop).
func run(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	cfg, err := config.Load(getenv)
	if err != nil {
		return err
	}
	cmd := ""
	if len(args) > 1 {
		cmd = args[1]
	}
	switch cmd {
	case "":
		return serveApp(ctx, cfg, stdout)
	case "healthcheck":
		return serve.Probe(cfg.Addr)
	case "charts":
		return chartsCommand(ctx, cfg, args[2:], stdout)
	case "device":
		return deviceFlow(ctx, cfg, stdout)
	default:
		return fmt.Errorf("unknown command %q (want: charts, device, healthcheck, or none to serve)", cmd)
	}
}

func serveApp(ctx context.Context, cfg config.Config, stdout io.Writer) error {
	logger := logging.New(stdout, "client", cfg.LogFormat, cfg.LogLevel)
	var st store.All // main depends on the roles, not on the concrete store
	st, err := store.Open(ctx, cfg.DB, time.Now, store.WithAnonymousSessionTTL(cfg.AnonymousSessionTTL))
	if err != nil {
		return fmt.Errorf("open database %s: %w", sqldb.Redact(cfg.DB), err)
	}
	defer st.Close()
	purgeCtx, stopPurge := context.WithCancel(ctx)
	defer stopPurge()
	go st.PurgeEvery(purgeCtx, min(10*time.Minute, cfg.AnonymousSessionTTL/4), func(err error) {
		logger.Warn("purging old sessions failed", "err", err)
	})
	handler, err := web.New(cfg, st, logger, time.Now)
	if err != nil {
		return err
	}
	return serve.Run(ctx, "client", cfg.Addr, handler, logger, stdout)
}

// chartsCommand runs `client charts [-auth client_secret_basic|private_key_jwt]`.
func chartsCommand(ctx context.Context, cfg config.Config, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("charts", flag.ContinueOnError)
	fs.SetOutput(stdout)
	auth := fs.String("auth", "client_secret_basic", "how the machine client authenticates: client_secret_basic or private_key_jwt")
	if err := fs.Parse(args); err != nil {
		return err
	}
	switch *auth {
	case "client_secret_basic":
		return printCharts(ctx, cfg, stdout)
	case "private_key_jwt":
		return printChartsWithKey(ctx, cfg, stdout)
	}
	return fmt.Errorf("charts: -auth must be client_secret_basic or private_key_jwt")
}

// printChartsWithKey shows asymmetric client authentication step by step:
// a P-256 key kept in a 0600 file beside the database, a machine client
// registered with only its public key, then the client credentials grant
// with a signed assertion in place of a secret.
func printChartsWithKey(ctx context.Context, cfg config.Config, stdout io.Writer) error {
	run := newCLIRun(cfg)
	defer run.save(ctx, stdout)
	hc := run.rec.Client()
	dir := filepath.Dir(cfg.DB)
	keyPath := filepath.Join(dir, "machine-key.pem")
	key, created, err := machine.LoadOrCreateKey(keyPath)
	if err != nil {
		return fmt.Errorf("charts: key: %w", err)
	}
	verb := "using the"
	if created {
		verb = "created a new"
	}
	fmt.Fprintf(stdout, "1. Key (RFC 7518 §3.4, ES256): %s P-256 private key in %s (mode 0600); only its public half leaves this machine.\n", verb, keyPath)
	idPath := filepath.Join(dir, "machine-key-client-id")
	k := machine.KeyClient{KeyID: machine.KeyID(key), Key: key}
	if raw, err := os.ReadFile(idPath); err == nil && !created && len(raw) > 0 {
		k.ID = strings.TrimSpace(string(raw))
		fmt.Fprintf(stdout, "2. Registration (RFC 7591 §2): reusing client %s, registered earlier with this key's jwks.\n", k.ID)
	} else {
		if k, err = machine.RegisterKeyClient(ctx, hc, machine.RegisterURL(cfg), key); err != nil {
			return fmt.Errorf("charts: %w", err)
		}
		if err := os.WriteFile(idPath, []byte(k.ID+"\n"), 0o600); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "2. Registration (RFC 7591 §2): POST /register with token_endpoint_auth_method=private_key_jwt and jwks (public key, kid %s): client_id %s, no secret.\n", k.KeyID, k.ID)
	}
	fmt.Fprintf(stdout, "3. Client assertion (RFC 7523 §3): a JWT signed with the private key: iss = sub = %s, aud = %s, exp in 60 s, a fresh jti (single use).\n", k.ID, cfg.TokenURL)
	charts, tok, err := machine.ChartsWithKey(ctx, cfg, hc, k, time.Now())
	if err != nil {
		return fmt.Errorf("charts: %w", err)
	}
	fmt.Fprintf(stdout, "4. Token request (RFC 6749 §4.4, RFC 7523 §2.2): grant_type=client_credentials, client_assertion_type=jwt-bearer, client_assertion=…: got a %s token for %q.\n", tok.TokenType, tok.Extra("scope"))
	fmt.Fprintf(stdout, "5. API call (RFC 6750 §2.1): GET /v1/charts with the token.\n\n")
	return printChartList(charts, k.ID, stdout)
}

// printCharts is the command-line face of the client credentials grant: the
// same code as the web page's "Charts" button.
func printCharts(ctx context.Context, cfg config.Config, stdout io.Writer) error {
	charts, _, err := machine.Charts(ctx, cfg, &http.Client{Timeout: 10 * time.Second})
	if err != nil {
		return fmt.Errorf("charts: %w", err)
	}
	return printChartList(charts, cfg.MachineClientID, stdout)
}

func printChartList(charts music.Charts, clientID string, stdout io.Writer) error {
	fmt.Fprintf(stdout, "Charts, read by %s with the client credentials grant:\n\n", clientID)
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "RANK\tPLAYS\tTITLE\tARTIST")
	for _, e := range charts.Items {
		fmt.Fprintf(tw, "%d\t%d\t%s\t%s\n", e.Rank, e.Plays, e.Track.Title, e.Track.Artist)
	}
	return tw.Flush()
}
