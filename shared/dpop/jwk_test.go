package dpop

import "testing"

func TestThumbprintVectors(t *testing.T) {
	cases := []struct {
		name string
		jwk  JWK
		want string
	}{
		{
			name: "RFC 7638 §3.1 (RSA)",
			jwk: JWK{Kty: "RSA", E: "AQAB",
				N: "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw"},
			want: "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs",
		},
		{
			name: "RFC 8037 Appendix A.3 (Ed25519)",
			jwk:  JWK{Kty: "OKP", Crv: "Ed25519", X: "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"},
			want: "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k",
		},
		{
			name: "RFC 9449 §6.1 (EC P-256)",
			jwk:  JWK{Kty: "EC", Crv: "P-256", X: "l8tFrhx-34tV3hRICRDY9zCkDlpBhF42UQUfWVAWBFs", Y: "9VE4jf_Ok_o64zbTTlcuNJajHmt6v9TDVrU0CdvGRDA"},
			want: rfcJKT,
		},
	}
	for _, tc := range cases {
		got, err := Thumbprint(tc.jwk)
		if err != nil || got != tc.want {
			t.Errorf("%s: Thumbprint = %q, %v; want %q", tc.name, got, err, tc.want)
		}
	}
}

func TestThumbprintRefusesIncompleteKeys(t *testing.T) {
	for _, jwk := range []JWK{
		{},
		{Kty: "oct"},
		{Kty: "EC", Crv: "P-256", X: "AAAA"},
		{Kty: "OKP", Crv: "X25519", X: "AAAA"},
		{Kty: "RSA", N: "AAAA"},
		{Kty: "EC", Crv: "P-256", X: `A","kty":"RSA`, Y: "AAAA"},
	} {
		if got, err := Thumbprint(jwk); err == nil {
			t.Errorf("Thumbprint(%+v) = %q, want an error", jwk, got)
		}
	}
}

func TestPublicKeyRSAExponent(t *testing.T) {
	n := b64(make([]byte, 256))
	nOK := "1" + n[1:]                                             // top bits set: 2048 bits
	for _, e := range []string{"AQ", "Ag", "AAEAAQ", "AQAAAAAB"} { // 1, 2, leading zero, too long
		if _, err := (JWK{Kty: "RSA", N: nOK, E: e}).publicKey(); err == nil {
			t.Errorf("exponent %q accepted", e)
		}
	}
	if _, err := (JWK{Kty: "RSA", N: nOK, E: "AQAB"}).publicKey(); err != nil {
		t.Errorf("exponent 65537 refused: %v", err)
	}
	if _, err := (JWK{Kty: "RSA", N: "AA" + nOK[2:], E: "AQAB"}).publicKey(); err == nil {
		t.Errorf("modulus with a leading zero octet accepted")
	}
}
