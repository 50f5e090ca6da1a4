package oauth

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
)

// PKCE (RFC 7636). Only S256 is accepted: RFC 9700 §2.1.1 says "plain" must
// not be used, since it protects nothing once the request is seen.
const PKCEMethodS256 = "S256"

// isUnreserved reports whether c is in RFC 3986 §2.3 unreserved, the
// alphabet of a code verifier (RFC 7636 §4.1).
func isUnreserved(c byte) bool {
	return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' ||
		c == '-' || c == '.' || c == '_' || c == '~'
}

// ValidVerifier reports whether v is a well-formed code verifier:
// RFC 7636 §4.1: 43 to 128 unreserved characters.
func ValidVerifier(v string) bool {
	if len(v) < 43 || len(v) > 128 {
		return false
	}
	for i := 0; i < len(v); i++ {
		if !isUnreserved(v[i]) {
			return false
		}
	}
	return true
}

// ValidS256Challenge reports whether c can be an S256 challenge: the
// base64url (no padding) of a SHA-256, hence exactly 43 characters
// (RFC 7636 §4.2).
func ValidS256Challenge(c string) bool {
	if len(c) != 43 {
		return false
	}
	_, err := base64.RawURLEncoding.DecodeString(c)
	return err == nil
}

// S256Challenge computes BASE64URL(SHA256(verifier)) (RFC 7636 §4.2).
func S256Challenge(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// VerifyS256 checks a verifier against the stored challenge
// (RFC 7636 §4.6), in constant time.
func VerifyS256(verifier, challenge string) bool {
	got := S256Challenge(verifier)
	return subtle.ConstantTimeCompare([]byte(got), []byte(challenge)) == 1
}
