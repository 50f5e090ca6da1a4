package oauth

import (
	"sync"
	"testing"
)

// The first requests of a busy client arrive together; they must share
// one bcrypt comparison, and a wrong secret must still fail.
func TestSecretCacheSharesTheFirstComparison(t *testing.T) {
	hash, err := HashPassword("right")
	if err != nil {
		t.Fatal(err)
	}
	c := Client{ID: "machine", SecretHash: hash}
	var sc secretCache
	var wg sync.WaitGroup
	results := make([]bool, 16)
	start := make(chan struct{})
	for i := range results {
		wg.Go(func() {
			<-start
			results[i] = sc.verify(c, "right")
		})
	}
	close(start)
	wg.Wait()
	for i, ok := range results {
		if !ok {
			t.Fatalf("verification %d failed for the right secret", i)
		}
	}
	// Goroutines that arrive after the first comparison ended hit the
	// cache; none may run bcrypt again. A few may have missed the flight
	// when scheduling spread them out, never all of them.
	if n := sc.compares.Load(); n > 2 {
		t.Fatalf("%d bcrypt comparisons for 16 simultaneous requests, want 1 (2 at most)", n)
	}
	if sc.verify(c, "wrong") {
		t.Fatal("a wrong secret passed")
	}
	if sc.verify(c, "right") != true || sc.compares.Load() > 3 {
		t.Fatalf("the cached secret was compared again (%d comparisons)", sc.compares.Load())
	}
}
