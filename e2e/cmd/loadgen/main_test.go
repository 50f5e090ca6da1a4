package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/oauthlab/oauthlab/shared/actortest"
)

func TestOnlyLoopbackTargets(t *testing.T) {
	for target, ok := range map[string]bool{
		"http://localhost:9000":     true,
		"http://127.0.0.1:9000":     true,
		"http://127.3.4.5:9000":     true,
		"http://[::1]:9000":         true,
		"https://localhost":         true,
		"http://10.0.0.1:9000":      false,
		"http://192.168.1.10":       false,
		"http://example.com":        false,
		"http://localhost.evil.com": false,
		"http://[::ffff:10.0.0.1]":  false,
		"ftp://127.0.0.1":           false,
		"127.0.0.1:9000":            false,
	} {
		_, err := parseFlags([]string{"-authserver", target}, io.Discard)
		if (err == nil) != ok {
			t.Errorf("-authserver %s: err = %v, want accepted %v", target, err, ok)
		}
	}
}

func TestBoundedRuns(t *testing.T) {
	for _, args := range [][]string{
		{"-d", "6m"}, {"-d", "0s"}, {"-c", "0"}, {"-c", "1000"}, {"-n", "-1"}, {"-mode", "storm"}, {"extra"},
		{"-api", "http://10.0.0.1:9090"}, {"-dpop-alg", "HS256"}, {"-server-pid", "0"}, {"-server-pid", "x"},
		{"-mode", "api-compare", "-n", "10"},
	} {
		if _, err := parseFlags(args, io.Discard); err == nil {
			t.Errorf("%v: accepted, want refused", args)
		}
	}
	c, err := parseFlags(nil, io.Discard)
	if err != nil || c.duration.Seconds() != 10 || c.concurrency != 16 {
		t.Fatalf("defaults: %+v, %v", c, err)
	}
}

// Both modes against the real authorization server: every operation
// succeeds, and the report says so.
func TestAgainstTheAuthorizationServer(t *testing.T) {
	addr := actortest.FreeAddr(t)
	base := "http://" + addr
	redirect := "http://127.0.0.1:1/callback" // never called: loadgen does not follow it
	actortest.Start(t, "authserver", base,
		"AUTHSERVER_ADDR="+addr,
		"AUTHSERVER_ISSUER="+base,
		"AUTHSERVER_DB="+filepath.Join(t.TempDir(), "as.db"),
		"AUTHSERVER_DEMO_CLIENT_REDIRECT_URI="+redirect,
	)
	for _, mode := range []string{"tokens", "flows"} {
		t.Run(mode, func(t *testing.T) {
			var out bytes.Buffer
			err := run(context.Background(), []string{"-mode", mode, "-c", "4", "-n", "40", "-d", "30s",
				"-authserver", base, "-redirect-uri", redirect}, &out)
			if err != nil {
				t.Fatalf("%v\n%s", err, out.String())
			}
			report := out.String()
			t.Log(report)
			if !regexp.MustCompile(`(?m)^40 .* 0 failed$`).MatchString(report) ||
				!strings.Contains(report, `"database is locked": 0`) || !strings.Contains(report, "p99") {
				t.Fatalf("report:\n%s", report)
			}
		})
	}
}

// The API modes against the real authorization server and resource API:
// api-bearer and api-dpop succeed on every call (a DPoP worker starts only
// with a token_type DPoP token), and api-compare reports the API's CPU per
// call for both and their ratio.
func TestAgainstTheResourceAPI(t *testing.T) {
	dir := t.TempDir()
	asAddr, apiAddr := actortest.FreeAddr(t), actortest.FreeAddr(t)
	as, apiURL := "http://"+asAddr, "http://"+apiAddr
	actortest.Start(t, "authserver", as,
		"AUTHSERVER_ADDR="+asAddr, "AUTHSERVER_ISSUER="+as, "AUTHSERVER_AUDIENCE="+apiURL,
		"AUTHSERVER_DB="+filepath.Join(dir, "as.db"))
	api := actortest.Start(t, "resourceapi", apiURL,
		"RESOURCEAPI_ADDR="+apiAddr, "RESOURCEAPI_URL="+apiURL, "RESOURCEAPI_ISSUER="+as,
		"RESOURCEAPI_DB="+filepath.Join(dir, "api.db"))
	common := []string{"-c", "4", "-authserver", as, "-api", apiURL, "-server-pid", strconv.Itoa(api.PID())}
	for mode, extra := range map[string][]string{
		"api-bearer":  {"-n", "40", "-d", "30s"},
		"api-dpop":    {"-n", "40", "-d", "30s"},
		"api-compare": {"-d", "2s"},
	} {
		t.Run(mode, func(t *testing.T) {
			var out bytes.Buffer
			if err := run(context.Background(), append([]string{"-mode", mode}, append(common, extra...)...), &out); err != nil {
				t.Fatalf("%v\n%s", err, out.String())
			}
			report := out.String()
			t.Log(report)
			okRuns := regexp.MustCompile(`(?m)^\d+ API calls .* 0 failed$`).FindAllString(report, -1)
			switch {
			case mode != "api-compare" && (len(okRuns) != 1 || !strings.HasPrefix(okRuns[0], "40 ")):
				t.Fatalf("want 40 calls, none failed")
			case mode == "api-compare" && len(okRuns) != 2:
				t.Fatalf("want a report for each mode, no call failed")
			case mode == "api-compare" && (strings.Count(report, "server CPU: ") != 2 ||
				!regexp.MustCompile(`a DPoP call costs \d+\.\d\dx a Bearer call`).MatchString(report)):
				// Two seconds at the API are many clock ticks of its CPU.
				t.Fatalf("want the API's CPU for each mode and their ratio")
			}
		})
	}
}

// processesCPU reads a live process's CPU time, and refuses (0) when one of
// the processes has gone.
func TestProcessesCPU(t *testing.T) {
	self := os.Getpid()
	for start := time.Now(); time.Since(start) < 50*time.Millisecond; {
		// Spin so that at least one clock tick (10 ms) is used.
	}
	if got := processesCPU([]int{self}); got <= 0 {
		t.Fatalf("this process: %s, want more than 0", got)
	}
	if got := processesCPU([]int{self, 1 << 30}); got != 0 {
		t.Fatalf("with a process that does not exist: %s, want 0", got)
	}
}
