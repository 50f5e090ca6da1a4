package web

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"testing"

	"github.com/labstack/echo/v4"
)

// TestRealIPBelievesOnlyTrustedProxies: both APIs' c.RealIP() is the
// connection's address unless it is a trusted proxy (shared/clientip).
func TestRealIPBelievesOnlyTrustedProxies(t *testing.T) {
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	balancer := []netip.Prefix{netip.MustParsePrefix("10.0.0.2/32")}
	for _, tc := range []struct {
		name string
		h    http.Handler
		want string
	}{
		{"music API, no proxy trusted", NewHandler(Config{Logger: logger}), "10.0.0.2"},
		{"music API behind the balancer", NewHandler(Config{Logger: logger, TrustedProxies: balancer}), "203.0.113.9"},
		{"podcasts API, no proxy trusted", NewPodcastsHandler(PodcastsConfig{Logger: logger}), "10.0.0.2"},
		{"podcasts API behind the balancer", NewPodcastsHandler(PodcastsConfig{Logger: logger, TrustedProxies: balancer}), "203.0.113.9"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, "/", nil)
			r.RemoteAddr = "10.0.0.2:4711"
			r.Header.Set("X-Forwarded-For", "203.0.113.9")
			r.Header.Set("X-Real-IP", "203.0.113.9")
			if got := tc.h.(*echo.Echo).NewContext(r, httptest.NewRecorder()).RealIP(); got != tc.want {
				t.Errorf("RealIP = %q, want %q", got, tc.want)
			}
		})
	}
}
