package oauth

import (
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// BenchmarkSign and BenchmarkVerify measure each supported algorithm on a
// realistic access token. The default (EdDSA) was chosen from these
// figures; see README.md.
//
//	go test ./authserver/internal/oauth -run '^$' -bench . -benchmem
func BenchmarkSign(b *testing.B) {
	for _, alg := range Algs {
		key, err := GenerateKey(alg, time.Now())
		if err != nil {
			b.Fatal(err)
		}
		claims := benchClaims()
		b.Run(alg, func(b *testing.B) {
			for b.Loop() {
				tok := jwt.NewWithClaims(key.Method(), claims)
				tok.Header["kid"] = key.KID
				if _, err := tok.SignedString(key.Private); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkVerify(b *testing.B) {
	for _, alg := range Algs {
		key, err := GenerateKey(alg, time.Now())
		if err != nil {
			b.Fatal(err)
		}
		signed, err := jwt.NewWithClaims(key.Method(), benchClaims()).SignedString(key.Private)
		if err != nil {
			b.Fatal(err)
		}
		pub := key.Private.Public()
		b.Run(alg, func(b *testing.B) {
			for b.Loop() {
				if _, err := jwt.Parse(signed, func(*jwt.Token) (any, error) { return pub, nil }); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func benchClaims() jwt.MapClaims {
	now := time.Now()
	return jwt.MapClaims{
		"iss": "http://localhost:9000", "sub": "demo-user-alice", "aud": "http://localhost:9090",
		"exp": now.Add(10 * time.Minute).Unix(), "iat": now.Unix(), "nbf": now.Unix(),
		"jti": "bench-jti-0123456789", "client_id": "demo-client", "scope": "tracks:read playlists:read",
	}
}
