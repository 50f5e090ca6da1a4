package store

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/oauthlab/oauthlab/authserver/internal/oauth"
)

// TestClientCacheAcrossReplicas: two DBs on one file play two replicas. A
// change made on the other one shows within clientCacheTTL, a change made
// here at once, and a client that did not exist a moment ago at once.
func TestClientCacheAcrossReplicas(t *testing.T) {
	ctx := context.Background()
	a, path := openTest(t)
	b, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	now := time.Now()
	a.clients.now = func() time.Time { return now }

	rp := oauth.Client{ID: "rp", Name: "RP", RedirectURIs: []string{"http://127.0.0.1/cb"}, GrantTypes: []string{"authorization_code"},
		Scopes: []string{"tracks:read"}, AuthMethod: "none", CreatedAt: now}
	if _, err := a.Client(ctx, "rp"); !errors.Is(err, oauth.ErrNotFound) {
		t.Fatalf("before it exists: %v, want ErrNotFound", err)
	}
	if err := b.CreateClient(ctx, rp); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Client(ctx, "rp"); err != nil {
		t.Fatalf("a client registered on the other replica is not found at once: %v", err)
	}

	// A caller may change what it was given; the cache must not see it.
	cached, _ := a.Client(ctx, "rp")
	cached.RedirectURIs[0] = "http://evil.example/cb"
	if again, _ := a.Client(ctx, "rp"); again.RedirectURIs[0] != "http://127.0.0.1/cb" {
		t.Fatalf("a caller's change reached the cache: %v", again.RedirectURIs)
	}

	if err := b.SetBackchannelLogoutURI(ctx, "rp", "http://127.0.0.1/bcl"); err != nil {
		t.Fatal(err)
	}
	if c, _ := a.Client(ctx, "rp"); c.BackchannelLogoutURI != "" {
		t.Fatalf("within the TTL the row was read again (%q): the cache is not used", c.BackchannelLogoutURI)
	}
	now = now.Add(clientCacheTTL)
	if c, _ := a.Client(ctx, "rp"); c.BackchannelLogoutURI != "http://127.0.0.1/bcl" {
		t.Fatalf("after the TTL: %q, want the other replica's change", c.BackchannelLogoutURI)
	}
	if err := a.SetBackchannelLogoutURI(ctx, "rp", ""); err != nil {
		t.Fatal(err)
	}
	if c, _ := a.Client(ctx, "rp"); c.BackchannelLogoutURI != "" {
		t.Fatalf("this replica's own change is not seen at once: %q", c.BackchannelLogoutURI)
	}
}

// TestClientCacheIsBounded: registration lets anyone make client ids, so
// the cache keeps at most clientCacheSize rows.
func TestClientCacheIsBounded(t *testing.T) {
	c := newClientCache(time.Now)
	for i := range clientCacheSize + 10 {
		c.put(oauth.Client{ID: "client-" + string(rune('a'+i%26)) + time.Duration(i).String()})
	}
	if n := len(c.rows); n > clientCacheSize {
		t.Fatalf("%d rows kept, want at most %d", n, clientCacheSize)
	}
}
