package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/oauthlab/oauthlab/shared/actortest"
	"github.com/oauthlab/oauthlab/shared/contract"
	"github.com/oauthlab/oauthlab/shared/dpop"
)

// machineToken gets a charts:read token for demo-machine from the real
// authorization server, through a dpop.Transport when key is not nil.
func (s *system) machineToken(t *testing.T, key *dpop.Key) *oauth2.Token {
	t.Helper()
	hc := &http.Client{}
	if key != nil {
		hc.Transport = &dpop.Transport{Key: key}
	}
	cfg := clientcredentials.Config{ClientID: contract.MachineClient.ID, ClientSecret: contract.MachineClient.Secret,
		TokenURL: s.as.URL + "/token", Scopes: []string{"charts:read"}, AuthStyle: oauth2.AuthStyleInHeader}
	tok, err := cfg.Token(context.WithValue(context.Background(), oauth2.HTTPClient, hc))
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// call sends method path to the API with the given Authorization and DPoP
// headers and returns the status and the WWW-Authenticate challenge.
func (s *system) call(t *testing.T, method, path, authorization string, proofs ...string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(method, s.api.URL+path, nil)
	req.Header.Set("Authorization", authorization)
	for _, p := range proofs {
		req.Header.Add("DPoP", p)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, resp.Header.Get("WWW-Authenticate")
}

// TestDPoPStolenTokenSystem: the three real processes. A token stolen from
// a DPoP client is useless to the thief in every way it can try; a Bearer
// token stolen the same way works. Forged proofs are refused at /token
// and at the API.
func TestDPoPStolenTokenSystem(t *testing.T) {
	t.Parallel()
	s := startSystem(t)
	key, err := dpop.GenerateKey("EdDSA")
	if err != nil {
		t.Fatal(err)
	}
	bound := s.machineToken(t, key)
	if bound.Type() != "DPoP" {
		t.Fatalf("token_type %q, want DPoP", bound.TokenType)
	}
	const path = "/v1/charts"
	proof := func(k *dpop.Key, method, p string) string {
		pr, err := k.Proof(method, s.api.URL+p, bound.AccessToken, "")
		if err != nil {
			t.Fatal(err)
		}
		return pr
	}
	good := proof(key, "GET", path)
	if status, ch := s.call(t, "GET", path, "DPoP "+bound.AccessToken, good); status != 200 {
		t.Fatalf("the client itself: %d %s", status, ch)
	}
	thiefKey, _ := dpop.GenerateKey("ES256")
	forger := actortest.NewDPoPForger()
	cases := []struct {
		name, authorization string
		proofs              []string
		code                string
	}{
		// covers: RFC 9449 §7.1
		{"alone as Bearer", "Bearer " + bound.AccessToken, nil, "invalid_token"},
		{"with the thief's key", "DPoP " + bound.AccessToken, []string{proof(thiefKey, "GET", path)}, "invalid_token"},
		{"with no proof", "DPoP " + bound.AccessToken, nil, "invalid_dpop_proof"},
		// covers: RFC 9449 §4.3
		{"for the wrong URL", "DPoP " + bound.AccessToken, []string{proof(key, "GET", "/v1/me/top-tracks")}, "invalid_dpop_proof"},
		{"for the wrong method", "DPoP " + bound.AccessToken, []string{proof(key, "DELETE", path)}, "invalid_dpop_proof"},
		{"replayed", "DPoP " + bound.AccessToken, []string{good}, "invalid_dpop_proof"},
		{"forged: alg none", "DPoP " + bound.AccessToken, []string{forger.Proof("GET", s.api.URL+path, bound.AccessToken, func(h, _ map[string]any) { h["alg"] = "none" })}, "invalid_dpop_proof"},
		{"forged: typ JWT", "DPoP " + bound.AccessToken, []string{forger.Proof("GET", s.api.URL+path, bound.AccessToken, func(h, _ map[string]any) { h["typ"] = "JWT" })}, "invalid_dpop_proof"},
		{"forged: old iat", "DPoP " + bound.AccessToken, []string{forger.Proof("GET", s.api.URL+path, bound.AccessToken, func(_, c map[string]any) { c["iat"] = 1 })}, "invalid_dpop_proof"},
	}
	for _, tc := range cases {
		status, ch := s.call(t, "GET", path, tc.authorization, tc.proofs...)
		if status != 401 || !strings.HasPrefix(ch, `DPoP error="`+tc.code+`"`) || !strings.Contains(ch, "algs=") {
			t.Errorf("stolen token %s: %d %q, want 401 DPoP error=%s", tc.name, status, ch, tc.code)
		}
	}
	// The same theft of a Bearer token works: that is the weakness.
	bearer := s.machineToken(t, nil)
	if status, ch := s.call(t, "GET", path, "Bearer "+bearer.AccessToken); bearer.Type() != "Bearer" || status != 200 {
		t.Fatalf("stolen Bearer token: %s %d %s, want it to work", bearer.TokenType, status, ch)
	}

	// Forged proofs at /token, over HTTP.
	tokenURL := s.as.URL + "/token"
	for name, p := range map[string]string{
		"wrong method": forger.Proof("GET", tokenURL, "", nil),
		"wrong URL":    forger.Proof("POST", s.api.URL+"/token", "", nil),
		"alg none":     forger.Proof("POST", tokenURL, "", func(h, _ map[string]any) { h["alg"] = "none" }),
		"old iat":      forger.Proof("POST", tokenURL, "", func(_, c map[string]any) { c["iat"] = 1 }),
		"no htu":       forger.Proof("POST", tokenURL, "", func(_, c map[string]any) { c["htu"] = nil }),
	} {
		req, _ := http.NewRequest("POST", tokenURL, strings.NewReader(url.Values{"grant_type": {"client_credentials"}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.SetBasicAuth(contract.MachineClient.ID, contract.MachineClient.Secret)
		req.Header.Set("DPoP", p)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var body map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&body)
		resp.Body.Close()
		// covers: RFC 9449 §5
		if resp.StatusCode != 400 || body["error"] != "invalid_dpop_proof" {
			t.Errorf("/token with %s: %d %v, want 400 invalid_dpop_proof", name, resp.StatusCode, body)
		}
	}
}

// TestDPoPClientSystem: the client connects with DPoP (proofs at /token,
// the API, /userinfo and the refresh), the inspector opens each proof up;
// with server nonces on, the client follows use_dpop_nonce; with
// CLIENT_DPOP=false it gets Bearer tokens.
func TestDPoPClientSystem(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name      string
		asEnv     []string
		clientEnv []string
		want      []string // in the inspector
		wantNot   []string
	}{
		{"DPoP", []string{"AUTHSERVER_ACCESS_TOKEN_TTL=2s"}, nil, []string{`data-step="dpop-proof"`, "ath", "htm", "jti", "token_type is DPoP"}, nil},
		{"DPoP with nonces", []string{"AUTHSERVER_DPOP_NONCES=true"}, []string{"CLIENT_DPOP_ALG=ES256"}, []string{`data-step="dpop-proof"`, "use_dpop_nonce", "ES256"}, nil},
		{"DPoP off", nil, []string{"CLIENT_DPOP=false"}, []string{"token_type is Bearer"}, []string{`data-step="dpop-proof"`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := startSystemFull(t, func(string) []string { return tc.asEnv }, tc.clientEnv)
			b := newBrowser(t)
			tracks := s.connect(b, []string{"openid", "offline_access", "profile", "tracks:read", "playlists:read"}, "alice", "wonderland", "approve")
			wantPage(t, tracks, http.StatusOK, `class="track"`)
			if tc.asEnv != nil && tc.asEnv[0] == "AUTHSERVER_ACCESS_TOKEN_TTL=2s" {
				<-timeAfter(3)
				wantPage(t, b.get(s.client.URL+"/playlists"), http.StatusOK) // refreshed with a proof
			}
			insp := b.get(s.client.URL + "/inspector")
			wantPage(t, insp, http.StatusOK, tc.want...)
			for _, no := range tc.wantNot {
				if strings.Contains(insp.body, no) {
					t.Errorf("inspector has %q", no)
				}
			}
		})
	}
}

func timeAfter(seconds int) <-chan time.Time { return time.After(time.Duration(seconds) * time.Second) }
