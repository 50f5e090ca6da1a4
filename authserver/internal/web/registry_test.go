package web_test

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/oauthlab/oauthlab/authserver/internal/oauth"
)

// TestMetadataComesFromTheRegistryAndRoutes checks that the metadata names
// exactly the grants of oauth.Grants and that every endpoint it advertises
// is served (a hand-kept list could name one that is not).
func TestMetadataComesFromTheRegistryAndRoutes(t *testing.T) {
	e := newTestEnv(t)
	resp := mustGet(t, http.DefaultClient, e.URL+"/.well-known/oauth-authorization-server")
	var doc map[string]any
	if err := json.Unmarshal([]byte(readBody(t, resp)), &doc); err != nil {
		t.Fatal(err)
	}
	var grants []string
	for _, g := range doc["grant_types_supported"].([]any) {
		grants = append(grants, g.(string))
	}
	if !slices.Equal(grants, oauth.GrantNames()) || len(grants) < 3 {
		t.Errorf("grant_types_supported = %v, want %v", grants, oauth.GrantNames())
	}
	endpoints := 0
	for field, v := range doc {
		if !strings.HasSuffix(field, "_endpoint") && field != "jwks_uri" {
			continue
		}
		endpoints++
		u, _ := v.(string)
		if !strings.HasPrefix(u, e.URL+"/") {
			t.Errorf("%s = %q, not under the issuer", field, u)
			continue
		}
		// A GET of a POST-only endpoint is 405, of an unrouted one 404.
		resp, err := http.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode == http.StatusNotFound {
			t.Errorf("%s = %s is advertised but not routed", field, u)
		}
	}
	if endpoints < 8 {
		t.Errorf("only %d endpoints advertised: %v", endpoints, doc)
	}
}

// TestTokenRefusesGrantsOutsideTheRegistry: a grant_type the registry does
// not hold is unsupported_grant_type; one the client did not register is
// unauthorized_client.
func TestTokenRefusesGrantsOutsideTheRegistry(t *testing.T) {
	e := newTestEnv(t)
	for _, tc := range []struct{ grant, want string }{
		// covers: RFC 6749 §5.2
		{"password", "unsupported_grant_type"},
		{"implicit", "unsupported_grant_type"},
		{"client_credentials", "unauthorized_client"},
	} {
		resp, m := e.postForm("/token", "demo-client", "demo-secret", map[string][]string{"grant_type": {tc.grant}})
		if resp.StatusCode != http.StatusBadRequest || m["error"] != tc.want {
			t.Errorf("grant_type=%s: %d %v, want 400 %s", tc.grant, resp.StatusCode, m, tc.want)
		}
		if tc.want == "unsupported_grant_type" && !strings.Contains(m["error_description"].(string), strings.Join(oauth.GrantNames(), ", ")) {
			t.Errorf("description %q does not list the grants", m["error_description"])
		}
	}
}

func jsonUnmarshal(s string, v any) error { return json.Unmarshal([]byte(s), v) }
