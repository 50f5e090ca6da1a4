package web

import (
	"crypto/ed25519"
	"encoding/base64"
	"strings"
	"testing"

	"github.com/oauthlab/oauthlab/shared/actortest"
	"github.com/oauthlab/oauthlab/shared/contract"
	"github.com/oauthlab/oauthlab/shared/dpop"
)

// boundToken is an access token for alice bound to key (cnf.jkt).
func (a *testAPI) boundToken(key *dpop.Key, scope string) string {
	claims := a.signer.Claims(contract.Alice.Subject, scope)
	claims["cnf"] = map[string]string{"jkt": key.Thumbprint()}
	return a.signer.Sign("ES256", claims, nil)
}

func proofFor(t testing.TB, key *dpop.Key, method, path, token string) string {
	t.Helper()
	p, err := key.Proof(method, testResource+path, token, "")
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestDPoPStolenToken: a thief holding a DPoP-bound token cannot use it:
// not as Bearer, not with its own key, not with a proof made for another
// request or already used, not with a forged signature. The token's
// signature check is cached after the first call; the proof check never
// is. A plain Bearer token, stolen, works: what DPoP is for.
func TestDPoPStolenToken(t *testing.T) {
	t.Parallel()
	api := newTestAPI(t)
	key, err := dpop.GenerateKey("ES256")
	if err != nil {
		t.Fatal(err)
	}
	thief := actortest.NewDPoPForger()
	const path = "/v1/me/top-tracks"
	token := api.boundToken(key, "tracks:read")
	good := proofFor(t, key, "GET", path, token)
	if r := api.do("GET", path, "", "", "Authorization: DPoP "+token, "DPoP: "+good); r.status != 200 {
		t.Fatalf("the client with its proof: %d %s", r.status, r.raw)
	}
	// The victim's public key in the header, but the thief cannot sign.
	parts := strings.Split(proofFor(t, key, "GET", path, token), ".")
	forged := parts[0] + "." + parts[1] + "." + base64.RawURLEncoding.EncodeToString(ed25519.Sign(thief.Private, []byte(parts[0]+"."+parts[1])))
	unbound := api.signer.Token(contract.Alice.Subject, "tracks:read")

	cases := []struct {
		name    string
		headers []string
		code    string
	}{
		// covers: RFC 9449 §7.1
		{"as Bearer", []string{"Authorization: Bearer " + token}, "invalid_token"},
		{"thief's own key", []string{"Authorization: DPoP " + token, "DPoP: " + thief.Proof("GET", testResource+path, token, nil)}, "invalid_token"},
		{"no proof", []string{"Authorization: DPoP " + token}, "invalid_dpop_proof"},
		// covers: RFC 9449 §4.3
		{"forged signature", []string{"Authorization: DPoP " + token, "DPoP: " + forged}, "invalid_dpop_proof"},
		{"wrong URL", []string{"Authorization: DPoP " + token, "DPoP: " + proofFor(t, key, "GET", "/v1/me/playlists", token)}, "invalid_dpop_proof"},
		{"Host-based URL", []string{"Authorization: DPoP " + token, "DPoP: " + mustProof(t, key, "GET", api.srv.URL+path, token)}, "invalid_dpop_proof"},
		{"wrong method", []string{"Authorization: DPoP " + token, "DPoP: " + proofFor(t, key, "POST", path, token)}, "invalid_dpop_proof"},
		{"proof for another token", []string{"Authorization: DPoP " + token, "DPoP: " + proofFor(t, key, "GET", path, unbound)}, "invalid_dpop_proof"},
		{"two proofs", []string{"Authorization: DPoP " + token, "DPoP: " + proofFor(t, key, "GET", path, token), "DPoP: " + proofFor(t, key, "GET", path, token)}, "invalid_dpop_proof"},
		// covers: RFC 9449 §11.1
		{"replayed proof", []string{"Authorization: DPoP " + token, "DPoP: " + good}, "invalid_dpop_proof"},
		{"Bearer token with the DPoP scheme", []string{"Authorization: DPoP " + unbound, "DPoP: " + proofFor(t, key, "GET", path, unbound)}, "invalid_token"},
	}
	for _, tc := range cases {
		r := api.do("GET", path, "", "", tc.headers...)
		challenge := r.header.Get("WWW-Authenticate")
		if r.status != 401 || r.body["error"] != tc.code || !strings.HasPrefix(challenge, `DPoP error="`+tc.code+`"`) || !strings.Contains(challenge, `algs="`) {
			t.Errorf("%s: %d %v %q, want 401 %s with a DPoP challenge", tc.name, r.status, r.body, challenge, tc.code)
		}
	}
	// The stolen Bearer token just works.
	if r := api.do("GET", path, unbound, ""); r.status != 200 {
		t.Fatalf("stolen Bearer token: %d %s, want 200", r.status, r.raw)
	}
	// And the real client goes on working with fresh proofs.
	if r := api.do("GET", path, "", "", "Authorization: DPoP "+token, "DPoP: "+proofFor(t, key, "GET", path, token)); r.status != 200 {
		t.Fatalf("the client again: %d %s", r.status, r.raw)
	}
}

func mustProof(t testing.TB, key *dpop.Key, method, url, token string) string {
	t.Helper()
	p, err := key.Proof(method, url, token, "")
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// FuzzDPoPHeaders sends any Authorization and DPoP header values to the
// router: the answer is never a server error, and never a success unless
// the proof is one the client made for this very request.
func FuzzDPoPHeaders(f *testing.F) {
	api := newTestAPI(f)
	key, err := dpop.GenerateKey("EdDSA")
	if err != nil {
		f.Fatal(err)
	}
	const path = "/v1/me/top-tracks"
	token := api.boundToken(key, "tracks:read")
	valid := map[string]bool{}
	for i := 0; i < 3; i++ {
		p := proofFor(f, key, "GET", path, token)
		valid[p] = true
		f.Add("DPoP "+token, p)
	}
	f.Add("Bearer "+token, "")
	f.Add("DPoP "+token, "")
	f.Add("dpop  "+token, "a.b.c")
	f.Add("DPoP", "eyJ0eXAiOiJkcG9wK2p3dCJ9.e30.")
	f.Add("DPoP x", strings.Repeat("A", 9000))
	f.Add("DPoP "+token+"===", "..")
	f.Fuzz(func(t *testing.T, authorization, proof string) {
		headers := []string{"Authorization: " + authorization}
		if proof != "" {
			headers = append(headers, "DPoP: "+proof)
		}
		if strings.ContainsAny(authorization+proof, "\r\n\x00") {
			return // not a header value a client can send
		}
		call := *api
		call.t = t // the fuzz target's own T, not the F
		r := call.do("GET", path, "", "", headers...)
		if r.status >= 500 {
			t.Fatalf("status %d for %q / %q: %s", r.status, authorization, proof, r.raw)
		}
		if r.status == 200 && !valid[strings.TrimSpace(proof)] {
			t.Fatalf("accepted %q / %q", authorization, proof)
		}
	})
}
