package main

import (
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/oauthlab/oauthlab/resourceapi/internal/oauthtest"
	"github.com/oauthlab/oauthlab/shared/actortest"
	"github.com/oauthlab/oauthlab/shared/contract"
)

// A key the authorization server drops from its JWK Set (retired, perhaps
// because it leaked) must stop being trusted within RESOURCEAPI_JWKS_REFRESH,
// even for a token the API verified, and cached, while the key was
// published. The JWK Set is served by a test signer over HTTP, which can
// drop a key.
func TestRetiredKeyStopsBeingTrusted(t *testing.T) {
	t.Parallel()
	signer := oauthtest.New(t, "http://as.test", "http://api.test")
	addr := actortest.FreeAddr(t)
	runAPI(t, "jwt, retired key", map[string]string{
		"RESOURCEAPI_ADDR":         addr,
		"RESOURCEAPI_URL":          signer.Audience,
		"RESOURCEAPI_ISSUER":       signer.Issuer,
		"RESOURCEAPI_JWKS_URL":     signer.JWKSURL(),
		"RESOURCEAPI_JWKS_REFRESH": "1s",
		"RESOURCEAPI_DB":           filepath.Join(t.TempDir(), "resourceapi.db"),
	})
	url := "http://" + addr + "/v1/me/top-tracks"
	retired := signer.KID("ES256")
	old := signer.Token(contract.Alice.Subject, "tracks:read")
	if status, body, _ := get(t, url, old); status != http.StatusOK {
		t.Fatalf("a token of a published key: %d %s", status, body)
	}

	// Rotate, then retire the old key.
	signer.Rotate()
	fresh := signer.Token(contract.Alice.Subject, "tracks:read")
	signer.Retire(retired)

	for deadline := time.Now().Add(20 * time.Second); ; {
		status, _, _ := get(t, url, old)
		if status == http.StatusUnauthorized {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("a token signed by the retired key %s is still accepted (%d) 20 s after the key left the JWK Set", retired, status)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if status, body, _ := get(t, url, fresh); status != http.StatusOK {
		t.Fatalf("a token of the new key: %d %s", status, body)
	}
}
