package dpop

import (
	"context"
	"strings"
	"testing"
)

func TestKeyProofsVerify(t *testing.T) {
	for _, alg := range []string{"ES256", "EdDSA"} {
		t.Run(alg, func(t *testing.T) {
			key, err := GenerateKey(alg)
			if err != nil {
				t.Fatal(err)
			}
			key.now = fixedClock
			proof, err := key.Proof("GET", "https://rs.example/api/notes?page=2#top", "tok", "n-1")
			if err != nil {
				t.Fatal(err)
			}
			v := newTestVerifier(t, VerifierConfig{})
			p, err := v.Verify(context.Background(), VerifyRequest{
				Proofs: []string{proof}, Method: "GET", URL: "https://rs.example/api/notes",
				AccessToken: "tok", ExpectedJKT: key.Thumbprint(),
			})
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if p.Header.Alg != alg || p.Claims.HTU != "https://rs.example/api/notes" || p.Claims.Nonce != "n-1" ||
				p.Claims.IAT != testNow.Unix() || len(p.Claims.JTI) < 16 || p.Header.JWK != key.PublicJWK() {
				t.Fatalf("proof = %+v", p)
			}

			// Round trip through PKCS #8: the same key, so the same thumbprint.
			der, err := key.MarshalPKCS8()
			if err != nil {
				t.Fatal(err)
			}
			again, err := ParseKey(der)
			if err != nil {
				t.Fatal(err)
			}
			if again.Thumbprint() != key.Thumbprint() || again.Alg() != alg {
				t.Fatalf("after PKCS #8: %s %s, want %s %s", again.Alg(), again.Thumbprint(), alg, key.Thumbprint())
			}

			// Two proofs never share a jti.
			other, _ := key.Proof("GET", "https://rs.example/api/notes", "tok", "")
			a, _ := Decode(proof)
			b, _ := Decode(other)
			if a.Claims.JTI == b.Claims.JTI {
				t.Fatal("two proofs with one jti")
			}
			if b.Claims.Nonce != "" || strings.Contains(other, "nonce") {
				t.Fatal("empty nonce was sent")
			}
		})
	}
}

func TestGenerateKeyRefusesOtherAlgs(t *testing.T) {
	for _, alg := range []string{"HS256", "none", "RS256", ""} {
		if _, err := GenerateKey(alg); err == nil {
			t.Errorf("GenerateKey(%q) succeeded", alg)
		}
	}
	if _, err := ParseKey([]byte("not DER")); err == nil {
		t.Error("ParseKey of garbage succeeded")
	}
}
