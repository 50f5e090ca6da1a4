package actortest

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"strconv"
	"time"
)

// DPoPForger makes DPoP proofs (RFC 9449 §4.2) with any header and claims,
// signed with its own Ed25519 key, for tests that must send proofs no
// honest client would: a wrong htm or htu, an old iat, a foreign key, a
// forged signature.
type DPoPForger struct {
	Private ed25519.PrivateKey
	n       int
}

// NewDPoPForger makes a forger with a fresh key.
func NewDPoPForger() *DPoPForger {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		panic(err)
	}
	return &DPoPForger{Private: priv}
}

// JWK is the forger's public key as a proof header carries it.
func (f *DPoPForger) JWK() map[string]any {
	return map[string]any{"kty": "OKP", "crv": "Ed25519",
		"x": base64.RawURLEncoding.EncodeToString(f.Private.Public().(ed25519.PublicKey))}
}

// Proof is a well-formed proof for method and url (and ath of token when
// not empty), after edit changes its header and claims (a nil value
// deletes a member).
func (f *DPoPForger) Proof(method, url, token string, edit func(header, claims map[string]any)) string {
	f.n++
	header := map[string]any{"typ": "dpop+jwt", "alg": "EdDSA", "jwk": f.JWK()}
	claims := map[string]any{"jti": "forged-" + strconv.Itoa(f.n) + "-" + strconv.FormatInt(time.Now().UnixNano(), 36),
		"htm": method, "htu": url, "iat": time.Now().Unix()}
	if token != "" {
		claims["ath"] = ATH(token)
	}
	if edit != nil {
		edit(header, claims)
	}
	for _, m := range []map[string]any{header, claims} {
		for k, v := range m {
			if v == nil {
				delete(m, k)
			}
		}
	}
	return f.Sign(header, claims)
}

// Sign encodes header and claims and signs them with the forger's key.
func (f *DPoPForger) Sign(header, claims map[string]any) string {
	h, _ := json.Marshal(header)
	c, _ := json.Marshal(claims)
	input := base64.RawURLEncoding.EncodeToString(h) + "." + base64.RawURLEncoding.EncodeToString(c)
	return input + "." + base64.RawURLEncoding.EncodeToString(ed25519.Sign(f.Private, []byte(input)))
}

// ATH is the ath claim of an access token (RFC 9449 §4.2).
func ATH(token string) string {
	return dpopHash(token)
}

func dpopHash(s string) string {
	sum := sha256.Sum256([]byte(s))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}
