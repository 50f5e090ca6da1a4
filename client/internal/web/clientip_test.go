package web

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/oauthlab/oauthlab/client/internal/config"
	"github.com/oauthlab/oauthlab/client/internal/store"
)

// TestRealIPBelievesOnlyTrustedProxies: the app's c.RealIP() is the
// connection's address unless CLIENT_TRUSTED_PROXIES lists it
// (shared/clientip).
func TestRealIPBelievesOnlyTrustedProxies(t *testing.T) {
	st, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "client.db"), time.Now)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	for _, tc := range []struct{ trusted, want string }{
		{"", "10.0.0.2"},
		{"10.0.0.2", "203.0.113.9"},
	} {
		t.Run("CLIENT_TRUSTED_PROXIES="+tc.trusted, func(t *testing.T) {
			cfg, err := config.Load(func(k string) string {
				return map[string]string{"CLIENT_TRUSTED_PROXIES": tc.trusted, "CLIENT_LAB": "false"}[k]
			})
			if err != nil {
				t.Fatal(err)
			}
			e, err := New(cfg, st, slog.New(slog.DiscardHandler), time.Now)
			if err != nil {
				t.Fatal(err)
			}
			r := httptest.NewRequest(http.MethodGet, "/", nil)
			r.RemoteAddr = "10.0.0.2:4711"
			r.Header.Set("X-Forwarded-For", "203.0.113.9")
			r.Header.Set("X-Real-IP", "203.0.113.9")
			if got := e.NewContext(r, httptest.NewRecorder()).RealIP(); got != tc.want {
				t.Errorf("RealIP = %q, want %q", got, tc.want)
			}
		})
	}
}
