package web_test

import (
	"context"
	"encoding/json"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/oauthlab/oauthlab/authserver/internal/oauth"
)

// jwks fetches the JWKS and returns its keys by kid, each as the JSON
// object it is.
func (e *testEnv) jwks() map[string]map[string]any {
	e.t.Helper()
	resp := mustGet(e.t, http.DefaultClient, e.URL+"/.well-known/jwks.json")
	var set struct {
		Keys []map[string]any `json:"keys"`
	}
	if err := json.Unmarshal([]byte(readBody(e.t, resp)), &set); err != nil {
		e.t.Fatal(err)
	}
	out := map[string]map[string]any{}
	for _, k := range set.Keys {
		kid, _ := k["kid"].(string)
		out[kid] = k
	}
	return out
}

// privateMembers are the JWK members that carry a private key (RFC 7518
// §6.2.2, §6.3.2, §6.4; RFC 8037 §2).
var privateMembers = []string{"d", "p", "q", "dp", "dq", "qi", "oth", "k"}

// addIDTokenKey does what `authserver keys rotate -purpose id_token
// -publish-ahead ahead` does, from outside the server.
func (e *testEnv) addIDTokenKey(ahead time.Duration) oauth.SigningKey {
	e.t.Helper()
	k, err := oauth.GenerateKey(oauth.DefaultIDTokenAlg, e.now())
	if err != nil {
		e.t.Fatal(err)
	}
	k.Purpose, k.SignsFrom = oauth.PurposeIDToken, e.now().Add(ahead)
	if err := e.DB.AddSigningKey(context.Background(), k); err != nil {
		e.t.Fatal(err)
	}
	return k
}

// TestIDTokenKeyRotationAsRelyingPartiesSeeIt: after `keys rotate
// -purpose id_token`, the new key is in the JWKS before it signs; ID tokens
// issued after its start carry its kid and verify with go-oidc; the old key
// stays in the JWKS, and its expired ID tokens remain logout hints, for the
// ID token lifetime plus five minutes; after that such a hint is refused
// with a page, not an error of the server. No JWK carries a private part.
//
// covers: OIDC Core §10.1.1, OIDC RP-Initiated Logout §2
func TestIDTokenKeyRotationAsRelyingPartiesSeeIt(t *testing.T) {
	e := newTestEnv(t)
	alice, again := e.browser(), e.browser()
	first := idTokenOf(t, e.tokens(alice, map[string]string{"scope": "openid"}))
	second := idTokenOf(t, e.tokens(again, map[string]string{"scope": "openid"}))
	h, _ := jwtParts(t, first)
	oldKID, _ := h["kid"].(string)

	next := e.addIDTokenKey(2 * time.Minute)
	e.advance(2 * time.Second) // past the server's key cache
	set := e.jwks()
	if set[oldKID] == nil || set[next.KID] == nil {
		t.Fatalf("JWKS during publish-ahead: %v, want %s and %s", slices.Collect(maps.Keys(set)), oldKID, next.KID)
	}
	for kid, k := range set {
		for _, m := range privateMembers {
			if _, ok := k[m]; ok {
				t.Errorf("JWK %s carries the private member %q", kid, m)
			}
		}
	}
	ahead := idTokenOf(t, e.tokens(alice, map[string]string{"scope": "openid"}))
	if h, _ := jwtParts(t, ahead); h["kid"] != oldKID {
		t.Fatalf("ID token signed by %v while the new key is only published ahead; want %s", h["kid"], oldKID)
	}

	e.advance(2 * time.Minute) // the new key's start
	after := idTokenOf(t, e.tokens(alice, map[string]string{"scope": "openid"}))
	if h, _ := jwtParts(t, after); h["kid"] != next.KID {
		t.Fatalf("ID token after the new key's start signed by %v, want %s", h["kid"], next.KID)
	}
	v := e.verifier()
	for name, raw := range map[string]string{"new": after, "older, still valid": ahead} {
		if _, err := v.Verify(context.Background(), raw); err != nil {
			t.Errorf("go-oidc on the %s ID token: %v", name, err)
		}
	}

	// Within the retention the old key is published and its expired ID
	// tokens are still hints (OIDC RP-Initiated Logout §2).
	e.advance(14 * time.Minute)
	if e.jwks()[oldKID] == nil {
		t.Fatal("the old ID-token key left the JWKS before ID token lifetime + 5 minutes")
	}
	resp := e.endSession(alice, url.Values{"id_token_hint": {first}})
	if body := readBody(t, resp); resp.StatusCode != http.StatusOK || !strings.Contains(body, `id="signed-out"`) {
		t.Fatalf("logout with an expired hint of the published old key: %d, want the signed-out page", resp.StatusCode)
	}

	// After it the key is gone, and a hint it signed cannot be checked: it
	// is refused on a page (the OP must validate that it issued the
	// hint), and the session stays.
	e.advance(2 * time.Minute)
	if set := e.jwks(); set[oldKID] != nil || set[next.KID] == nil {
		t.Fatalf("JWKS after the retention: %v, want %s without %s", slices.Collect(maps.Keys(set)), next.KID, oldKID)
	}
	resp = e.endSession(again, url.Values{"id_token_hint": {second}})
	if body := readBody(t, resp); resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "id_token_hint") {
		t.Fatalf("logout with a hint of a key out of the JWKS: %d, want 400 and a page about the hint:\n%s", resp.StatusCode, body)
	}
	if got, _ := e.outcome(again, map[string]string{"scope": "openid", "prompt": "none"}); got != "code" {
		t.Errorf("after a refused hint the session is gone (%s)", got)
	}
}

// TestRetiredIDTokenKeyStopsVerifyingAtOnce: retiring a superseded
// ID-token key (a leak) takes it out of the JWKS at once, and an ID token it
// signed, even unexpired, is no id_token_hint any more.
//
// covers: OIDC Core §3.1.2.1
func TestRetiredIDTokenKeyStopsVerifyingAtOnce(t *testing.T) {
	e := newTestEnv(t)
	b := e.browser()
	hint := idTokenOf(t, e.tokens(b, map[string]string{"scope": "openid"}))
	h, _ := jwtParts(t, hint)
	oldKID, _ := h["kid"].(string)
	next := e.addIDTokenKey(0)
	e.advance(2 * time.Second)
	if got, _ := e.outcome(b, map[string]string{"scope": "openid", "prompt": "none", "id_token_hint": hint}); got != "code" {
		t.Fatalf("hint of the superseded, still published key: %s, want code", got)
	}
	if err := e.DB.RetireSigningKey(context.Background(), oldKID, e.now()); err != nil {
		t.Fatal(err)
	}
	e.advance(2 * time.Second)
	if set := e.jwks(); set[oldKID] != nil || set[next.KID] == nil {
		t.Fatalf("JWKS after retiring %s: %v", oldKID, slices.Collect(maps.Keys(set)))
	}
	if got, _ := e.outcome(b, map[string]string{"scope": "openid", "prompt": "none", "id_token_hint": hint}); got != "invalid_request" {
		t.Errorf("hint signed by a retired key: %s, want invalid_request", got)
	}
}
