package oauth

import (
	"crypto/sha256"
	"sync"
	"time"
)

// cacheKey is the SHA-256 of a token. The cache never holds a token itself,
// so a memory dump does not hand out working credentials.
type cacheKey [sha256.Size]byte

func keyOf(token string) cacheKey { return sha256.Sum256([]byte(token)) }

type cacheEntry struct {
	value   *Principal // nil: the token was found inactive
	expires time.Time
	// kid and alg name the key that verified a JWT: the entry is good only
	// while the JWK Set still publishes that key.
	kid, alg string
}

// cache remembers validation results until a deadline. It is bounded: when it
// is full it first drops expired entries, then arbitrary ones (Go's map order
// is random), so a flood of distinct tokens costs memory up to max only.
type cache struct {
	mu      sync.RWMutex
	max     int
	entries map[cacheKey]cacheEntry
}

func newCache(max int) *cache {
	return &cache{max: max, entries: make(map[cacheKey]cacheEntry, min(max, 1024))}
}

// get returns the entry for key if it has not expired at now.
func (c *cache) get(key cacheKey, now time.Time) (cacheEntry, bool) {
	c.mu.RLock()
	e, ok := c.entries[key]
	c.mu.RUnlock()
	if !ok || !now.Before(e.expires) {
		return cacheEntry{}, false
	}
	return e, true
}

func (c *cache) put(key cacheKey, e cacheEntry, now time.Time) {
	if c.max <= 0 || !now.Before(e.expires) {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.entries[key]; !ok && len(c.entries) >= c.max {
		for k, old := range c.entries {
			if !now.Before(old.expires) {
				delete(c.entries, k)
			}
		}
		// Still full of live entries: drop an eighth of them at random, so
		// the next puts do not each pay for a full sweep.
		for k := range c.entries {
			if len(c.entries) <= c.max-c.max/8-1 {
				break
			}
			delete(c.entries, k)
		}
	}
	c.entries[key] = e
}

func (c *cache) len() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.entries)
}
