// Command loadgen drives running actors with a bounded load and reports
// throughput, latency and errors. It starts nothing itself (`make loadtest`
// starts the actors on SQLite, runs it, and stops them) and sends traffic to
// loopback addresses only.
//
//	loadgen -mode tokens   client_credentials grants at /token, as demo-machine
//	loadgen -mode flows    signed-in authorization code flows, as demo-client for alice:
//	                       GET /authorize with the session cookie, then the code
//	                       exchange at /token with PKCE (consent is remembered)
//	loadgen -mode api-bearer  GET /v1/charts at the resource API with a Bearer token
//	loadgen -mode api-dpop    the same with a DPoP-bound token and a fresh proof per call
//	loadgen -mode api-compare both, in alternating one-second blocks, and what a DPoP
//	                          call costs the -server-pid processes against a Bearer call
//
// Flags: -c concurrent workers (16), -d duration (10s, at most 5m), -n most
// operations in all (0: no limit), -authserver base URL, -redirect-uri the
// demo client's registered redirect URI, -api the resource API's base URL,
// -dpop-alg the proofs' algorithm (EdDSA or ES256), -server-pid the process
// ids whose CPU time to report per operation (Linux).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/oauthlab/oauthlab/shared/contract"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "loadgen:", err)
		os.Exit(1)
	}
}

// Bounds on a run, so that a mistyped flag cannot turn into an endless load.
const (
	maxDuration    = 5 * time.Minute
	maxConcurrency = 256
)

// config is one run.
type config struct {
	mode        string
	concurrency int
	duration    time.Duration
	maxOps      int
	authServer  string
	redirectURI string
	api         string
	dpopAlg     string
	// serverPIDs are the processes whose CPU time the report shows per
	// operation: what a request costs the server, apart from the generator.
	serverPIDs []int
}

// modes are the kinds of load, each with its unit in the report.
var modes = map[string]string{
	"tokens":     "token requests",
	"flows":      "flows (authorize + token exchange)",
	"api-bearer": "API calls with a Bearer token",
	"api-dpop":   "API calls with a DPoP-bound token and proof",
	// api-compare alternates the two above and reports each.
	"api-compare": "API calls, Bearer and DPoP in turn",
}

func parseFlags(args []string, stderr io.Writer) (config, error) {
	var c config
	fs := flag.NewFlagSet("loadgen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.mode, "mode", "tokens", "tokens (client_credentials), flows (authorization code with PKCE), api-bearer or api-dpop (calls to the resource API)")
	fs.IntVar(&c.concurrency, "c", 16, "concurrent workers")
	fs.DurationVar(&c.duration, "d", 10*time.Second, "how long to run (at most 5m)")
	fs.IntVar(&c.maxOps, "n", 0, "stop after this many operations in all (0: only the duration bounds the run)")
	fs.StringVar(&c.authServer, "authserver", contract.AuthServerURL, "the authorization server's base URL (loopback only)")
	fs.StringVar(&c.redirectURI, "redirect-uri", contract.WebClient.RedirectURI, "demo-client's registered redirect URI (flows)")
	fs.StringVar(&c.api, "api", contract.ResourceAPIURL, "the resource API's base URL (api-bearer, api-dpop; loopback only)")
	fs.StringVar(&c.dpopAlg, "dpop-alg", "EdDSA", "the DPoP proofs' algorithm (api-dpop): EdDSA or ES256")
	fs.Func("server-pid", "a server process whose CPU time to report per operation (repeat or comma-separate)", func(v string) error {
		for _, field := range strings.Split(v, ",") {
			pid, err := strconv.Atoi(strings.TrimSpace(field))
			if err != nil || pid < 1 {
				return fmt.Errorf("%q: want a process id", field)
			}
			c.serverPIDs = append(c.serverPIDs, pid)
		}
		return nil
	})
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	switch {
	case modes[c.mode] == "":
		return c, fmt.Errorf("-mode %q: want tokens, flows, api-bearer, api-dpop or api-compare", c.mode)
	case c.dpopAlg != "EdDSA" && c.dpopAlg != "ES256":
		return c, fmt.Errorf("-dpop-alg %q: want EdDSA or ES256", c.dpopAlg)
	case c.concurrency < 1 || c.concurrency > maxConcurrency:
		return c, fmt.Errorf("-c %d: want 1 to %d", c.concurrency, maxConcurrency)
	case c.duration <= 0 || c.duration > maxDuration:
		return c, fmt.Errorf("-d %s: want more than 0 and at most %s", c.duration, maxDuration)
	case c.maxOps < 0:
		return c, fmt.Errorf("-n %d: want 0 or more", c.maxOps)
	case c.maxOps > 0 && c.mode == "api-compare":
		return c, fmt.Errorf("-n: api-compare runs for -d, in blocks of %s", compareBlock)
	}
	c.authServer = strings.TrimRight(c.authServer, "/")
	if err := checkLoopback(c.authServer); err != nil {
		return c, fmt.Errorf("-authserver: %w", err)
	}
	c.api = strings.TrimRight(c.api, "/")
	if err := checkLoopback(c.api); err != nil {
		return c, fmt.Errorf("-api: %w", err)
	}
	return c, nil
}

// checkLoopback accepts only http(s) URLs whose host is localhost or a
// loopback address: a load generator must never be aimed at someone
// else's server. Names other than localhost are refused rather than
// resolved, as a name can resolve anywhere.
func checkLoopback(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return err
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return fmt.Errorf("%q: want an http:// or https:// URL", raw)
	}
	host := u.Hostname()
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	return fmt.Errorf("%q: refusing a host that is not loopback (localhost, 127.0.0.0/8, ::1)", host)
}

func run(ctx context.Context, args []string, stdout io.Writer) error {
	c, err := parseFlags(args, stdout)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	if err != nil {
		return err
	}
	var newWorker func(ctx context.Context) (operation, error)
	switch c.mode {
	case "tokens":
		newWorker = tokensWorker(c)
	case "flows":
		newWorker = flowsWorker(c)
	case "api-bearer", "api-dpop":
		newWorker = apiWorker(c, c.mode == "api-dpop")
	}
	target := c.authServer
	if strings.HasPrefix(c.mode, "api-") {
		target = c.api
	}
	fmt.Fprintf(stdout, "loadgen: %s against %s, %d workers, for %s", c.mode, target, c.concurrency, c.duration)
	if c.maxOps > 0 {
		fmt.Fprintf(stdout, " or %d operations", c.maxOps)
	}
	fmt.Fprintln(stdout)
	if c.mode == "api-compare" {
		return compareAPI(ctx, c, stdout)
	}
	r, err := drive(ctx, c, newWorker)
	if err != nil {
		return err
	}
	r.print(stdout, c.mode)
	return nil
}
