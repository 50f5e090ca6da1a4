package oauth

import (
	"context"
	"testing"

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
