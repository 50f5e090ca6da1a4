package dpop

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Key is a client's DPoP key pair: it signs the proofs. Keep it secret; the
// only thing of it that leaves the client is the public JWK in each proof.
type Key struct {
	signer     crypto.Signer
	alg        string
	jwk        JWK
	thumbprint string
	headerB64  string // the proof header, the same for every proof
	now        func() time.Time
}

// GenerateKey makes a new key for alg, "ES256" or "EdDSA".
func GenerateKey(alg string) (*Key, error) {
	switch alg {
	case "ES256":
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			return nil, err
		}
		return newKey(k)
	case "EdDSA":
		_, k, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			return nil, err
		}
		return newKey(k)
	}
	return nil, fmt.Errorf("dpop: cannot generate a key for %q (use ES256 or EdDSA)", alg)
}

// ParseKey reads a key that MarshalPKCS8 wrote: an Ed25519 or ECDSA P-256
// or P-384 private key in PKCS #8 DER.
func ParseKey(pkcs8 []byte) (*Key, error) {
	k, err := x509.ParsePKCS8PrivateKey(pkcs8)
	if err != nil {
		return nil, fmt.Errorf("dpop: %w", err)
	}
	signer, ok := k.(crypto.Signer)
	if !ok {
		return nil, errors.New("dpop: the PKCS #8 key cannot sign")
	}
	return newKey(signer)
}

func newKey(signer crypto.Signer) (*Key, error) {
	k := &Key{signer: signer, now: time.Now}
	switch pub := signer.Public().(type) {
	case ed25519.PublicKey:
		k.alg = "EdDSA"
		k.jwk = JWK{Kty: "OKP", Crv: "Ed25519", X: base64.RawURLEncoding.EncodeToString(pub)}
	case *ecdsa.PublicKey:
		var size int
		switch pub.Curve {
		case elliptic.P256():
			k.alg, k.jwk.Crv, size = "ES256", "P-256", 32
		case elliptic.P384():
			k.alg, k.jwk.Crv, size = "ES384", "P-384", 48
		default:
			return nil, errors.New("dpop: only P-256 and P-384 ECDSA keys are supported")
		}
		point, err := pub.Bytes() // 0x04 || X || Y, each zero-padded to size
		if err != nil {
			return nil, fmt.Errorf("dpop: %w", err)
		}
		k.jwk.Kty = "EC"
		k.jwk.X = base64.RawURLEncoding.EncodeToString(point[1 : 1+size])
		k.jwk.Y = base64.RawURLEncoding.EncodeToString(point[1+size:])
	default:
		return nil, fmt.Errorf("dpop: unsupported key type %T (use Ed25519 or ECDSA)", pub)
	}
	var err error
	if k.thumbprint, err = Thumbprint(k.jwk); err != nil {
		return nil, err
	}
	header, err := json.Marshal(Header{Typ: "dpop+jwt", Alg: k.alg, JWK: k.jwk})
	if err != nil {
		return nil, err
	}
	k.headerB64 = base64.RawURLEncoding.EncodeToString(header)
	return k, nil
}

// MarshalPKCS8 writes the private key as PKCS #8 DER, for storage (the
// client keeps it server-side, encrypted or in a private store).
func (k *Key) MarshalPKCS8() ([]byte, error) {
	return x509.MarshalPKCS8PrivateKey(k.signer)
}

// Alg is the JWS algorithm the key signs with.
func (k *Key) Alg() string { return k.alg }

// PublicJWK is the public key as a JWK.
func (k *Key) PublicJWK() JWK { return k.jwk }

// Thumbprint is the RFC 7638 thumbprint of the public key: the dpop_jkt to
// send to /authorize (RFC 9449 §10) and the cnf.jkt tokens will carry.
func (k *Key) Thumbprint() string { return k.thumbprint }

// Proof makes a proof for one request (RFC 9449 §4.2): method and url are
// the request's (the query and fragment of url are dropped), accessToken
// adds ath when not empty, nonce adds the server's nonce when not empty.
// Each proof has a fresh random jti and iat now, so it is good once.
func (k *Key) Proof(method, url, accessToken, nonce string) (string, error) {
	if i := strings.IndexAny(url, "?#"); i >= 0 {
		url = url[:i] // RFC 9449 §4.2: htu is the URI without query and fragment
	}
	var id [16]byte // RFC 9449 §4.2 asks for at least 96 bits of randomness
	if _, err := rand.Read(id[:]); err != nil {
		return "", err
	}
	claims := Claims{
		JTI: base64.RawURLEncoding.EncodeToString(id[:]),
		HTM: method, HTU: url, IAT: k.now().Unix(), Nonce: nonce,
	}
	if accessToken != "" {
		claims.ATH = AccessTokenHash(accessToken)
	}
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", err
	}
	signingInput := k.headerB64 + "." + base64.RawURLEncoding.EncodeToString(payload)
	sig, err := k.sign(signingInput)
	if err != nil {
		return "", err
	}
	return signingInput + "." + base64.RawURLEncoding.EncodeToString(sig), nil
}

// sign makes the JWS signature (RFC 7515 §5.1) in the encoding RFC 7518
// and RFC 8037 give.
func (k *Key) sign(signingInput string) ([]byte, error) {
	switch priv := k.signer.(type) {
	case ed25519.PrivateKey:
		return ed25519.Sign(priv, []byte(signingInput)), nil
	case *ecdsa.PrivateKey:
		var digest []byte
		size := 32
		if k.alg == "ES384" {
			sum := sha512.Sum384([]byte(signingInput))
			digest, size = sum[:], 48
		} else {
			sum := sha256.Sum256([]byte(signingInput))
			digest = sum[:]
		}
		r, s, err := ecdsa.Sign(rand.Reader, priv, digest)
		if err != nil {
			return nil, err
		}
		// RFC 7518 §3.4: R || S, each zero-padded to the curve size, not ASN.1.
		sig := make([]byte, 2*size)
		r.FillBytes(sig[:size])
		s.FillBytes(sig[size:])
		return sig, nil
	}
	return nil, errors.New("dpop: unsupported signer")
}
