package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/oauthlab/oauthlab/shared/dpop"
)

// TestDPoPTokenRequest: with DPoP on, the authorization request carries
// dpop_jkt and the token request a proof by that key for POST /token; a
// DPoP answer is kept, a Bearer answer is a downgrade and refused.
func TestDPoPTokenRequest(t *testing.T) {
	t.Parallel()
	dpopToken := strings.Replace(goodToken, `"token_type":"Bearer"`, `"token_type":"DPoP"`, 1)
	for _, tc := range []struct {
		name, body string
		status     int
	}{
		{"DPoP token", dpopToken, http.StatusSeeOther},
		// covers: RFC 9449 §5
		{"Bearer downgrade", goodToken, http.StatusBadGateway},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			as := &fakeAS{codeStatus: 200, codeBody: tc.body}
			h := newHarness(t, as, http.NotFoundHandler(), "CLIENT_DPOP", "true")
			r := h.do(http.MethodPost, "/connect", url.Values{"scope": {"tracks:read"}})
			loc, err := url.Parse(r.header.Get("Location"))
			if err != nil || r.status != http.StatusSeeOther {
				t.Fatalf("connect = %d %v", r.status, err)
			}
			jkt := loc.Query().Get("dpop_jkt")
			// covers: RFC 9449 §10
			if len(jkt) != 43 {
				t.Fatalf("authorization request lacks dpop_jkt: %s", loc)
			}
			cb := h.callback(loc.Query().Get("state"), "good-code")
			if cb.status != tc.status {
				t.Fatalf("callback = %d, want %d:\n%s", cb.status, tc.status, cb.body)
			}
			raw, _ := as.proof.Load().(string)
			p, err := dpop.Decode(raw)
			if err != nil {
				t.Fatalf("token request proof %q: %v", raw, err)
			}
			if p.Thumbprint != jkt || p.Claims.HTM != "POST" || p.Claims.HTU != h.asSrv.URL+"/token" || p.Header.Alg != "EdDSA" {
				t.Fatalf("proof: jkt %s htm %s htu %s alg %s; want the dpop_jkt key, POST %s/token, EdDSA", p.Thumbprint, p.Claims.HTM, p.Claims.HTU, p.Header.Alg, h.asSrv.URL)
			}
			if tc.status == http.StatusBadGateway && !strings.Contains(cb.body, "refuses the downgrade") {
				t.Fatalf("downgrade page does not say so:\n%s", cb.body)
			}
		})
	}
}

// TestDPoPPublicHTU: under compose the app dials the servers by service
// name, but its proofs name the public URLs the servers check.
func TestDPoPPublicHTU(t *testing.T) {
	a := &App{}
	a.cfg.Issuer, a.cfg.TokenURL = "http://localhost:9000", "http://authserver:9000/token"
	a.cfg.APIURL, a.cfg.APIPublicURL = "http://resourceapi:9090", "http://localhost:9090"
	for in, want := range map[string]string{
		"http://authserver:9000/token":                 "http://localhost:9000/token",
		"http://authserver:9000/userinfo":              "http://localhost:9000/userinfo",
		"http://resourceapi:9090/v1/me/top-tracks?x=1": "http://localhost:9090/v1/me/top-tracks",
		"http://elsewhere:1/x":                         "http://elsewhere:1/x",
	} {
		u, _ := url.Parse(in)
		if got := a.publicHTU(u); got != want {
			t.Errorf("publicHTU(%s) = %s, want %s", in, got, want)
		}
	}
}
