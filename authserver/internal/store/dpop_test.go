package store

import (
	"context"
	"sync"
	"testing"
	"time"
)

// TestDPoPReplayCacheAcrossReplicas: 32 callers on two replicas present one
// proof at once; exactly one is told it is new (RFC 9449 §11.1). An entry
// whose time has passed is new again, and DeleteExpired sweeps it.
func TestDPoPReplayCacheAcrossReplicas(t *testing.T) {
	ctx := context.Background()
	a, path := openTest(t)
	b, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	until := time.Now().Add(time.Minute)
	var wg sync.WaitGroup
	var mu sync.Mutex
	fresh := 0
	for i := range 32 {
		db := a
		if i%2 == 1 {
			db = b
		}
		wg.Go(func() {
			seen, err := db.DPoPReplayCache().Seen(ctx, "one-proof", until)
			if err != nil {
				t.Error(err)
				return
			}
			if !seen {
				mu.Lock()
				fresh++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	// covers: RFC 9449 §11.1
	if fresh != 1 {
		t.Fatalf("%d callers were told the proof is new, want exactly 1", fresh)
	}
	c := a.DPoPReplayCache()
	if seen, err := c.Seen(ctx, "old", time.Now().Add(-time.Minute)); err != nil || seen {
		t.Fatalf("first sight: seen=%v %v", seen, err)
	}
	if seen, err := c.Seen(ctx, "old", until); err != nil || seen {
		t.Fatalf("an expired entry: seen=%v %v, want new again", seen, err)
	}
	if err := a.DeleteExpired(ctx, time.Now().Add(2*time.Minute)); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := a.read.QueryRowContext(ctx, `SELECT COUNT(*) FROM dpop_proofs`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("after the sweep %d rows (%v), want 0", n, err)
	}
}
