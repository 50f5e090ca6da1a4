package dpop

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// RFC 9449 Figure 2 (a token request proof) and Figure 13 (a resource
// request proof with ath), with the RFC's access token and the jkt of their
// key (Figures 7 to 9).
const (
	rfcTokenProof    = "eyJ0eXAiOiJkcG9wK2p3dCIsImFsZyI6IkVTMjU2IiwiandrIjp7Imt0eSI6IkVDIiwieCI6Imw4dEZyaHgtMzR0VjNoUklDUkRZOXpDa0RscEJoRjQyVVFVZldWQVdCRnMiLCJ5IjoiOVZFNGpmX09rX282NHpiVFRsY3VOSmFqSG10NnY5VERWclUwQ2R2R1JEQSIsImNydiI6IlAtMjU2In19.eyJqdGkiOiItQndDM0VTYzZhY2MybFRjIiwiaHRtIjoiUE9TVCIsImh0dSI6Imh0dHBzOi8vc2VydmVyLmV4YW1wbGUuY29tL3Rva2VuIiwiaWF0IjoxNTYyMjYyNjE2fQ.2-GxA6T8lP4vfrg8v-FdWP0A0zdrj8igiMLvqRMUvwnQg4PtFLbdLXiOSsX0x7NVY-FNyJK70nfbV37xRZT3Lg"
	rfcResourceProof = "eyJ0eXAiOiJkcG9wK2p3dCIsImFsZyI6IkVTMjU2IiwiandrIjp7Imt0eSI6IkVDIiwieCI6Imw4dEZyaHgtMzR0VjNoUklDUkRZOXpDa0RscEJoRjQyVVFVZldWQVdCRnMiLCJ5IjoiOVZFNGpmX09rX282NHpiVFRsY3VOSmFqSG10NnY5VERWclUwQ2R2R1JEQSIsImNydiI6IlAtMjU2In19.eyJqdGkiOiJlMWozVl9iS2ljOC1MQUVCIiwiaHRtIjoiR0VUIiwiaHR1IjoiaHR0cHM6Ly9yZXNvdXJjZS5leGFtcGxlLm9yZy9wcm90ZWN0ZWRyZXNvdXJjZSIsImlhdCI6MTU2MjI2MjYxOCwiYXRoIjoiZlVIeU8ycjJaM0RaNTNFc05yV0JiMHhXWG9hTnk1OUlpS0NBcWtzbVFFbyJ9.2oW9RP35yRqzhrtNP86L-Ey71EOptxRimPPToA1plemAgR6pxHF8y6-yqyVnmcw6Fy1dqd-jfxSYoMxhAJpLjA"
	rfcAccessToken   = "Kz~8mXK1EalYznwH-LC-1fBAo.4Ljp~zsPE_NeO.gxU"
	rfcJKT           = "0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I"
)

func TestVerifyRFCExamples(t *testing.T) {
	v := newTestVerifier(t, VerifyConfigAt(time.Unix(1562262620, 0)))
	tokenReq := VerifyRequest{Proofs: []string{rfcTokenProof}, Method: "POST", URL: "https://server.example.com/token"}
	p, err := v.Verify(context.Background(), tokenReq)
	if err != nil {
		t.Fatalf("RFC 9449 Figure 2: %v", err)
	}
	if p.Thumbprint != rfcJKT || p.Claims.JTI != "-BwC3ESc6acc2lTc" || p.Claims.IAT != 1562262616 || p.Header.Alg != "ES256" {
		t.Fatalf("RFC 9449 Figure 2 decoded as %+v", p)
	}
	resourceReq := VerifyRequest{
		Proofs: []string{rfcResourceProof}, Method: "GET", URL: "https://resource.example.org/protectedresource",
		AccessToken: rfcAccessToken, ExpectedJKT: rfcJKT,
	}
	if _, err := v.Verify(context.Background(), resourceReq); err != nil {
		t.Fatalf("RFC 9449 Figure 13: %v", err)
	}
	if got := AccessTokenHash(rfcAccessToken); got != "fUHyO2r2Z3DZ53EsNrWBb0xWXoaNy59IiKCAqksmQEo" {
		t.Fatalf("AccessTokenHash = %q", got)
	}
	// Today, without the old clock, the RFC's proofs are long stale.
	if _, err := newTestVerifier(t, VerifierConfig{Now: time.Now}).Verify(context.Background(), tokenReq); checkOf(err) != CheckIAT {
		t.Fatalf("RFC proof at today's time: %v, want iat failure", err)
	}
}

// VerifyConfigAt is a config whose clock stands still at now.
func VerifyConfigAt(now time.Time) VerifierConfig {
	return VerifierConfig{Now: func() time.Time { return now }}
}

func checkOf(err error) Check {
	var e *Error
	if errors.As(err, &e) {
		return e.Check
	}
	if err != nil {
		return "non-proof error: " + Check(err.Error())
	}
	return ""
}

func TestVerifyForgedProofs(t *testing.T) {
	testKeys(t)
	ecJWK := jwkOf(t, &testEC256.PublicKey)
	otherJWK := jwkOf(t, &testEC.PublicKey)
	otherJKT, _ := Thumbprint(JWK{Kty: "EC", Crv: "P-256", X: otherJWK["x"].(string), Y: otherJWK["y"].(string)})
	const token = "an-access-token"

	// with changes a good header or claims; nil deletes the member.
	with := func(m map[string]any, changes map[string]any) map[string]any {
		for k, v := range changes {
			if v == nil {
				delete(m, k)
			} else {
				m[k] = v
			}
		}
		return m
	}
	es := func(header, claims map[string]any) string {
		return forge(t, "ES256", testEC256, with(goodHeader(t), header), with(goodClaims(), claims))
	}
	valid := func() string { return es(nil, nil) }

	cases := []struct {
		name   string
		proofs []string
		method string // default POST
		url    string // default https://as.example/token
		token  string
		jkt    string
		cfg    VerifierConfig
		want   Check // "" means accepted
	}{
		{name: "valid ES256", proofs: []string{valid()}},
		{name: "valid EdDSA", proofs: []string{forge(t, "EdDSA", testEd, map[string]any{"typ": "dpop+jwt", "alg": "EdDSA", "jwk": jwkOf(t, testEd.Public())}, goodClaims())}},
		{name: "valid ES384", proofs: []string{forge(t, "ES384", testEC384, map[string]any{"typ": "dpop+jwt", "alg": "ES384", "jwk": jwkOf(t, &testEC384.PublicKey)}, goodClaims())}},
		{name: "valid RS256", proofs: []string{forge(t, "RS256", testRSA, map[string]any{"typ": "dpop+jwt", "alg": "RS256", "jwk": jwkOf(t, &testRSA.PublicKey)}, goodClaims())}},
		{name: "valid PS256", proofs: []string{forge(t, "PS256", testRSA, map[string]any{"typ": "dpop+jwt", "alg": "PS256", "jwk": jwkOf(t, &testRSA.PublicKey)}, goodClaims())}},
		{name: "valid with access token", proofs: []string{es(nil, map[string]any{"ath": AccessTokenHash(token)})}, token: token},

		{name: "no DPoP header", proofs: nil, want: CheckHeaderCount},
		{name: "two DPoP headers", proofs: []string{valid(), valid()}, want: CheckHeaderCount},
		{name: "oversized", proofs: []string{es(nil, map[string]any{"pad": strings.Repeat("a", DefaultMaxProofBytes)})}, want: CheckSize},
		{name: "oversized for a small limit", proofs: []string{valid()}, cfg: VerifierConfig{MaxProofBytes: 100}, want: CheckSize},
		{name: "two parts", proofs: []string{"eyJhIjoxfQ.eyJhIjoxfQ"}, want: CheckSyntax},
		{name: "four parts", proofs: []string{valid() + ".AAAA"}, want: CheckSyntax},
		{name: "extra dots", proofs: []string{strings.Replace(valid(), ".", "..", 1)}, want: CheckSyntax},
		{name: "empty", proofs: []string{""}, want: CheckSyntax},
		{name: "only dots", proofs: []string{".."}, want: CheckSyntax},
		{name: "base64 padding", proofs: []string{strings.Replace(valid(), ".", "=.", 1)}, want: CheckSyntax},
		{name: "standard base64 alphabet", proofs: []string{"+" + valid()[1:]}, want: CheckSyntax},
		{name: "newline inside a part", proofs: []string{valid()[:10] + "\n" + valid()[10:]}, want: CheckSyntax},
		{name: "embedded null", proofs: []string{valid()[:20] + "\x00" + valid()[20:]}, want: CheckSyntax},
		{name: "signature with non-zero trailing bits", proofs: []string{trailingBits(valid())}, want: CheckSyntax},
		{name: "header not an object", proofs: []string{b64([]byte(`["dpop+jwt"]`)) + ".e30.AAAA"}, want: CheckSyntax},
		{name: "header not JSON", proofs: []string{b64([]byte(`{"typ":`)) + ".e30.AAAA"}, want: CheckSyntax},
		{name: "payload not an object", proofs: []string{forge(t, "ES256", testEC256, goodHeader(t), nil)}, want: CheckSyntax},
		{name: "iat a string", proofs: []string{es(nil, map[string]any{"iat": "1800000000"})}, want: CheckClaims},
		{name: "iat null", proofs: []string{es(nil, map[string]any{"iat": json.RawMessage("null")})}, want: CheckClaims},
		{name: "jti a number", proofs: []string{es(nil, map[string]any{"jti": 7})}, want: CheckSyntax},

		{name: "typ jwt", proofs: []string{es(map[string]any{"typ": "JWT"}, nil)}, want: CheckTyp},
		{name: "typ at+jwt (an access token)", proofs: []string{es(map[string]any{"typ": "at+jwt"}, nil)}, want: CheckTyp},
		{name: "typ missing", proofs: []string{es(map[string]any{"typ": nil}, nil)}, want: CheckTyp},
		{name: "crit header", proofs: []string{es(map[string]any{"crit": []string{"exp"}}, nil)}, want: CheckCrit},
		{name: "alg none", proofs: []string{forge(t, "none", nil, with(goodHeader(t), map[string]any{"alg": "none"}), goodClaims())}, want: CheckAlg},
		{name: "alg HS256 with the public key as secret", proofs: []string{forge(t, "HS256", mustJSON(ecJWK), with(goodHeader(t), map[string]any{"alg": "HS256"}), goodClaims())}, want: CheckAlg},
		{name: "alg missing", proofs: []string{es(map[string]any{"alg": nil}, nil)}, want: CheckAlg},
		{name: "alg ES512 not supported", proofs: []string{es(map[string]any{"alg": "ES512"}, nil)}, want: CheckAlg},
		{name: "alg not in the allow-list", proofs: []string{valid()}, cfg: VerifierConfig{Algs: []string{"EdDSA"}}, want: CheckAlg},
		{name: "jwk missing", proofs: []string{es(map[string]any{"jwk": nil}, nil)}, want: CheckJWK},
		{name: "jwk a string", proofs: []string{es(map[string]any{"jwk": "key"}, nil)}, want: CheckJWK},
		{name: "private key in jwk", proofs: []string{es(map[string]any{"jwk": with(jwkOf(t, &testEC256.PublicKey), map[string]any{"d": b64(testEC256.D.Bytes())})}, nil)}, want: CheckJWK},
		{name: "symmetric key in jwk", proofs: []string{es(map[string]any{"jwk": map[string]any{"kty": "oct", "k": "c2VjcmV0"}}, nil)}, want: CheckJWK},
		{name: "jwk P-384 with ES256", proofs: []string{es(map[string]any{"jwk": jwkOf(t, &testEC384.PublicKey)}, nil)}, want: CheckJWK},
		{name: "jwk RSA with ES256", proofs: []string{es(map[string]any{"jwk": jwkOf(t, &testRSA.PublicKey)}, nil)}, want: CheckJWK},
		{name: "jwk point off the curve", proofs: []string{es(map[string]any{"jwk": with(jwkOf(t, &testEC256.PublicKey), map[string]any{"y": ecJWK["x"]})}, nil)}, want: CheckJWK},
		{name: "jwk x too short", proofs: []string{es(map[string]any{"jwk": with(jwkOf(t, &testEC256.PublicKey), map[string]any{"x": "AAAA"})}, nil)}, want: CheckJWK},
		{name: "jwk unknown curve", proofs: []string{es(map[string]any{"jwk": with(jwkOf(t, &testEC256.PublicKey), map[string]any{"crv": "secp256k1"})}, nil)}, want: CheckJWK},
		{name: "jwk RSA 1024 bits", proofs: []string{forge(t, "RS256", testRSA1024, map[string]any{"typ": "dpop+jwt", "alg": "RS256", "jwk": jwkOf(t, &testRSA1024.PublicKey)}, goodClaims())}, want: CheckJWK},
		{name: "jwk RSA with private members", proofs: []string{forge(t, "RS256", testRSA, map[string]any{"typ": "dpop+jwt", "alg": "RS256", "jwk": with(jwkOf(t, &testRSA.PublicKey), map[string]any{"p": b64(testRSA.Primes[0].Bytes())})}, goodClaims())}, want: CheckJWK},
		{name: "Ed25519 key with alg ES256", proofs: []string{es(map[string]any{"jwk": jwkOf(t, testEd.Public())}, nil)}, want: CheckJWK},
		{name: "signed by another key", proofs: []string{forge(t, "ES256", testEC, goodHeader(t), goodClaims())}, want: CheckSignature},
		{name: "payload changed after signing", proofs: []string{swapPayload(valid(), valid())}, want: CheckSignature},
		{name: "RS256 signature with PS256 alg", proofs: []string{swapAlg(forge(t, "RS256", testRSA, map[string]any{"typ": "dpop+jwt", "alg": "RS256", "jwk": jwkOf(t, &testRSA.PublicKey)}, goodClaims()), "PS256")}, want: CheckSignature},

		{name: "jti missing", proofs: []string{es(nil, map[string]any{"jti": nil})}, want: CheckClaims},
		{name: "jti empty", proofs: []string{es(nil, map[string]any{"jti": ""})}, want: CheckClaims},
		{name: "jti too long", proofs: []string{es(nil, map[string]any{"jti": strings.Repeat("j", 300)})}, want: CheckClaims},
		{name: "htm missing", proofs: []string{es(nil, map[string]any{"htm": nil})}, want: CheckClaims},
		{name: "htu missing", proofs: []string{es(nil, map[string]any{"htu": nil})}, want: CheckClaims},
		{name: "iat missing", proofs: []string{es(nil, map[string]any{"iat": nil})}, want: CheckClaims},
		{name: "iat out of range", proofs: []string{es(nil, map[string]any{"iat": json.Number("1e400")})}, want: CheckClaims},

		{name: "wrong htm", proofs: []string{es(nil, map[string]any{"htm": "GET"})}, want: CheckHTM},
		{name: "htm in lower case", proofs: []string{es(nil, map[string]any{"htm": "post"})}, want: CheckHTM},
		{name: "wrong htu path", proofs: []string{es(nil, map[string]any{"htu": "https://as.example/par"})}, want: CheckHTU},
		{name: "wrong htu host", proofs: []string{es(nil, map[string]any{"htu": "https://evil.example/token"})}, want: CheckHTU},
		{name: "htu http for https", proofs: []string{es(nil, map[string]any{"htu": "http://as.example/token"})}, want: CheckHTU},
		{name: "htu other port", proofs: []string{es(nil, map[string]any{"htu": "https://as.example:8443/token"})}, want: CheckHTU},
		{name: "htu relative", proofs: []string{es(nil, map[string]any{"htu": "/token"})}, want: CheckHTU},
		{name: "htu with userinfo", proofs: []string{es(nil, map[string]any{"htu": "https://user@as.example/token"})}, want: CheckHTU},
		{name: "htu trailing slash", proofs: []string{es(nil, map[string]any{"htu": "https://as.example/token/"})}, want: CheckHTU},
		{name: "htu with a query is compared without it", proofs: []string{es(nil, map[string]any{"htu": "https://as.example/token?a=1#f"})}, url: "https://as.example/token?b=2"},
		{name: "htu normalised: case, default port, percent-encoding", proofs: []string{es(nil, map[string]any{"htu": "HTTPS://AS.Example:443/%74oken"})}},
		{name: "request URL normalised too", proofs: []string{valid()}, url: "https://AS.EXAMPLE:443/token"},
		{name: "htu on loopback with a port", proofs: []string{es(nil, map[string]any{"htu": "http://127.0.0.1:9000/token"})}, url: "http://127.0.0.1:9000/token"},

		{name: "iat at the edge of the past window", proofs: []string{es(nil, map[string]any{"iat": testNow.Add(-60 * time.Second).Unix()})}},
		{name: "stale iat", proofs: []string{es(nil, map[string]any{"iat": testNow.Add(-61 * time.Second).Unix()})}, want: CheckIAT},
		{name: "future iat", proofs: []string{es(nil, map[string]any{"iat": testNow.Add(61 * time.Second).Unix()})}, want: CheckIAT},
		{name: "iat with a fraction", proofs: []string{es(nil, map[string]any{"iat": float64(testNow.Unix()) + 0.5})}},
		{name: "stale iat under a shorter window", proofs: []string{es(nil, map[string]any{"iat": testNow.Add(-20 * time.Second).Unix()})}, cfg: VerifierConfig{Window: 10 * time.Second}, want: CheckIAT},

		{name: "ath missing with an access token", proofs: []string{valid()}, token: token, want: CheckATH},
		{name: "ath of another token", proofs: []string{es(nil, map[string]any{"ath": AccessTokenHash("other")})}, token: token, want: CheckATH},
		{name: "ath the token itself", proofs: []string{es(nil, map[string]any{"ath": token})}, token: token, want: CheckATH},
		{name: "expected jkt matches", proofs: []string{valid()}, jkt: thumbprintOf(t, ecJWK)},
		{name: "proof key is not the bound key", proofs: []string{valid()}, jkt: otherJKT, want: CheckJKT},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			v := newTestVerifier(t, tc.cfg)
			req := VerifyRequest{Proofs: tc.proofs, Method: "POST", URL: "https://as.example/token", AccessToken: tc.token, ExpectedJKT: tc.jkt}
			if tc.method != "" {
				req.Method = tc.method
			}
			if tc.url != "" {
				req.URL = tc.url
			}
			_, err := v.Verify(context.Background(), req)
			if got := checkOf(err); got != tc.want {
				t.Fatalf("Verify: check %q (%v), want %q", got, err, tc.want)
			}
		})
	}
}

func mustJSON(v any) []byte {
	b, _ := jsonMarshal(v)
	return b
}

func thumbprintOf(t *testing.T, m map[string]any) string {
	t.Helper()
	j := JWK{Kty: m["kty"].(string), Crv: m["crv"].(string), X: m["x"].(string), Y: m["y"].(string)}
	jkt, err := Thumbprint(j)
	if err != nil {
		t.Fatal(err)
	}
	return jkt
}

// trailingBits re-encodes the signature with a non-zero unused bit: the same
// bytes to a lax decoder, so only strict decoding refuses it.
func trailingBits(proof string) string {
	last := proof[len(proof)-1]
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	i := strings.IndexByte(alphabet, last)
	return proof[:len(proof)-1] + string(alphabet[i|1])
}

// swapPayload puts the payload of b under the header and signature of a.
func swapPayload(a, b string) string {
	pa, pb := strings.Split(a, "."), strings.Split(b, ".")
	return pa[0] + "." + pb[1] + "." + pa[2]
}

// swapAlg rewrites the header's alg, keeping the signature.
func swapAlg(proof, alg string) string {
	parts := strings.Split(proof, ".")
	header, _ := decodeB64(parts[0])
	header = []byte(strings.Replace(string(header), `"alg":"RS256"`, `"alg":"`+alg+`"`, 1))
	return b64(header) + "." + parts[1] + "." + parts[2]
}

func TestVerifyReplay(t *testing.T) {
	v := newTestVerifier(t, VerifierConfig{})
	proof := forge(t, "ES256", testEC256, goodHeader(t), goodClaims())
	req := VerifyRequest{Proofs: []string{proof}, Method: "POST", URL: "https://as.example/token"}
	if _, err := v.Verify(context.Background(), req); err != nil {
		t.Fatalf("first use: %v", err)
	}
	if _, err := v.Verify(context.Background(), req); checkOf(err) != CheckReplay {
		t.Fatalf("second use: %v, want replay", err)
	}
	// A refused proof must not burn its jti: the same jti signed anew for the
	// right URL is accepted after a refusal for the wrong one.
	claims := goodClaims()
	wrong := forge(t, "ES256", testEC256, goodHeader(t), map[string]any{"jti": claims["jti"], "htm": "GET", "htu": claims["htu"], "iat": claims["iat"]})
	if _, err := v.Verify(context.Background(), VerifyRequest{Proofs: []string{wrong}, Method: "POST", URL: "https://as.example/token"}); checkOf(err) != CheckHTM {
		t.Fatalf("wrong method: %v", err)
	}
	right := forge(t, "ES256", testEC256, goodHeader(t), claims)
	if _, err := v.Verify(context.Background(), VerifyRequest{Proofs: []string{right}, Method: "POST", URL: "https://as.example/token"}); err != nil {
		t.Fatalf("after a refusal: %v", err)
	}
}

// TestVerifyRace checks that one proof sent many times at once is accepted
// exactly once.
func TestVerifyRace(t *testing.T) {
	v := newTestVerifier(t, VerifierConfig{})
	proof := forge(t, "ES256", testEC256, goodHeader(t), goodClaims())
	req := VerifyRequest{Proofs: []string{proof}, Method: "POST", URL: "https://as.example/token"}
	var passed, replayed atomic.Int32
	var wg sync.WaitGroup
	start := make(chan struct{})
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			_, err := v.Verify(context.Background(), req)
			switch checkOf(err) {
			case "":
				passed.Add(1)
			case CheckReplay:
				replayed.Add(1)
			}
		}()
	}
	close(start)
	wg.Wait()
	if passed.Load() != 1 || replayed.Load() != 19 {
		t.Fatalf("%d passed and %d replayed, want 1 and 19", passed.Load(), replayed.Load())
	}
}

// brokenCache is a replay cache whose store is down.
type brokenCache struct{}

func (brokenCache) Seen(context.Context, string, time.Time) (bool, error) {
	return false, errors.New("store unreachable")
}

func TestVerifyFailsClosedWhenReplayCacheFails(t *testing.T) {
	v := newTestVerifier(t, VerifierConfig{Replay: brokenCache{}})
	proof := forge(t, "ES256", testEC256, goodHeader(t), goodClaims())
	_, err := v.Verify(context.Background(), VerifyRequest{Proofs: []string{proof}, Method: "POST", URL: "https://as.example/token"})
	var e *Error
	if err == nil || errors.As(err, &e) || !strings.Contains(err.Error(), "store unreachable") {
		t.Fatalf("Verify with a broken cache: %v, want a server error naming the cause", err)
	}
}

func TestVerifyServerNonce(t *testing.T) {
	clock := testNow
	now := func() time.Time { return clock }
	nonces, err := NewNonceSource([]byte(strings.Repeat("k", 32)), time.Minute, now)
	if err != nil {
		t.Fatal(err)
	}
	v := newTestVerifier(t, VerifierConfig{Nonces: nonces, Now: now, Window: time.Hour})
	verify := func(nonce string) error {
		claims := goodClaims()
		claims["iat"] = clock.Unix()
		if nonce != "" {
			claims["nonce"] = nonce
		}
		proof := forge(t, "ES256", testEC256, goodHeader(t), claims)
		_, err := v.Verify(context.Background(), VerifyRequest{Proofs: []string{proof}, Method: "POST", URL: "https://as.example/token"})
		return err
	}

	err = verify("")
	var e *Error
	if !errors.As(err, &e) || e.Check != CheckNonce || e.ASCode() != CodeUseNonce || e.RSCode() != CodeUseNonce || e.Nonce == "" {
		t.Fatalf("without a nonce: %v, want use_dpop_nonce with a fresh nonce", err)
	}
	given := e.Nonce
	if err := verify(given); err != nil {
		t.Fatalf("with the given nonce: %v", err)
	}
	clock = clock.Add(time.Minute) // the next slot: still good
	if err := verify(given); err != nil {
		t.Fatalf("one slot later: %v", err)
	}
	clock = clock.Add(time.Minute) // two slots on: stale
	if err := verify(given); checkOf(err) != CheckNonce {
		t.Fatalf("two slots later: %v, want a nonce failure", err)
	}
	if err := verify("made-up"); checkOf(err) != CheckNonce {
		t.Fatalf("made-up nonce: %v, want a nonce failure", err)
	}
}

func TestErrorCodesAndChallenge(t *testing.T) {
	cases := []struct {
		check          Check
		as, rs, header string
	}{
		{CheckSignature, CodeInvalidProof, CodeInvalidProof, `DPoP error="invalid_dpop_proof", error_description="d", algs="ES256 EdDSA"`},
		{CheckJKT, CodeInvalidProof, CodeInvalidToken, `DPoP error="invalid_token", error_description="d", algs="ES256 EdDSA"`},
		{CheckNonce, CodeUseNonce, CodeUseNonce, `DPoP error="use_dpop_nonce", error_description="d", algs="ES256 EdDSA"`},
	}
	for _, tc := range cases {
		e := &Error{Check: tc.check, Description: "d"}
		if e.ASCode() != tc.as || e.RSCode() != tc.rs {
			t.Errorf("%s: codes %q %q, want %q %q", tc.check, e.ASCode(), e.RSCode(), tc.as, tc.rs)
		}
		if got := Challenge(e, []string{"ES256", "EdDSA"}); got != tc.header {
			t.Errorf("%s: challenge %q, want %q", tc.check, got, tc.header)
		}
	}
	if got := Challenge(nil, []string{"ES256"}); got != `DPoP algs="ES256"` {
		t.Errorf("challenge without error: %q", got)
	}
	if got := Challenge(&Error{Check: CheckHTU, Description: "a \"quoted\"\nline"}, nil); !strings.Contains(got, `error_description="a ?quoted??line"`) {
		t.Errorf("description not made header-safe: %q", got)
	}
}

func TestNewVerifierRefusesUnsupportedAlgs(t *testing.T) {
	for _, algs := range [][]string{{"none"}, {"HS256"}, {"ES256", "RS512"}, {}} {
		if _, err := NewVerifier(VerifierConfig{Algs: algs}); err == nil {
			t.Errorf("NewVerifier(%v) accepted", algs)
		}
	}
}

func TestNormalizeHTU(t *testing.T) {
	cases := map[string]string{
		"https://as.example/token":              "https://as.example/token",
		"HTTPS://AS.EXAMPLE/token":              "https://as.example/token",
		"https://as.example:443/token":          "https://as.example/token",
		"http://as.example:80/token":            "http://as.example/token",
		"http://as.example:443/token":           "http://as.example:443/token",
		"https://as.example":                    "https://as.example/",
		"https://as.example/a%2fb":              "https://as.example/a%2Fb",
		"https://as.example/%7Euser":            "https://as.example/~user",
		"https://as.example/Token?x=1#frag":     "https://as.example/Token",
		"http://[::1]:9000/token":               "http://[::1]:9000/token",
		"http://[::1]:80/token":                 "http://[::1]/token",
		"http://127.0.0.1:9000/resource?id=%20": "http://127.0.0.1:9000/resource",
	}
	for in, want := range cases {
		if got, err := NormalizeHTU(in); err != nil || got != want {
			t.Errorf("NormalizeHTU(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "/token", "ftp://as.example/x", "https://", "https://u:p@as.example/", "mailto:a@b", "https://as.example/%zz"} {
		if got, err := NormalizeHTU(bad); err == nil {
			t.Errorf("NormalizeHTU(%q) = %q, want an error", bad, got)
		}
	}
}

func TestDecode(t *testing.T) {
	p, err := Decode(rfcResourceProof)
	if err != nil {
		t.Fatal(err)
	}
	if p.Claims.HTM != "GET" || p.Claims.ATH == "" || p.Header.JWK.Crv != "P-256" || p.Thumbprint != rfcJKT {
		t.Fatalf("Decode = %+v", p)
	}
	if _, err := Decode(swapPayload(rfcResourceProof, rfcTokenProof)); checkOf(err) != CheckSignature {
		t.Fatalf("Decode of a forged proof: %v", err)
	}
}

// TestVerifyBadServerURL: a malformed request URL is the server's fault,
// not the client's, so it is not an *Error.
func TestVerifyBadServerURL(t *testing.T) {
	v := newTestVerifier(t, VerifierConfig{})
	proof := forge(t, "ES256", testEC256, goodHeader(t), goodClaims())
	_, err := v.Verify(context.Background(), VerifyRequest{Proofs: []string{proof}, Method: "POST", URL: "/token"})
	var e *Error
	if err == nil || errors.As(err, &e) {
		t.Fatalf("Verify with a relative server URL: %v, want a server error", err)
	}
}
