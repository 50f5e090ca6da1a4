package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/oauthlab/oauthlab/shared/contract"
	"github.com/oauthlab/oauthlab/shared/dpop"
)

// chartsPath is what the API modes call: the one endpoint of the resource
// API a client_credentials token (demo-machine, charts:read) may use.
const chartsPath = "/v1/charts?limit=10"

// apiWorker: each worker gets one token for demo-machine before the clock
// starts; each operation is then one GET /v1/charts at the resource API.
// Without DPoP the token is a Bearer token. With it, each worker has its own
// key, the token is bound to it (RFC 9449 §5), and every call carries a
// fresh proof signed here: the generator pays for the signing, the API for
// the check.
//
// The two modes side by side are the measure of what DPoP costs at the
// resource API: the API's CPU per request (-server-pid) in api-dpop
// against api-bearer.
func apiWorker(c config, withDPoP bool) func(context.Context) (operation, error) {
	transport := newTransport(c)
	return func(ctx context.Context) (operation, error) {
		var rt http.RoundTripper = transport
		scheme := "Bearer"
		if withDPoP {
			key, err := dpop.GenerateKey(c.dpopAlg)
			if err != nil {
				return nil, err
			}
			// One key per worker, as one key per client session: the
			// Transport adds the proof (with ath on API calls) and follows
			// a server's DPoP-Nonce if it asks for one (RFC 9449 §8, §9).
			rt = &dpop.Transport{Key: key, Base: transport}
			scheme = "DPoP"
		}
		client := &http.Client{Transport: rt, Timeout: 30 * time.Second}
		m := contract.MachineClient
		tr, err := requestToken(ctx, client, c.authServer, m.ID, m.Secret, url.Values{
			"grant_type": {"client_credentials"},
			"scope":      {strings.Join(m.Scopes, " ")},
		})
		if err != nil {
			return nil, err
		}
		// RFC 9449 §5: a token bound to the proof's key comes back as
		// token_type DPoP; a Bearer one here would measure the wrong thing.
		if !strings.EqualFold(tr.TokenType, scheme) {
			return nil, fmt.Errorf("token: token_type %q, want %s", tr.TokenType, scheme)
		}
		authorization := scheme + " " + tr.AccessToken
		op := func(ctx context.Context) error {
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.api+chartsPath, nil)
			if err != nil {
				return err
			}
			req.Header.Set("Authorization", authorization)
			status, _, _, err := send(client, req)
			if err != nil {
				return err
			}
			if status != http.StatusOK {
				return fmt.Errorf("api: status %d", status)
			}
			return nil
		}
		// One call before the clock starts, so that the API has the
		// token in its verified-token cache and the run is the steady state.
		if err := op(ctx); err != nil {
			return nil, err
		}
		return op, nil
	}
}

// compareBlock is how long each mode runs at a time in api-compare. Short
// blocks, alternating, give both modes the same machine: on a shared or
// throttled machine the speed drifts by more than DPoP's cost over a
// minute, which two runs one after the other would count as DPoP's.
const compareBlock = time.Second

// compareAPI is -mode api-compare: api-bearer and api-dpop workers (each
// c.concurrency of them) in alternating blocks for c.duration in all, then
// both reports and what a DPoP call cost the servers (-server-pid) against
// a Bearer call.
func compareAPI(ctx context.Context, c config, stdout io.Writer) error {
	bearer := result{errors: map[string]int{}}
	withDPoP := result{errors: map[string]int{}}
	bearerOps, setupErrs, err := setUp(ctx, c, apiWorker(c, false))
	if err != nil {
		return fmt.Errorf("api-bearer: %w", err)
	}
	bearer.setupErrs = setupErrs
	dpopOps, setupErrs, err := setUp(ctx, c, apiWorker(c, true))
	if err != nil {
		return fmt.Errorf("api-dpop: %w", err)
	}
	withDPoP.setupErrs = setupErrs
	blocks := 0
	for elapsed := time.Duration(0); elapsed < c.duration && ctx.Err() == nil; elapsed += 2 * compareBlock {
		bearer.add(measure(ctx, c, bearerOps, compareBlock))
		withDPoP.add(measure(ctx, c, dpopOps, compareBlock))
		blocks++
	}
	fmt.Fprintf(stdout, "%d alternating blocks of %s for each mode\n", blocks, compareBlock)
	bearer.print(stdout, "api-bearer")
	withDPoP.print(stdout, "api-dpop")
	b, d := len(bearer.latencies), len(withDPoP.latencies)
	if bearer.serverCPU > 0 && withDPoP.serverCPU > 0 && b > 0 && d > 0 {
		perBearer := float64(bearer.serverCPU.Microseconds()) / float64(b)
		perDPoP := float64(withDPoP.serverCPU.Microseconds()) / float64(d)
		fmt.Fprintf(stdout, "server CPU per call: DPoP %.0f µs, Bearer %.0f µs: a DPoP call costs %.2fx a Bearer call\n",
			perDPoP, perBearer, perDPoP/perBearer)
	}
	return nil
}
