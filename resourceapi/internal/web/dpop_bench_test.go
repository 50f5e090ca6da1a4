package web

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/oauthlab/oauthlab/resourceapi/internal/oauth"
	"github.com/oauthlab/oauthlab/resourceapi/internal/oauthtest"
	"github.com/oauthlab/oauthlab/resourceapi/internal/store"
	"github.com/oauthlab/oauthlab/shared/contract"
	"github.com/oauthlab/oauthlab/shared/dpop"
)

// BenchmarkDPoPVsBearer compares GET /v1/me/top-tracks on the real router
// (real SQLite query) with a Bearer token (its check cached, as in
// production) and with a DPoP-bound token and a fresh proof per request:
// one more signature check (the proof's) and one INSERT in the store's
// replay cache. "local-first" puts dpop.LocalFirst in front of the store;
// "memory" keeps the replay cache in memory instead, to show what the
// store costs. Proofs are made before the timer starts: the client's cost
// is not the server's.
//
// The request cost that the 2x goal of DPoP is about is the loopback row:
// a real HTTP request, whose parsing and answer every client pays for. The
// in-process rows leave HTTP out, so there one signature check (about as
// dear as a whole cached Bearer request) weighs far more.
//
// Run: go test ./resourceapi/internal/web -run '^$' -bench DPoPVsBearer -benchtime 1s -count 3
// (in-process and loopback are serial; in-process-parallel uses
// b.RunParallel).
func BenchmarkDPoPVsBearer(b *testing.B) {
	ctx := context.Background()
	signer := oauthtest.New(b, testIssuer, testResource)
	st, err := store.Open(ctx, filepath.Join(b.TempDir(), "api.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	if err := st.Seed(ctx, true); err != nil {
		b.Fatal(err)
	}
	keys, err := oauth.NewJWKS(ctx, oauth.JWKSConfig{URL: signer.JWKSURL(), RefreshInterval: time.Hour, UnknownKIDInterval: time.Minute})
	if err != nil {
		b.Fatal(err)
	}
	handler := func(replay dpop.ReplayCache) http.Handler {
		return NewHandler(Config{
			Resource: testResource, Issuer: testIssuer, Store: st,
			Validator: oauth.NewJWTValidator(oauth.JWTConfig{Issuer: testIssuer, Audience: testResource, Keys: keys, CacheSize: 1000}),
			Health:    st.Ping, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
			DPoP: mustVerifier(b, dpop.VerifierConfig{Replay: replay}),
		})
	}
	const path = "/v1/me/top-tracks"
	bearer := signer.Token(contract.Alice.Subject, "tracks:read")
	type setup struct {
		name string
		alg  string // "" for Bearer
		// replay makes the replay cache of one run: a fresh one each
		// time, so that the memory cache never fills up.
		replay func() dpop.ReplayCache
	}
	store := func() dpop.ReplayCache { return st }
	setups := []setup{
		{"bearer-cached", "", store},
		{"dpop-EdDSA", "EdDSA", store},
		{"dpop-ES256", "ES256", store},
		{"dpop-EdDSA-local-first", "EdDSA", func() dpop.ReplayCache { return dpop.LocalFirst(st) }},
		// The floor, not a production setup: a replay cache in this
		// process's memory, right for one replica only. The difference to
		// dpop-EdDSA is what the shared store costs.
		{"dpop-EdDSA-memory", "EdDSA", func() dpop.ReplayCache { return dpop.NewMemoryReplayCache(1<<22, nil) }},
	}
	// requests makes n requests for base, each with its own proof.
	requests := func(b *testing.B, s setup, base string, n int) []*http.Request {
		token, scheme := bearer, "Bearer "
		var key *dpop.Key
		if s.alg != "" {
			if key, err = dpop.GenerateKey(s.alg); err != nil {
				b.Fatal(err)
			}
			claims := signer.Claims(contract.Alice.Subject, "tracks:read")
			claims["cnf"] = map[string]string{"jkt": key.Thumbprint()}
			token, scheme = signer.Sign("ES256", claims, nil), "DPoP "
		}
		reqs := make([]*http.Request, n)
		for i := range reqs {
			reqs[i], _ = http.NewRequest("GET", base+path, nil)
			reqs[i].Header.Set("Authorization", scheme+token)
			if key != nil {
				reqs[i].Header.Set("DPoP", proofFor(b, key, "GET", path, token))
			}
		}
		return reqs
	}
	for _, s := range setups {
		b.Run("in-process/"+s.name, func(b *testing.B) {
			h := handler(s.replay())
			reqs := requests(b, s, testResource, b.N)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, reqs[i])
				if rec.Code != http.StatusOK {
					b.Fatalf("status %d: %s", rec.Code, rec.Body)
				}
			}
		})
	}
	// parallel: the same requests from GOMAXPROCS goroutines at once, so
	// ns/op is CPU cost per request under concurrency, what a busy server
	// pays (the serial figures include time spent waiting for SQLite).
	for _, s := range setups {
		b.Run("in-process-parallel/"+s.name, func(b *testing.B) {
			h := handler(s.replay())
			reqs := requests(b, s, testResource, b.N)
			var next atomic.Int64
			b.ReportAllocs()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					rec := httptest.NewRecorder()
					h.ServeHTTP(rec, reqs[next.Add(1)-1])
					if rec.Code != http.StatusOK {
						b.Errorf("status %d: %s", rec.Code, rec.Body)
						return
					}
				}
			})
		})
	}
	for _, s := range setups {
		b.Run("loopback/"+s.name, func(b *testing.B) {
			srv := httptest.NewServer(handler(s.replay()))
			defer srv.Close()
			client := &http.Client{}
			defer client.CloseIdleConnections()
			reqs := requests(b, s, srv.URL, b.N)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				resp, err := client.Do(reqs[i])
				if err != nil {
					b.Fatal(err)
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					b.Fatalf("status %d", resp.StatusCode)
				}
			}
		})
	}
}
