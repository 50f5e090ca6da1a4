package store

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/oauthlab/oauthlab/authserver/internal/oauth"
)

// TestUseAssertionJTIOnce: of many concurrent uses of one jti exactly one
// wins (the others get ErrAlreadyUsed); another client's same jti is its
// own; an expired record is forgotten.
func TestUseAssertionJTIOnce(t *testing.T) {
	ctx := context.Background()
	db, _ := openTest(t)
	now := time.Now()
	exp := now.Add(time.Minute)
	var wins, used atomic.Int32
	var wg sync.WaitGroup
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := db.UseAssertionJTI(ctx, "robot", "jti-1", exp, now)
			switch {
			case err == nil:
				wins.Add(1)
			case errors.Is(err, oauth.ErrAlreadyUsed):
				used.Add(1)
			default:
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if wins.Load() != 1 || used.Load() != 19 {
		t.Fatalf("wins %d, already used %d; want 1 and 19", wins.Load(), used.Load())
	}
	if err := db.UseAssertionJTI(ctx, "other-robot", "jti-1", exp, now); err != nil {
		t.Fatalf("another client's jti: %v", err)
	}
	// After exp the record is purged; the assertion itself is refused as expired anyway.
	if err := db.UseAssertionJTI(ctx, "robot", "jti-1", exp.Add(time.Hour), exp.Add(time.Second)); err != nil {
		t.Fatalf("after expiry: %v", err)
	}
}
