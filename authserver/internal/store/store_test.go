package store

import (
	"context"
	"errors"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/oauthlab/oauthlab/authserver/internal/oauth"
	"github.com/oauthlab/oauthlab/shared/contract"
	"github.com/oauthlab/oauthlab/shared/sqldb"
)

func openTest(t *testing.T) (*DB, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "test.db")
	db, err := Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db, path
}

// TestSeedIsIdempotent: migrations and the demo seed run at every start.
func TestSeedIsIdempotent(t *testing.T) {
	ctx := context.Background()
	db, path := openTest(t)
	if err := db.SeedDemo(ctx, "http://localhost:8080/callback"); err != nil {
		t.Fatal(err)
	}
	first, _ := db.Client(ctx, "demo-client")
	db.Close()

	db2, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db2.Close()
	if err := db2.SeedDemo(ctx, "http://127.0.0.1:5555/callback"); err != nil {
		t.Fatal(err)
	}
	again, err := db2.Client(ctx, "demo-client")
	if err != nil {
		t.Fatal(err)
	}
	if again.SecretHash != first.SecretHash {
		t.Error("re-seeding changed the client secret")
	}
	if len(again.RedirectURIs) != 1 || again.RedirectURIs[0] != "http://127.0.0.1:5555/callback" {
		t.Errorf("redirect URIs = %v, want the configured one", again.RedirectURIs)
	}
	clients, _ := db2.Clients(ctx)
	if len(clients) != len(contract.DemoClients) {
		t.Errorf("%d clients after two seeds, want %d", len(clients), len(contract.DemoClients))
	}
	u, err := db2.UserByUsername(ctx, "alice")
	if err != nil || u.Subject != "demo-user-alice" || u.PasswordHash == "wonderland" {
		t.Errorf("alice = %+v, %v", u, err)
	}
	if _, err := db2.UserByUsername(ctx, "' OR 1=1 --"); !errors.Is(err, oauth.ErrNotFound) {
		t.Errorf("SQL-looking username: %v, want ErrNotFound", err)
	}
}

// TestRedeemCodeOnce: of many concurrent redemptions, exactly one succeeds
// and the others get ErrAlreadyUsed, never "database is locked".
// covers: RFC 6749 §4.1.2
func TestRedeemCodeOnce(t *testing.T) {
	ctx := context.Background()
	db, _ := openTest(t)
	if err := db.SeedDemo(ctx, "http://localhost:8080/callback"); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	g := oauth.Grant{ID: "g1", UserID: "demo-user-alice", ClientID: "demo-client", Scopes: []string{"tracks:read"}, CreatedAt: now}
	code := &oauth.Code{Hash: "h1", GrantID: "g1", ClientID: "demo-client", UserID: "demo-user-alice",
		Scopes: g.Scopes, RedirectURI: "x", ExpiresAt: now.Add(time.Minute)}
	if err := db.CreateGrant(ctx, g, code); err != nil {
		t.Fatal(err)
	}
	const n = 16
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = db.RedeemCode(ctx, "h1", now, oauth.Issued{Access: oauth.AccessToken{
				JTI: oauth.NewSecret(), GrantID: "g1", ClientID: "demo-client", UserID: "demo-user-alice",
				IssuedAt: now, ExpiresAt: now.Add(time.Minute),
			}})
		}()
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		switch {
		case err == nil:
			ok++
		case errors.Is(err, oauth.ErrAlreadyUsed):
		default:
			t.Fatalf("unexpected error: %v", err)
		}
	}
	if ok != 1 {
		t.Fatalf("%d redemptions succeeded, want 1", ok)
	}
}

func TestSigningKeysPersist(t *testing.T) {
	ctx := context.Background()
	db, _ := openTest(t)
	for _, alg := range oauth.Algs {
		k, err := oauth.GenerateKey(alg, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		if err := db.AddSigningKey(ctx, k); err != nil {
			t.Fatalf("%s: %v", alg, err)
		}
	}
	keys, err := db.SigningKeys(ctx)
	if err != nil || len(keys) != len(oauth.Algs) {
		t.Fatalf("%d keys, %v", len(keys), err)
	}
	if keys[0].Alg != oauth.Algs[len(oauth.Algs)-1] {
		t.Errorf("newest key first: got %s", keys[0].Alg)
	}
}

func TestDeleteExpired(t *testing.T) {
	ctx := context.Background()
	db, _ := openTest(t)
	if err := db.SeedDemo(ctx, "http://localhost:8080/callback"); err != nil {
		t.Fatal(err)
	}
	now := time.Now().Truncate(time.Second)
	old, fresh := now.Add(-48*time.Hour), now.Add(time.Hour)
	g := oauth.Grant{ID: "m1", ClientID: "demo-machine", Scopes: []string{"charts:read"}, CreatedAt: old}
	if err := db.CreateGrant(ctx, g, nil); err != nil {
		t.Fatal(err)
	}
	for jti, exp := range map[string]time.Time{"old": old, "fresh": fresh} {
		// A machine grant's token row, as versions before 0009 stored them.
		at := oauth.AccessToken{JTI: jti, GrantID: "m1", ClientID: "demo-machine", IssuedAt: old, ExpiresAt: exp}
		if err := db.tx(ctx, func(tx sqldb.Queryer) error { return insertAccessToken(ctx, tx, at) }); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.DeleteExpired(ctx, now.Add(-24*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if _, err := db.AccessToken(ctx, "old"); !errors.Is(err, oauth.ErrNotFound) {
		t.Errorf("expired token kept: %v", err)
	}
	if _, err := db.AccessToken(ctx, "fresh"); err != nil {
		t.Errorf("live token deleted: %v", err)
	}
	if _, err := db.Grant(ctx, "m1"); err != nil {
		t.Errorf("grant with a live token deleted: %v", err)
	}
}
