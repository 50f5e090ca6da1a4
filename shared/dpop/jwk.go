package dpop

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"math/big"
)

// JWK is a public JSON Web Key (RFC 7517) of one of the three kinds DPoP
// uses here: OKP (Ed25519, RFC 8037), EC (P-256, P-384) and RSA (RFC 7518
// §6). Only the public members exist in this type, so a JWK value can never
// carry a private key onwards.
type JWK struct {
	Kty string `json:"kty"`
	Crv string `json:"crv,omitempty"`
	X   string `json:"x,omitempty"`
	Y   string `json:"y,omitempty"`
	N   string `json:"n,omitempty"`
	E   string `json:"e,omitempty"`
}

// headerJWK is what a proof's jwk header may hold: the public members, plus
// the private ones, which are decoded only to be refused.
type headerJWK struct {
	JWK
	D   json.RawMessage `json:"d"`
	P   json.RawMessage `json:"p"`
	Q   json.RawMessage `json:"q"`
	DP  json.RawMessage `json:"dp"`
	DQ  json.RawMessage `json:"dq"`
	QI  json.RawMessage `json:"qi"`
	Oth json.RawMessage `json:"oth"`
	K   json.RawMessage `json:"k"`
}

func (h *headerJWK) hasPrivateMembers() bool {
	return h.D != nil || h.P != nil || h.Q != nil || h.DP != nil || h.DQ != nil ||
		h.QI != nil || h.Oth != nil || h.K != nil
}

// The RSA key sizes accepted: below 2048 bits is breakable (NIST SP 800-131A),
// above 4096 costs verification time for no gain and invites CPU exhaustion.
const (
	minRSABits = 2048
	maxRSABits = 4096
)

var errBadJWK = errors.New("dpop: malformed or unsupported JWK")

// Thumbprint is the RFC 7638 JWK SHA-256 thumbprint of jwk, base64url
// without padding: the jkt that cnf.jkt (RFC 9449 §6) and dpop_jkt (§10)
// carry. It fails for a JWK that lacks a required member or has a kty other
// than OKP, EC and RSA.
func Thumbprint(jwk JWK) (string, error) {
	// RFC 7638 §3.2: only the required members, in lexicographic order, with
	// no whitespace. Members are checked to be base64url or a known curve
	// name, so none needs JSON escaping.
	var canonical string
	switch jwk.Kty {
	case "OKP":
		if !knownCurve(jwk.Crv) || !isBase64URL(jwk.X) {
			return "", errBadJWK
		}
		canonical = `{"crv":"` + jwk.Crv + `","kty":"OKP","x":"` + jwk.X + `"}`
	case "EC":
		if !knownCurve(jwk.Crv) || !isBase64URL(jwk.X) || !isBase64URL(jwk.Y) {
			return "", errBadJWK
		}
		canonical = `{"crv":"` + jwk.Crv + `","kty":"EC","x":"` + jwk.X + `","y":"` + jwk.Y + `"}`
	case "RSA":
		if !isBase64URL(jwk.E) || !isBase64URL(jwk.N) {
			return "", errBadJWK
		}
		canonical = `{"e":"` + jwk.E + `","kty":"RSA","n":"` + jwk.N + `"}`
	default:
		return "", errBadJWK
	}
	sum := sha256.Sum256([]byte(canonical))
	return base64.RawURLEncoding.EncodeToString(sum[:]), nil
}

func knownCurve(crv string) bool {
	return crv == "Ed25519" || crv == "P-256" || crv == "P-384"
}

// isBase64URL reports whether s is non-empty and uses only the base64url
// alphabet (RFC 4648 §5) without padding. Go's decoder silently skips \r
// and \n, so the alphabet is checked here before any decoding.
func isBase64URL(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// decodeB64 decodes strict base64url: alphabet only, no padding, no
// non-zero trailing bits (so each value has exactly one encoding).
func decodeB64(s string) ([]byte, bool) {
	if !isBase64URL(s) {
		return nil, false
	}
	b, err := base64.RawURLEncoding.Strict().DecodeString(s)
	return b, err == nil
}

// publicKey turns a checked JWK into a Go public key, refusing keys that
// are malformed, off the curve, or of a size outside policy.
func (k JWK) publicKey() (crypto.PublicKey, error) {
	switch k.Kty {
	case "OKP":
		x, ok := decodeB64(k.X)
		// RFC 8037 §2: an Ed25519 public key is exactly 32 octets.
		if k.Crv != "Ed25519" || !ok || len(x) != ed25519.PublicKeySize || k.Y != "" {
			return nil, errBadJWK
		}
		return ed25519.PublicKey(x), nil
	case "EC":
		var curve elliptic.Curve
		var size int
		switch k.Crv {
		case "P-256":
			curve, size = elliptic.P256(), 32
		case "P-384":
			curve, size = elliptic.P384(), 48
		default:
			return nil, errBadJWK
		}
		x, okX := decodeB64(k.X)
		y, okY := decodeB64(k.Y)
		// RFC 7518 §6.2.1.2: x and y are the full coordinate length, zero-padded.
		if !okX || !okY || len(x) != size || len(y) != size {
			return nil, errBadJWK
		}
		point := append(append([]byte{4}, x...), y...)
		// ParseUncompressedPublicKey refuses points that are not on the curve
		// (the invalid-curve attack).
		pub, err := ecdsa.ParseUncompressedPublicKey(curve, point)
		if err != nil {
			return nil, errBadJWK
		}
		return pub, nil
	case "RSA":
		n, okN := decodeB64(k.N)
		e, okE := decodeB64(k.E)
		// RFC 7518 §6.3.1.1: n and e are unsigned big-endian with no leading zero octet.
		if !okN || !okE || n[0] == 0 || e[0] == 0 || len(e) > 4 {
			return nil, errBadJWK
		}
		modulus := new(big.Int).SetBytes(n)
		var exponent int64
		for _, c := range e {
			exponent = exponent<<8 | int64(c)
		}
		if bits := modulus.BitLen(); bits < minRSABits || bits > maxRSABits ||
			exponent < 3 || exponent > 1<<31-1 || exponent%2 == 0 {
			return nil, errBadJWK
		}
		return &rsa.PublicKey{N: modulus, E: int(exponent)}, nil
	}
	return nil, errBadJWK
}
