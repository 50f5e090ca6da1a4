package dpop

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"math/big"
)

// DefaultAlgs is the allow-list a Verifier uses when none is given: the
// asymmetric JWS algorithms (RFC 7518 §3.1, RFC 8037 §3.1) this package
// implements. none and the HS* (shared-secret) algorithms are never
// possible: a proof must show possession of a private key.
var DefaultAlgs = []string{"EdDSA", "ES256", "ES384", "PS256", "RS256"}

// supportedAlg reports whether this package can verify alg at all.
func supportedAlg(alg string) bool {
	for _, a := range DefaultAlgs {
		if a == alg {
			return true
		}
	}
	return false
}

// keyFitsAlg reports whether jwk is a key for alg, so that an RSA key can
// never be used with ES256, or a P-384 key with ES256 (RFC 7518 §3.4: ES256
// means P-256 with SHA-256).
func keyFitsAlg(alg string, jwk JWK) bool {
	switch alg {
	case "EdDSA":
		return jwk.Kty == "OKP" && jwk.Crv == "Ed25519"
	case "ES256":
		return jwk.Kty == "EC" && jwk.Crv == "P-256"
	case "ES384":
		return jwk.Kty == "EC" && jwk.Crv == "P-384"
	case "PS256", "RS256":
		return jwk.Kty == "RSA"
	}
	return false
}

// verifySignature checks a JWS signature (RFC 7515 §5.2) over signingInput
// (the ASCII of "header.payload"). key has been checked to fit alg.
func verifySignature(alg string, key crypto.PublicKey, signingInput string, sig []byte) bool {
	switch alg {
	case "EdDSA":
		pub, ok := key.(ed25519.PublicKey)
		return ok && ed25519.Verify(pub, []byte(signingInput), sig)
	case "ES256":
		sum := sha256.Sum256([]byte(signingInput))
		return verifyECDSA(key, sum[:], sig, 32)
	case "ES384":
		sum := sha512.Sum384([]byte(signingInput))
		return verifyECDSA(key, sum[:], sig, 48)
	case "RS256", "PS256":
		pub, ok := key.(*rsa.PublicKey)
		if !ok {
			return false
		}
		sum := sha256.Sum256([]byte(signingInput))
		if alg == "RS256" {
			return rsa.VerifyPKCS1v15(pub, crypto.SHA256, sum[:], sig) == nil
		}
		// RFC 7518 §3.5: the PSS salt is as long as the hash.
		return rsa.VerifyPSS(pub, crypto.SHA256, sum[:], sig, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash}) == nil
	}
	return false
}

// verifyECDSA checks a JWS ECDSA signature, which RFC 7518 §3.4 encodes as
// the fixed-length R || S, not ASN.1.
func verifyECDSA(key crypto.PublicKey, digest, sig []byte, size int) bool {
	pub, ok := key.(*ecdsa.PublicKey)
	if !ok || len(sig) != 2*size {
		return false
	}
	r := new(big.Int).SetBytes(sig[:size])
	s := new(big.Int).SetBytes(sig[size:])
	return ecdsa.Verify(pub, digest, r, s)
}
