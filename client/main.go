// Command client is the demo OAuth 2.0 client: a web app that shows a
// person's music from the resource API after running the Authorization Code
// flow with PKCE, and records every step for its flow inspector.
//
//	client              serve the web app (CLIENT_ADDR, default :8080)
//	client charts       run the client credentials grant and print the charts
//	client healthcheck  exit 0 when the running app answers GET /healthz
//
// Configuration comes from CLIENT_* environment variables; see README.md.
package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/oauthlab/oauthlab/client/internal/config"
	"github.com/oauthlab/oauthlab/client/internal/machine"
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
		return printCharts(ctx, cfg, stdout)
	default:
		return fmt.Errorf("unknown command %q (want: charts, healthcheck, or none to serve)", cmd)
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

// printCharts is the command-line face of the client credentials grant: the
// same code as the web page's "Charts" button.
func printCharts(ctx context.Context, cfg config.Config, stdout io.Writer) error {
	charts, _, err := machine.Charts(ctx, cfg, &http.Client{Timeout: 10 * time.Second})
	if err != nil {
		return fmt.Errorf("charts: %w", err)
	}
	fmt.Fprintf(stdout, "Charts, read by %s with the client credentials grant:\n\n", cfg.MachineClientID)
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "RANK\tPLAYS\tTITLE\tARTIST")
	for _, e := range charts.Items {
		fmt.Fprintf(tw, "%d\t%d\t%s\t%s\n", e.Rank, e.Plays, e.Track.Title, e.Track.Artist)
	}
	return tw.Flush()
}
