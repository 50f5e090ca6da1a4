package dpop

import (
	"context"
	"strings"
	"testing"
)

// BenchmarkVerify measures one proof check as a resource server does it
// (ath and jkt included), with a warm header cache, which is the steady
// state: a client sends the same header with every proof. "cold" empties
// the cache each time, as for a first proof. The proofs are made before the
// timer starts, each with its own jti, so the replay cache does real work.
func BenchmarkVerify(b *testing.B) {
	for _, alg := range []string{"EdDSA", "ES256"} {
		for _, cold := range []bool{false, true} {
			name := alg
			if cold {
				name += "/cold"
			}
			b.Run(name, func(b *testing.B) {
				key, err := GenerateKey(alg)
				if err != nil {
					b.Fatal(err)
				}
				key.now = fixedClock
				v := newTestVerifier(b, VerifierConfig{})
				proofs := make([]string, b.N)
				for i := range proofs {
					if proofs[i], err = key.Proof("GET", "https://rs.example/api/notes", "tok", ""); err != nil {
						b.Fatal(err)
					}
				}
				req := VerifyRequest{Method: "GET", URL: "https://rs.example/api/notes", AccessToken: "tok", ExpectedJKT: key.Thumbprint()}
				b.ReportAllocs()
				b.ResetTimer()
				for i := range b.N {
					if cold {
						v.parser.cache.entries = nil
					}
					req.Proofs = proofs[i : i+1]
					if _, err := v.Verify(context.Background(), req); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// BenchmarkProof measures making a proof, which the client does per request.
func BenchmarkProof(b *testing.B) {
	for _, alg := range []string{"EdDSA", "ES256"} {
		b.Run(alg, func(b *testing.B) {
			key, _ := GenerateKey(alg)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := key.Proof("GET", "https://rs.example/api/notes", "tok", ""); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkSignatureOnly is the floor: the bare signature check of the same
// proofs, which is also what checking a JWT access token signed with that
// algorithm costs. BenchmarkVerify minus this is the price of everything
// else Verify does.
func BenchmarkSignatureOnly(b *testing.B) {
	for _, alg := range []string{"EdDSA", "ES256"} {
		b.Run(alg, func(b *testing.B) {
			key, _ := GenerateKey(alg)
			proof, _ := key.Proof("GET", "https://rs.example/api/notes", "tok", "")
			p, err := Decode(proof)
			if err != nil {
				b.Fatal(err)
			}
			last := strings.LastIndexByte(proof, '.')
			sig, _ := decodeB64(proof[last+1:])
			b.ReportAllocs()
			for b.Loop() {
				if !verifySignature(alg, p.PublicKey, proof[:last], sig) {
					b.Fatal("signature")
				}
			}
		})
	}
}
