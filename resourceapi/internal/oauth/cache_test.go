package oauth

import (
	"fmt"
	"testing"
	"time"
)

func TestCacheExpiry(t *testing.T) {
	c := newCache(10)
	now := time.Unix(1_000_000, 0)
	p := &Principal{Subject: "s"}
	c.put(keyOf("tok"), cacheEntry{value: p, expires: now.Add(time.Minute)}, now)
	if e, ok := c.get(keyOf("tok"), now.Add(59*time.Second)); !ok || e.value != p {
		t.Fatal("entry missing before it expires")
	}
	if _, ok := c.get(keyOf("tok"), now.Add(time.Minute)); ok {
		t.Fatal("entry returned at its expiry")
	}
	if _, ok := c.get(keyOf("other"), now); ok {
		t.Fatal("entry for a token never stored")
	}
	c.put(keyOf("old"), cacheEntry{value: p, expires: now}, now)
	if c.len() != 1 {
		t.Fatal("an already expired entry was stored")
	}
}

func TestCacheIsBounded(t *testing.T) {
	c := newCache(100)
	now := time.Unix(1_000_000, 0)
	for i := range 1000 {
		c.put(keyOf(fmt.Sprint(i)), cacheEntry{value: &Principal{}, expires: now.Add(time.Hour)}, now)
		if n := c.len(); n > 100 {
			t.Fatalf("cache holds %d entries, more than its bound of 100", n)
		}
	}
	// Expired entries go first when the cache is full.
	c = newCache(3)
	c.put(keyOf("a"), cacheEntry{value: &Principal{}, expires: now.Add(time.Second)}, now)
	c.put(keyOf("b"), cacheEntry{value: &Principal{}, expires: now.Add(time.Hour)}, now)
	c.put(keyOf("c"), cacheEntry{value: &Principal{}, expires: now.Add(time.Hour)}, now)
	later := now.Add(time.Minute)
	c.put(keyOf("d"), cacheEntry{value: &Principal{}, expires: later.Add(time.Hour)}, later)
	for _, k := range []string{"b", "c", "d"} {
		if _, ok := c.get(keyOf(k), later); !ok {
			t.Errorf("live entry %s was dropped while an expired one could go", k)
		}
	}
}

func TestCacheDisabled(t *testing.T) {
	c := newCache(0)
	now := time.Now()
	c.put(keyOf("x"), cacheEntry{value: &Principal{}, expires: now.Add(time.Hour)}, now)
	if c.len() != 0 {
		t.Fatal("a cache of size 0 stored an entry")
	}
}
