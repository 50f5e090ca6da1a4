package web_test

import (
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/oauthlab/oauthlab/authserver/internal/throttle"
	"github.com/oauthlab/oauthlab/authserver/internal/web"
)

// An address that keeps failing client authentication is stopped with 429
// before each further guess costs a bcrypt comparison; a success does not
// count, and the stop applies to every back-channel endpoint.
// covers: RFC 6585 §4
func TestClientAuthenticationFailuresAreThrottled(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t, func(o *web.Options) {
		o.ClientThrottle = throttle.New(3, time.Minute, time.Now)
	})
	grant := url.Values{"grant_type": {"client_credentials"}}

	// Successes are never counted.
	for range 5 {
		if resp, body := env.postForm("/token", "demo-machine", "machine-secret", grant); resp.StatusCode != http.StatusOK {
			t.Fatalf("right secret: %d %v", resp.StatusCode, body)
		}
	}
	for i := range 3 {
		resp, body := env.postForm("/token", "demo-machine", "wrong", grant)
		if resp.StatusCode != http.StatusUnauthorized || body["error"] != "invalid_client" {
			t.Fatalf("failure %d: %d %v, want 401 invalid_client", i+1, resp.StatusCode, body)
		}
	}
	for _, path := range []string{"/token", "/revoke", "/introspect"} {
		resp, body := env.postForm(path, "demo-machine", "machine-secret", url.Values{"grant_type": {"client_credentials"}, "token": {"x"}})
		if resp.StatusCode != http.StatusTooManyRequests || body["error"] != "invalid_client" {
			t.Errorf("%s after 3 failures: %d %v, want 429 invalid_client", path, resp.StatusCode, body)
		}
		if resp.Header.Get("Retry-After") == "" || resp.Header.Get("Cache-Control") != "no-store" {
			t.Errorf("%s: headers %v, want Retry-After and Cache-Control: no-store", path, resp.Header)
		}
	}
}

// Wrong secrets for one client stop that client at that address, not the
// other clients there: the resource API's introspection keeps working next
// to a client that keeps failing.
func TestClientAuthenticationThrottleIsPerClient(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t, func(o *web.Options) {
		o.ClientThrottle = throttle.New(3, time.Minute, time.Now)
	})
	grant := url.Values{"grant_type": {"client_credentials"}}
	for range 4 {
		env.postForm("/token", "demo-machine", "wrong", grant)
	}
	if resp, body := env.postForm("/token", "demo-machine", "machine-secret", grant); resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("demo-machine after 4 failures: %d %v, want 429", resp.StatusCode, body)
	}
	if resp, body := env.postForm("/introspect", "music-api", "music-api-secret", url.Values{"token": {"x"}}); resp.StatusCode != http.StatusOK {
		t.Fatalf("music-api at the same address: %d %v, want 200: one client's failures shut out another", resp.StatusCode, body)
	}
}
