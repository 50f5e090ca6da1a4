package store

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/oauthlab/oauthlab/authserver/internal/oauth"
)

// TestPendingRequestStore: a pending request round-trips, moves to a new
// binding, is consumed exactly once under races, and is gone once consumed
// or expired.
func TestPendingRequestStore(t *testing.T) {
	ctx := context.Background()
	db, _ := openTest(t)
	if err := db.SeedDemo(ctx, "http://localhost:8080/callback"); err != nil {
		t.Fatal(err)
	}
	client, _ := db.Client(ctx, "demo-client")
	now := time.Now().Truncate(time.Second)
	req := oauth.AuthorizeRequest{Client: client, RedirectURI: "http://localhost:8080/callback", RedirectGiven: true,
		Scopes: []string{"openid", "tracks:read"}, State: "st", CodeChallenge: "cc", Prompt: []string{"login", "consent"},
		Nonce: "n", MaxAge: 90 * time.Second, LoginHint: "alice", HintSubject: "demo-user-alice"}
	if err := db.SavePendingRequest(ctx, "id1", "bind-a", req, now, now.Add(10*time.Minute)); err != nil {
		t.Fatal(err)
	}
	got, binding, err := db.PendingRequest(ctx, "id1", now)
	if err != nil || binding != "bind-a" || got.Nonce != "n" || got.MaxAge != 90*time.Second || got.LoginHint != "alice" ||
		got.HintSubject != "demo-user-alice" || len(got.Prompt) != 2 || got.Client.ID != "demo-client" || !got.Verified ||
		!got.SignedInAt.IsZero() || got.State != "st" || got.CodeChallenge != "cc" || !got.RedirectGiven {
		t.Fatalf("round trip: %+v %q %v", got, binding, err)
	}
	if err := db.BindPendingRequest(ctx, "id1", "bind-b", now); err != nil {
		t.Fatal(err)
	}
	if got, binding, _ = db.PendingRequest(ctx, "id1", now); binding != "bind-b" || !got.SignedInAt.Equal(now) {
		t.Errorf("after sign-in: binding %q signed in %v", binding, got.SignedInAt)
	}

	const n = 20
	var wg sync.WaitGroup
	var mu sync.Mutex
	wins := 0
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := db.ConsumePendingRequest(ctx, "id1", now)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				wins++
			case !errors.Is(err, oauth.ErrAlreadyUsed):
				t.Errorf("consume: %v, want nil or ErrAlreadyUsed", err)
			}
		}()
	}
	wg.Wait()
	if wins != 1 {
		t.Errorf("%d concurrent consumptions succeeded, want exactly 1", wins)
	}
	if _, _, err := db.PendingRequest(ctx, "id1", now); !errors.Is(err, oauth.ErrNotFound) {
		t.Errorf("consumed request: %v, want ErrNotFound", err)
	}

	if err := db.SavePendingRequest(ctx, "id2", "bind-a", req, now, now.Add(10*time.Minute)); err != nil {
		t.Fatal(err)
	}
	later := now.Add(11 * time.Minute)
	if _, _, err := db.PendingRequest(ctx, "id2", later); !errors.Is(err, oauth.ErrNotFound) {
		t.Errorf("expired request: %v, want ErrNotFound", err)
	}
	if err := db.ConsumePendingRequest(ctx, "id2", later); !errors.Is(err, oauth.ErrAlreadyUsed) {
		t.Errorf("consuming an expired request: %v, want ErrAlreadyUsed", err)
	}
	if err := db.DeleteExpired(ctx, later); err != nil {
		t.Fatal(err)
	}
	var left int
	_ = db.read.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM authorization_requests`).Scan(&left)
	if left != 0 {
		t.Errorf("%d pending requests left after the clean-up, want 0", left)
	}
}
