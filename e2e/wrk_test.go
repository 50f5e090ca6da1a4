package e2e

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/oauthlab/oauthlab/shared/actortest"
)

// TestWrkTokens runs Debian's wrk with the committed script of `make
// loadtest-wrk` (wrk/tokens.lua) against the real authorization server for
// a second: the demo machine client gets its tokens, none fails, and the
// script's summary line says so. With a wrong secret every request fails,
// and the line says that too, so a script that counted nothing would fail
// this test.
func TestWrkTokens(t *testing.T) {
	t.Parallel()
	wrk := findTool(t, "the wrk load script's test", "wrk")
	addr := actortest.FreeAddr(t)
	base := "http://" + addr
	actortest.Start(t, "authserver", base,
		"AUTHSERVER_ADDR="+addr,
		"AUTHSERVER_ISSUER="+base,
		"AUTHSERVER_DB="+filepath.Join(t.TempDir(), "as.db"),
		"LOG_LEVEL=warn", // a line per request would bury a failure's log
	)

	t.Run("demo machine client", func(t *testing.T) {
		requests, failed, locked := runWrk(t, wrk, base+"/token")
		if requests == 0 || failed != 0 || locked != 0 {
			t.Fatalf("%d requests, %d failed, %d database is locked: want some requests, none failed", requests, failed, locked)
		}
	})
	t.Run("wrong secret", func(t *testing.T) {
		requests, failed, _ := runWrk(t, wrk, base+"/token", "WRK_CLIENT_SECRET=wrong")
		if failed == 0 || failed != requests {
			t.Fatalf("%d requests, %d failed: want every request to fail", requests, failed)
		}
	})
}

// wrkSummary is the line wrk/tokens.lua prints at the end of a run.
var wrkSummary = regexp.MustCompile(`(?m)^wrk-tokens: (\d+) requests in [\d.]+s: \d+/s, failed (\d+), database is locked (\d+), p50 [\d.]+ms p99 [\d.]+ms$`)

// runWrk runs wrk/tokens.lua for one second on two connections, with env
// (on top of PATH only, so a WRK_CLIENT_ID of the developer's shell cannot
// leak in), and returns the counts of its summary line.
func runWrk(t *testing.T, wrk, url string, env ...string) (requests, failed, locked int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, wrk, "-t1", "-c2", "-d1s", "--latency", "-s", filepath.Join("wrk", "tokens.lua"), url)
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH")}, env...)
	out, err := cmd.CombinedOutput()
	t.Logf("wrk %v:\n%s", env, out)
	if err != nil {
		t.Fatalf("wrk: %v", err)
	}
	m := wrkSummary.FindSubmatch(out)
	if m == nil {
		t.Fatal("no wrk-tokens summary line in wrk's output")
	}
	n := make([]int, 3)
	for i := range n {
		n[i], _ = strconv.Atoi(string(m[i+1])) // \d+: only an overflow could fail
	}
	return n[0], n[1], n[2]
}
