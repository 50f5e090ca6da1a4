package web

import (
	"net/http"
	"strings"
	"testing"
)

// The PKCE code_verifier is a secret of the client, like its
// client_secret: it travels once, in the token request, and the inspector
// never shows it, neither on the authorization request step nor in the
// token request. What the page does show is how the challenge derives
// from it (RFC 7636 §4.2).
func TestInspectorMasksCodeVerifier(t *testing.T) {
	as := &fakeAS{codeStatus: 200, codeBody: goodToken}
	h := newHarness(t, as, topTracksAPI(200, "", tracksBody))
	h.connected()
	verifier, _ := as.verifier.Load().(string)
	if len(verifier) < 43 {
		t.Fatalf("the token request carried code_verifier %q, want a 43+ character verifier", verifier)
	}
	r := h.do(http.MethodGet, "/inspector", nil)
	if r.status != http.StatusOK {
		t.Fatalf("inspector = %d", r.status)
	}
	if strings.Contains(r.body, verifier) || strings.Contains(r.body, verifier[:16]) {
		t.Error("the inspector shows the code_verifier")
	}
	for _, want := range []string{"BASE64URL(SHA256(code_verifier))", "RFC 7636 §4.2"} {
		if !strings.Contains(r.body, want) {
			t.Errorf("the inspector does not explain the S256 relation: lacks %q", want)
		}
	}
}
