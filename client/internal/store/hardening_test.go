package store

import (
	"bytes"
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/oauth2"
)

// ConsumeAttempt returns ErrAlreadyUsed when another call consumed the
// attempt first: of many simultaneous calls, exactly one wins.
func TestConsumeAttemptHasOneWinner(t *testing.T) {
	s, clk, _ := open(t)
	ctx := context.Background()
	if err := s.CreateSession(ctx, "sid"); err != nil {
		t.Fatal(err)
	}
	if err := s.SaveAttempt(ctx, "sid", Attempt{State: "st", Verifier: "v", CreatedAt: clk.now()}); err != nil {
		t.Fatal(err)
	}
	var wins, used atomic.Int32
	var wg sync.WaitGroup
	for range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			switch err := s.ConsumeAttempt(ctx, "sid", "st"); {
			case err == nil:
				wins.Add(1)
			case errors.Is(err, ErrAlreadyUsed):
				used.Add(1)
			default:
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if wins.Load() != 1 || used.Load() != 9 {
		t.Fatalf("%d winners and %d ErrAlreadyUsed, want 1 and 9", wins.Load(), used.Load())
	}
	if _, err := s.PendingAttempt(ctx, "sid", "st"); !errors.Is(err, ErrNotFound) {
		t.Errorf("PendingAttempt after consumption = %v, want ErrNotFound", err)
	}
	// The session id changes when the winner stores its tokens.
	if err := s.RotateSession(ctx, "sid", "sid2"); err != nil {
		t.Fatal(err)
	}
	if ok, err := s.AttemptUsed(ctx, "st"); !ok || err != nil {
		t.Errorf("AttemptUsed after rotation = %v, %v; want true", ok, err)
	}
	if ok, _ := s.AttemptUsed(ctx, "other"); ok {
		t.Error("AttemptUsed(unknown) = true")
	}
}

// CSRFKey makes one key and then always returns it, across reopenings.
func TestCSRFKeyIsStable(t *testing.T) {
	s, clk, path := open(t)
	ctx := context.Background()
	k1, err := s.CSRFKey(ctx)
	if err != nil || len(k1) != 32 {
		t.Fatalf("CSRFKey = %x, %v; want 32 bytes", k1, err)
	}
	s.Close()
	s2, err := Open(ctx, path, clk.now)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	if k2, err := s2.CSRFKey(ctx); err != nil || !bytes.Equal(k1, k2) {
		t.Fatalf("CSRFKey after reopening = %x, %v; want %x", k2, err, k1)
	}
}

// A session without tokens lives DefaultAnonymousSessionTTL, not
// SessionTTL: anyone can make one with a single POST. The purge removes
// it; a session with tokens stays.
func TestAnonymousSessionsExpireAndArePurged(t *testing.T) {
	s, clk, _ := open(t)
	ctx := context.Background()
	for _, id := range []string{"anonymous", "connected"} {
		if err := s.CreateSession(ctx, id); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.SaveToken(ctx, "connected", &oauth2.Token{AccessToken: "a", TokenType: "Bearer"}, "tracks:read"); err != nil {
		t.Fatal(err)
	}
	clk.add(DefaultAnonymousSessionTTL + time.Second)
	if ok, _ := s.TouchSession(ctx, "anonymous"); ok {
		t.Error("an anonymous session is live past DefaultAnonymousSessionTTL")
	}
	if ok, _ := s.TouchSession(ctx, "connected"); !ok {
		t.Error("a session with tokens died after DefaultAnonymousSessionTTL")
	}

	purgeCtx, stop := context.WithCancel(ctx)
	defer stop()
	go s.PurgeEvery(purgeCtx, 10*time.Millisecond, func(err error) { t.Error(err) })
	for deadline := time.Now().Add(5 * time.Second); sessionCount(t, s) != 1; {
		if time.Now().After(deadline) {
			t.Fatalf("the periodic purge left %d sessions, want only the connected one", sessionCount(t, s))
		}
		time.Sleep(10 * time.Millisecond)
	}
	if ok, _ := s.TouchSession(ctx, "connected"); !ok {
		t.Error("the purge removed the session with tokens")
	}
}

func sessionCount(t *testing.T, s *Store) int {
	t.Helper()
	var n int
	if err := s.read.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM sessions`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
