package oauth

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
)

// NewSecret returns 32 random bytes, base64url without padding: 256 bits,
// far beyond the 128 bits RFC 6749 §10.10 asks of codes and tokens.
func NewSecret() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return base64.RawURLEncoding.EncodeToString(b)
}

// HashSecret returns the SHA-256 of a code or refresh token, base64url. Only
// this is stored (RFC 6819 §5.1.4.1.3): a leaked database yields no usable
// code or token. A plain hash suffices because the values are 256-bit
// random, so there is nothing to guess.
func HashSecret(s string) string {
	sum := sha256.Sum256([]byte(s))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}
