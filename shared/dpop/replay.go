package dpop

import (
	"context"
	"errors"
	"sync"
	"time"
)

// ReplayCache remembers the proofs a server has accepted, so that each is
// accepted once (RFC 9449 §11.1). Implementations must be safe for
// concurrent use and atomic: of many calls with one key, exactly one may
// answer false.
type ReplayCache interface {
	// Seen records key until the given time and reports whether it was
	// already recorded and not yet expired. An error means the answer is
	// unknown; Verify then rejects the proof (fails closed).
	Seen(ctx context.Context, key string, until time.Time) (alreadySeen bool, err error)
}

// ErrReplayCacheFull is the MemoryReplayCache's answer when it holds its
// maximum of live entries: refusing is safer than forgetting one.
var ErrReplayCacheFull = errors.New("dpop: replay cache is full")

// MemoryReplayCache is a ReplayCache in one process's memory: right for one
// replica, and for tests. Several replicas need a shared store instead,
// or a proof refused by one would be accepted by another.
type MemoryReplayCache struct {
	mu         sync.Mutex
	until      map[string]time.Time
	max        int
	now        func() time.Time
	nextSweep  time.Time
	sweepEvery time.Duration
}

var _ ReplayCache = (*MemoryReplayCache)(nil)

// NewMemoryReplayCache returns a cache holding at most max live entries
// (max <= 0 means 100 000), with expired ones dropped as it goes. now is the
// clock (nil means time.Now).
func NewMemoryReplayCache(max int, now func() time.Time) *MemoryReplayCache {
	if max <= 0 {
		max = 100_000
	}
	if now == nil {
		now = time.Now
	}
	return &MemoryReplayCache{until: make(map[string]time.Time), max: max, now: now, sweepEvery: 10 * time.Second}
}

// Seen implements ReplayCache. It answers ErrReplayCacheFull when max live
// entries are held.
func (c *MemoryReplayCache) Seen(_ context.Context, key string, until time.Time) (bool, error) {
	now := c.now()
	c.mu.Lock()
	defer c.mu.Unlock()
	if expiry, ok := c.until[key]; ok && now.Before(expiry) {
		return true, nil
	}
	// Sweep the expired entries now and then, or at once when full: the cost
	// is spread over many calls, and a full cache is emptied of what it may
	// forget before it refuses anything.
	if len(c.until) >= c.max || !now.Before(c.nextSweep) {
		for k, expiry := range c.until {
			if !now.Before(expiry) {
				delete(c.until, k)
			}
		}
		c.nextSweep = now.Add(c.sweepEvery)
		if len(c.until) >= c.max {
			return false, ErrReplayCacheFull
		}
	}
	c.until[key] = until
	return false, nil
}

// Len is the number of entries held, expired ones not yet swept included.
func (c *MemoryReplayCache) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.until)
}
