package store

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/oauthlab/oauthlab/client/internal/flow"
	"github.com/oauthlab/oauthlab/client/internal/identity"
)

func TestIdentitiesAndBackChannelLogout(t *testing.T) {
	s, _, _ := open(t)
	ctx := context.Background()
	for _, sid := range []string{"alice-1", "alice-2", "bob"} {
		if err := s.CreateSession(ctx, sid); err != nil {
			t.Fatal(err)
		}
		if err := s.SaveToken(ctx, sid, &oauth2.Token{AccessToken: "at-" + sid, TokenType: "Bearer"}, "openid"); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.Identity(ctx, "alice-1"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Identity before sign-in: %v, want ErrNotFound", err)
	}
	save := func(sid, sub, psid string) {
		if err := s.SaveIdentity(ctx, sid, Identity{Subject: sub, ProviderSID: psid, Name: sub, IDToken: "id-" + sid}); err != nil {
			t.Fatal(err)
		}
	}
	save("alice-1", "demo-user-alice", "sid-a1")
	save("alice-2", "demo-user-alice", "sid-a2")
	save("bob", "demo-user-bob", "sid-b")

	// A session rotated after sign-in keeps its identity.
	if err := s.RotateSession(ctx, "alice-2", "alice-2b"); err != nil {
		t.Fatal(err)
	}
	if id, err := s.Identity(ctx, "alice-2b"); err != nil || id.IDToken != "id-alice-2" {
		t.Fatalf("Identity after rotation = %+v, %v", id, err)
	}

	step := flow.Step{Kind: flow.KindBackChannelLogout, Title: "logged out"}
	// sid names one provider session: only that client session ends.
	if n, err := s.EndSessionsOf(ctx, "demo-user-alice", "sid-a1", step); err != nil || n != 1 {
		t.Fatalf("EndSessionsOf(alice, sid-a1) = %d, %v; want 1", n, err)
	}
	if _, _, err := s.Token(ctx, "alice-1"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("the ended session still has tokens: %v", err)
	}
	if steps, _ := s.Steps(ctx, "alice-1"); len(steps) != 1 || steps[0].Kind != flow.KindBackChannelLogout {
		t.Fatalf("the ended session's timeline = %+v", steps)
	}
	if _, err := s.Identity(ctx, "alice-2b"); err != nil {
		t.Fatalf("another provider session of alice ended too: %v", err)
	}
	// sub alone: every session of the user ends, no one else's.
	if n, err := s.EndSessionsOf(ctx, "demo-user-alice", "", step); err != nil || n != 1 {
		t.Fatalf("EndSessionsOf(alice) = %d, %v; want 1", n, err)
	}
	if _, _, err := s.Token(ctx, "bob"); err != nil {
		t.Fatalf("bob's session ended with alice's: %v", err)
	}
	if err := s.DeleteIdentity(ctx, "bob"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Identity(ctx, "bob"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Identity after DeleteIdentity: %v", err)
	}
}

func TestRecordLogoutJTIRefusesReplays(t *testing.T) {
	s, clk, _ := open(t)
	ctx := context.Background()
	exp := clk.now().Add(2 * time.Minute)
	var wg sync.WaitGroup
	errs := make([]error, 8)
	for i := range errs {
		wg.Add(1)
		go func() { defer wg.Done(); errs[i] = s.RecordLogoutJTI(ctx, "jti-1", exp) }()
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		switch {
		case err == nil:
			ok++
		case !errors.Is(err, identity.ErrReplayed):
			t.Fatalf("RecordLogoutJTI: %v", err)
		}
	}
	if ok != 1 {
		t.Fatalf("%d of %d concurrent deliveries of one jti were accepted, want 1", ok, len(errs))
	}
	// Once expired, the jti is forgotten (the token itself is refused by exp).
	clk.add(3 * time.Minute)
	if err := s.RecordLogoutJTI(ctx, "jti-1", clk.now().Add(time.Minute)); err != nil {
		t.Fatalf("an expired jti is still recorded: %v", err)
	}
}

func TestSignoutStateIsSingleUse(t *testing.T) {
	s, clk, _ := open(t)
	ctx := context.Background()
	for _, sid := range []string{"mine", "other"} {
		if err := s.CreateSession(ctx, sid); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.SaveSignoutState(ctx, "mine", "st-1"); err != nil {
		t.Fatal(err)
	}
	if err := s.UseSignoutState(ctx, "other", "st-1"); !errors.Is(err, ErrStateUsed) {
		t.Fatalf("another session spent the state: %v", err)
	}
	var wg sync.WaitGroup
	errs := make([]error, 8)
	for i := range errs {
		wg.Add(1)
		go func() { defer wg.Done(); errs[i] = s.UseSignoutState(ctx, "mine", "st-1") }()
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		switch {
		case err == nil:
			ok++
		case !errors.Is(err, ErrStateUsed):
			t.Fatalf("UseSignoutState: %v", err)
		}
	}
	if ok != 1 {
		t.Fatalf("the state was spent %d times, want 1", ok)
	}
	if err := s.SaveSignoutState(ctx, "mine", "st-2"); err != nil {
		t.Fatal(err)
	}
	clk.add(SignoutStateTTL + time.Second)
	if err := s.UseSignoutState(ctx, "mine", "st-2"); !errors.Is(err, ErrStateUsed) {
		t.Fatalf("an expired state was accepted: %v", err)
	}
}
