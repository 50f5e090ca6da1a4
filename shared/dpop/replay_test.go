package dpop

import (
	"context"
	"errors"
	"strconv"
	"testing"
	"time"
)

func TestMemoryReplayCache(t *testing.T) {
	clock := testNow
	c := NewMemoryReplayCache(3, func() time.Time { return clock })
	ctx := context.Background()
	seen := func(key string, ttl time.Duration) (bool, error) { return c.Seen(ctx, key, clock.Add(ttl)) }

	if s, err := seen("a", time.Minute); s || err != nil {
		t.Fatalf("first a: %v %v", s, err)
	}
	if s, err := seen("a", time.Minute); !s || err != nil {
		t.Fatalf("second a: %v %v, want seen", s, err)
	}
	seen("b", time.Minute)
	seen("c", 2*time.Minute)
	// Full of live entries: refuse rather than forget one.
	if _, err := seen("d", time.Minute); !errors.Is(err, ErrReplayCacheFull) {
		t.Fatalf("d in a full cache: %v, want ErrReplayCacheFull", err)
	}
	// A minute on, a and b have expired: they are swept and may be used again.
	clock = clock.Add(time.Minute)
	if s, err := seen("d", time.Minute); s || err != nil {
		t.Fatalf("d after expiry: %v %v", s, err)
	}
	if s, _ := seen("c", time.Minute); !s {
		t.Fatal("c forgotten before it expired")
	}
	if s, _ := seen("a", time.Minute); s {
		t.Fatal("expired a still seen")
	}
	if n := c.Len(); n > 3 {
		t.Fatalf("Len = %d, over the bound", n)
	}
}

func TestMemoryReplayCacheSweepsAsItGoes(t *testing.T) {
	clock := testNow
	c := NewMemoryReplayCache(0, func() time.Time { return clock })
	for i := range 1000 {
		c.Seen(context.Background(), strconv.Itoa(i), clock.Add(time.Second))
	}
	clock = clock.Add(time.Minute)
	c.Seen(context.Background(), "late", clock.Add(time.Second))
	if n := c.Len(); n != 1 {
		t.Fatalf("Len = %d after the sweep, want 1", n)
	}
}
