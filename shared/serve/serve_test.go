package serve

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/oauthlab/oauthlab/shared/actortest"
)

func TestRunServesUntilContextEnds(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var out actortest.SyncBuffer
	done := make(chan error, 1)
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "hello") })
	go func() {
		done <- Run(ctx, "test", "127.0.0.1:0", handler, slog.New(slog.DiscardHandler), &out)
	}()

	var addr string
	for deadline := time.Now().Add(5 * time.Second); addr == "" && time.Now().Before(deadline); {
		if line := out.String(); strings.HasPrefix(line, "test listening on ") {
			addr = strings.TrimSpace(strings.TrimPrefix(line, "test listening on "))
		} else {
			time.Sleep(10 * time.Millisecond)
		}
	}
	if addr == "" {
		t.Fatal("Run never announced its address")
	}
	resp, err := http.Get("http://" + addr)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(body) != "hello" {
		t.Fatalf("body = %q", body)
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Run returned %v after a clean shutdown", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return after the context ended")
	}
}

func TestRunReportsABusyAddress(t *testing.T) {
	err := Run(context.Background(), "test", "256.0.0.1:1", http.NotFoundHandler(), slog.New(slog.DiscardHandler), io.Discard)
	if err == nil {
		t.Fatal("want an error for an address that cannot be listened on")
	}
}

func TestProbe(t *testing.T) {
	healthy := true
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/healthz" || !healthy {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	}))
	defer srv.Close()
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())

	if err := Probe(":" + port); err != nil {
		t.Fatalf("healthy server: %v", err)
	}
	healthy = false
	if err := Probe(":" + port); err == nil {
		t.Fatal("a 503 must fail the probe")
	}
	if err := Probe("no-port"); err == nil {
		t.Fatal("a bad address must fail the probe")
	}
}

func TestProfileListensOnLoopbackOnly(t *testing.T) {
	logger := slog.New(slog.DiscardHandler)
	for _, addr := range []string{":6060", "0.0.0.0:6060", "192.0.2.1:6060", "[::]:6060", "no-port"} {
		if err := Profile(t.Context(), addr, logger); err == nil {
			t.Errorf("Profile(%q) = nil, want a refusal", addr)
		}
	}
	if err := Profile(t.Context(), "", logger); err != nil {
		t.Errorf("Profile(\"\") = %v, want nil (off)", err)
	}
}

func TestProfileServesCPUProfile(t *testing.T) {
	addr := actortest.FreeAddr(t)
	if err := Profile(t.Context(), addr, slog.New(slog.DiscardHandler)); err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get("http://" + addr + "/debug/pprof/profile?seconds=1")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || len(body) == 0 {
		t.Fatalf("profile: %d, %d bytes", resp.StatusCode, len(body))
	}
}
