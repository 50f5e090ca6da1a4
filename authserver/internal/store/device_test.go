package store

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/oauthlab/oauthlab/authserver/internal/oauth"
)

// TestRedeemDeviceCodeOnce: of concurrent redemptions of one approved
// device code, exactly one stores its grant and tokens; the others get
// ErrAlreadyUsed (the guarded UPDATE of RedeemDeviceCode). A code that
// is still pending cannot be redeemed, and an answer counts only once.
func TestRedeemDeviceCodeOnce(t *testing.T) {
	ctx := context.Background()
	db, _ := openTest(t)
	if err := db.SeedDemo(ctx, "http://localhost:8080/callback"); err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC().Truncate(time.Second)
	d := oauth.DeviceAuthorization{
		DeviceCodeHash: "dev", UserCodeHash: "user", ClientID: "demo-device", Scopes: []string{"tracks:read"},
		Interval: 5 * time.Second, CreatedAt: now, ExpiresAt: now.Add(time.Minute), Status: oauth.DevicePending,
	}
	if err := db.CreateDeviceAuthorization(ctx, d); err != nil {
		t.Fatal(err)
	}
	issuedFor := func(i int) (oauth.Grant, oauth.Issued) {
		id := "grant-" + string(rune('a'+i))
		return oauth.Grant{ID: id, UserID: "demo-user-alice", ClientID: "demo-device", CreatedAt: now},
			oauth.Issued{Access: oauth.AccessToken{JTI: "jti-" + id, GrantID: id, ClientID: "demo-device", IssuedAt: now, ExpiresAt: now.Add(time.Minute)}}
	}
	g, issued := issuedFor(20)
	if err := db.RedeemDeviceCode(ctx, "dev", now, g, issued); !errors.Is(err, oauth.ErrAlreadyUsed) {
		t.Fatalf("redeeming a pending code: %v, want ErrAlreadyUsed", err)
	}
	if err := db.DecideDevice(ctx, "user", oauth.DeviceApproved, "demo-user-alice", oauth.Authentication{}, now); err != nil {
		t.Fatal(err)
	}
	if err := db.DecideDevice(ctx, "user", oauth.DeviceDenied, "demo-user-alice", oauth.Authentication{}, now); !errors.Is(err, oauth.ErrAlreadyUsed) {
		t.Fatalf("second answer: %v, want ErrAlreadyUsed", err)
	}
	var wg sync.WaitGroup
	errs := make([]error, 8)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			g, issued := issuedFor(i)
			errs[i] = db.RedeemDeviceCode(ctx, "dev", now, g, issued)
		}()
	}
	wg.Wait()
	wins := 0
	for _, err := range errs {
		switch {
		case err == nil:
			wins++
		case !errors.Is(err, oauth.ErrAlreadyUsed):
			t.Fatalf("unexpected error: %v", err)
		}
	}
	if wins != 1 {
		t.Fatalf("%d redemptions won, want exactly 1", wins)
	}
}
