package main

import (
	"bytes"
	"context"
	"io"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

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
