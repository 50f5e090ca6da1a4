package dpop

import (
	"context"
	"strings"
	"testing"
	"time"
)

// FuzzVerify feeds arbitrary DPoP header values to Verify. It must never
// panic, and whatever it accepts must be a proof that really verifies: the
// only acceptable proofs the fuzzer can reach are the seeds themselves.
func FuzzVerify(f *testing.F) {
	testKeys(f)
	seeds := []string{
		rfcTokenProof,
		rfcResourceProof,
		forge(f, "ES256", testEC256, goodHeader(f), goodClaims()),
		forge(f, "EdDSA", testEd, map[string]any{"typ": "dpop+jwt", "alg": "EdDSA", "jwk": jwkOf(f, testEd.Public())}, goodClaims()),
		forge(f, "RS256", testRSA, map[string]any{"typ": "dpop+jwt", "alg": "RS256", "jwk": jwkOf(f, &testRSA.PublicKey)}, goodClaims()),
		forge(f, "none", nil, map[string]any{"typ": "dpop+jwt", "alg": "none", "jwk": jwkOf(f, &testEC256.PublicKey)}, goodClaims()),
		"", ".", "..", "...", "a.b.c", "e30.e30.", "eyJ0eXAiOiJkcG9wK2p3dCJ9.e30.AA",
		strings.Repeat("A", 9000),
	}
	for _, s := range seeds {
		f.Add(s)
	}
	v := newTestVerifier(f, VerifierConfig{Window: 100 * 365 * 24 * time.Hour})
	f.Fuzz(func(t *testing.T, proof string) {
		p, err := v.Verify(context.Background(), VerifyRequest{Proofs: []string{proof}, Method: "POST", URL: "https://as.example/token"})
		if err != nil {
			return
		}
		// Accepted: it must be what Decode sees too, for the right request.
		d, derr := Decode(proof)
		if derr != nil || d.Thumbprint != p.Thumbprint || p.Claims.HTM != "POST" || p.Claims.JTI == "" {
			t.Fatalf("accepted %q as %+v, Decode: %+v %v", proof, p, d, derr)
		}
	})
}

// FuzzNormalizeHTU checks that normalising is idempotent and never panics,
// so both sides of the htu comparison reach the same form.
func FuzzNormalizeHTU(f *testing.F) {
	for _, s := range []string{"https://as.example/token", "HTTP://[::1]:80/%7e/a?b#c", "https://a:443", "http://x/%zz", "https://h/%2f%41"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		once, err := NormalizeHTU(raw)
		if err != nil {
			return
		}
		twice, err := NormalizeHTU(once)
		if err != nil || twice != once {
			t.Fatalf("NormalizeHTU(%q) = %q, then %q, %v", raw, once, twice, err)
		}
	})
}
