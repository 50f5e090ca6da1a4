package oauth

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/oauthlab/oauthlab/resourceapi/internal/oauthtest"
)

// BenchmarkValidate measures the token check alone: the cost a request pays
// for being authorized, with and without the cache of verified tokens, for
// each accepted algorithm.
func BenchmarkValidate(b *testing.B) {
	s := oauthtest.New(b, "http://as.test", "http://api.test")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	keys, err := NewJWKS(ctx, JWKSConfig{URL: s.JWKSURL(), RefreshInterval: 3600e9, UnknownKIDInterval: 60e9})
	if err != nil {
		b.Fatal(err)
	}
	for _, alg := range Algorithms {
		tok := s.Sign(alg, s.Claims("demo-user-alice", "tracks:read"), nil)
		for _, c := range []struct {
			name string
			size int
		}{{"cached", 1000}, {"uncached", 0}} {
			v := NewJWTValidator(JWTConfig{Issuer: s.Issuer, Audience: s.Audience, Keys: keys, CacheSize: c.size})
			b.Run(alg+"/"+c.name, func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if _, err := v.Validate(ctx, tok); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

func BenchmarkBearerToken(b *testing.B) {
	r := Request{Authorization: []string{"Bearer eyJhbGciOiJFUzI1NiIsImtpZCI6ImsxIiwidHlwIjoiYXQrand0In0.eyJzdWIiOiJ4In0.c2ln"}}
	for b.Loop() {
		if _, err := BearerToken(r); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkIntrospect measures introspection mode against a local fake
// endpoint (loopback, no real database behind it): the round trip a request
// pays when the answer is not cached, and the cache hit when it is.
func BenchmarkIntrospect(b *testing.B) {
	fake := &fakeIntrospection{answers: map[string]map[string]any{
		"tok": {"active": true, "scope": "tracks:read", "client_id": "demo-client", "sub": "demo-user-alice", "token_type": "Bearer"},
	}}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	for _, c := range []struct {
		name string
		ttl  time.Duration
	}{{"cached", DefaultIntrospectionCacheTTL}, {"uncached", -1}} {
		in := NewIntrospector(IntrospectionConfig{URL: srv.URL, ClientID: "music-api", ClientSecret: "s3cret", CacheTTL: c.ttl, CacheSize: 100})
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := in.Validate(context.Background(), "tok"); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
