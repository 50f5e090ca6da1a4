package dpop

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/json"
	"strconv"
	"sync"
	"testing"
	"time"
)

// testNow is the fixed clock of the tests.
var testNow = time.Unix(1_800_000_000, 0)

func fixedClock() time.Time { return testNow }

var (
	keysOnce                     sync.Once
	testEC256, testEC384, testEC *ecdsa.PrivateKey
	testEd                       ed25519.PrivateKey
	testRSA, testRSA1024         *rsa.PrivateKey
)

// testKeys makes the keys once: RSA generation is slow.
func testKeys(t testing.TB) {
	t.Helper()
	keysOnce.Do(func() {
		var err error
		must := func(e error) {
			if e != nil && err == nil {
				err = e
			}
		}
		var e error
		testEC256, e = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		must(e)
		testEC, e = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		must(e)
		testEC384, e = ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
		must(e)
		_, testEd, e = ed25519.GenerateKey(rand.Reader)
		must(e)
		testRSA, e = rsa.GenerateKey(rand.Reader, 2048)
		must(e)
		testRSA1024, e = rsa.GenerateKey(rand.Reader, 1024)
		must(e)
		if err != nil {
			panic(err)
		}
	})
}

// jwkOf is the public JWK of a test key as a JSON map, ready to be forged.
func jwkOf(t testing.TB, pub crypto.PublicKey) map[string]any {
	t.Helper()
	var j JWK
	switch p := pub.(type) {
	case ed25519.PublicKey:
		j = JWK{Kty: "OKP", Crv: "Ed25519", X: b64(p)}
	case *ecdsa.PublicKey:
		size := (p.Curve.Params().BitSize + 7) / 8
		point, _ := p.Bytes()
		j = JWK{Kty: "EC", Crv: p.Curve.Params().Name, X: b64(point[1 : 1+size]), Y: b64(point[1+size:])}
	case *rsa.PublicKey:
		e := []byte{byte(p.E >> 16), byte(p.E >> 8), byte(p.E)}
		for len(e) > 1 && e[0] == 0 {
			e = e[1:]
		}
		j = JWK{Kty: "RSA", N: b64(p.N.Bytes()), E: b64(e)}
	default:
		t.Fatalf("jwkOf: %T", pub)
	}
	raw, _ := json.Marshal(j)
	var m map[string]any
	_ = json.Unmarshal(raw, &m)
	return m
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// forge signs any header and claims with any key and algorithm, including
// ones no honest client would use (none, HS256), to build attacks.
func forge(t testing.TB, alg string, key any, header, claims map[string]any) string {
	t.Helper()
	h, err := json.Marshal(header)
	if err != nil {
		t.Fatal(err)
	}
	c, err := json.Marshal(claims)
	if err != nil {
		t.Fatal(err)
	}
	input := b64(h) + "." + b64(c)
	var sig []byte
	switch alg {
	case "none":
	case "HS256":
		mac := hmac.New(sha256.New, key.([]byte))
		mac.Write([]byte(input))
		sig = mac.Sum(nil)
	case "EdDSA":
		sig = ed25519.Sign(key.(ed25519.PrivateKey), []byte(input))
	case "ES256", "ES384":
		priv := key.(*ecdsa.PrivateKey)
		size := (priv.Curve.Params().BitSize + 7) / 8
		var digest []byte
		if size == 48 {
			s := sha512.Sum384([]byte(input))
			digest = s[:]
		} else {
			s := sha256.Sum256([]byte(input))
			digest = s[:]
		}
		r, s, err := ecdsa.Sign(rand.Reader, priv, digest)
		if err != nil {
			t.Fatal(err)
		}
		sig = make([]byte, 2*size)
		r.FillBytes(sig[:size])
		s.FillBytes(sig[size:])
	case "RS256", "PS256":
		sum := sha256.Sum256([]byte(input))
		if alg == "RS256" {
			sig, err = rsa.SignPKCS1v15(rand.Reader, key.(*rsa.PrivateKey), crypto.SHA256, sum[:])
		} else {
			sig, err = rsa.SignPSS(rand.Reader, key.(*rsa.PrivateKey), crypto.SHA256, sum[:], &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash})
		}
		if err != nil {
			t.Fatal(err)
		}
	default:
		t.Fatalf("forge: alg %q", alg)
	}
	return input + "." + b64(sig)
}

// jtiCounter makes every forged proof's jti unique.
var jtiCounter struct {
	sync.Mutex
	n int
}

func freshJTI() string {
	jtiCounter.Lock()
	defer jtiCounter.Unlock()
	jtiCounter.n++
	return "jti-" + strconv.Itoa(jtiCounter.n)
}

// goodHeader and goodClaims are a valid ES256 proof for POST
// https://as.example/token at testNow.
func goodHeader(t testing.TB) map[string]any {
	testKeys(t)
	return map[string]any{"typ": "dpop+jwt", "alg": "ES256", "jwk": jwkOf(t, &testEC256.PublicKey)}
}

func goodClaims() map[string]any {
	return map[string]any{"jti": freshJTI(), "htm": "POST", "htu": "https://as.example/token", "iat": testNow.Unix()}
}

func newTestVerifier(t testing.TB, cfg VerifierConfig) *Verifier {
	t.Helper()
	if cfg.Now == nil {
		cfg.Now = fixedClock
	}
	v, err := NewVerifier(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func jsonMarshal(v any) ([]byte, error) { return json.Marshal(v) }
