package web

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/oauthlab/oauthlab/resourceapi/internal/oauth"
	"github.com/oauthlab/oauthlab/resourceapi/internal/oauthtest"
	"github.com/oauthlab/oauthlab/resourceapi/internal/store"
	"github.com/oauthlab/oauthlab/shared/contract"
	"github.com/oauthlab/oauthlab/shared/logging"
)

// The benchmarks compare GET /v1/me/top-tracks (a real SQLite query) in
// three set-ups that differ only in how the caller is identified:
//
//	no-auth       the same handler behind a middleware that sets a fixed
//	              user: the ceiling
//	jwt-cached    the real router; the token is verified once, then found in
//	              the cache of verified tokens (what a real client does: it
//	              sends the same token until it expires)
//	jwt-uncached  the real router with the cache off: one ES256 signature
//	              check per request
//
// Run: go test ./resourceapi/internal/web -run '^$' -bench . -benchtime 3s

type benchSetup struct {
	name    string
	handler http.Handler
	token   string
}

func benchSetups(b *testing.B) []benchSetup {
	b.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	b.Cleanup(cancel)
	st, err := store.Open(ctx, filepath.Join(b.TempDir(), "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	if err := st.Seed(ctx, true); err != nil {
		b.Fatal(err)
	}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	signer := oauthtest.New(b, testIssuer, testResource)
	keys, err := oauth.NewJWKS(ctx, oauth.JWKSConfig{URL: signer.JWKSURL(), RefreshInterval: time.Hour, UnknownKIDInterval: time.Minute, Logger: logger})
	if err != nil {
		b.Fatal(err)
	}
	withAuth := func(cacheSize int) http.Handler {
		return NewHandler(Config{
			Resource: testResource, Issuer: testIssuer, Store: st, Logger: logger,
			Validator: oauth.NewJWTValidator(oauth.JWTConfig{Issuer: testIssuer, Audience: testResource, Keys: keys, CacheSize: cacheSize}),
		})
	}

	// The same handler, middleware and error handler, with the token check
	// replaced by a fixed user.
	noAuth := echo.New()
	noAuth.HTTPErrorHandler = errorHandler
	noAuth.Use(logging.Middleware(logger))
	noAuth.Use(recoverJSON)
	fixed := &oauth.Principal{Subject: contract.Alice.Subject, Scopes: []string{"tracks:read"}}
	noAuth.GET("/v1/me/top-tracks", handleTopTracks(st), func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			c.Set(principalKey, fixed)
			return next(c)
		}
	})

	token := signer.Token(contract.Alice.Subject, "tracks:read")
	return []benchSetup{
		{"no-auth", noAuth, ""},
		{"jwt-cached", withAuth(10_000), token},
		{"jwt-uncached", withAuth(0), token},
	}
}

// BenchmarkInProcess calls the handlers directly: no network, so the token
// check weighs as much as it can.
func BenchmarkInProcess(b *testing.B) {
	for _, s := range benchSetups(b) {
		b.Run(s.name, func(b *testing.B) {
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					req := httptest.NewRequest("GET", "/v1/me/top-tracks", nil)
					if s.token != "" {
						req.Header.Set("Authorization", "Bearer "+s.token)
					}
					rec := httptest.NewRecorder()
					s.handler.ServeHTTP(rec, req)
					if rec.Code != 200 {
						b.Fatalf("status %d: %s", rec.Code, rec.Body)
					}
				}
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
		})
	}
}

// BenchmarkLoopback sends real HTTP requests over 127.0.0.1 with keep-alive
// connections, as a client in the same data centre would.
func BenchmarkLoopback(b *testing.B) {
	for _, s := range benchSetups(b) {
		b.Run(s.name, func(b *testing.B) {
			srv := httptest.NewServer(s.handler)
			defer srv.Close()
			client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 256}}
			defer client.CloseIdleConnections()
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					req, _ := http.NewRequest("GET", srv.URL+"/v1/me/top-tracks", nil)
					if s.token != "" {
						req.Header.Set("Authorization", "Bearer "+s.token)
					}
					resp, err := client.Do(req)
					if err != nil {
						b.Fatal(err)
					}
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode != 200 {
						b.Fatalf("status %d", resp.StatusCode)
					}
				}
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
		})
	}
}

// BenchmarkAuthOverhead isolates the cost of the token check: the handler
// does nothing (204), so what differs between the two runs is the
// middleware alone.
func BenchmarkAuthOverhead(b *testing.B) {
	ctx, cancel := context.WithCancel(context.Background())
	b.Cleanup(cancel)
	signer := oauthtest.New(b, testIssuer, testResource)
	keys, err := oauth.NewJWKS(ctx, oauth.JWKSConfig{URL: signer.JWKSURL(), RefreshInterval: time.Hour, UnknownKIDInterval: time.Minute})
	if err != nil {
		b.Fatal(err)
	}
	validator := oauth.NewJWTValidator(oauth.JWTConfig{Issuer: testIssuer, Audience: testResource, Keys: keys, CacheSize: 1000})
	empty := func(c echo.Context) error { return c.NoContent(http.StatusNoContent) }
	fixed := &oauth.Principal{Subject: contract.Alice.Subject, Scopes: []string{"tracks:read"}}
	setups := []struct {
		name string
		mw   echo.MiddlewareFunc
	}{
		{"fixed-user", func(next echo.HandlerFunc) echo.HandlerFunc {
			return func(c echo.Context) error { c.Set(principalKey, fixed); return next(c) }
		}},
		{"bearer-jwt-cached", bearerAuth(validator, Realm, metadataURL, newProofCheck(Config{Resource: testResource}))("tracks:read")},
	}
	token := signer.Token(contract.Alice.Subject, "tracks:read")
	for _, s := range setups {
		e := echo.New()
		e.GET("/x", empty, s.mw)
		b.Run(s.name, func(b *testing.B) {
			b.ReportAllocs()
			req := httptest.NewRequest("GET", "/x", nil)
			req.Header.Set("Authorization", "Bearer "+token)
			for b.Loop() {
				rec := httptest.NewRecorder()
				e.ServeHTTP(rec, req)
				if rec.Code != http.StatusNoContent {
					b.Fatalf("status %d", rec.Code)
				}
			}
		})
	}
}
