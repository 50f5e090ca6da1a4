package throttle

import (
	"sync"
	"time"
)

// Entry is a key's failure count and the time of its latest failure.
type Entry struct {
	Count int
	Last  time.Time
	// First is when the count started (a Limiter's window starts there);
	// the in-memory Counter leaves it zero.
	First time.Time
}

// Counter keeps failure counts by key. Memory is the in-process one; a
// version backed by a shared store (so that every replica counts together)
// only needs these three methods.
type Counter interface {
	// Get returns key's entry; the zero Entry when it has none or its
	// failures were forgotten.
	Get(key string) Entry
	// Add counts one more failure of key at now, atomically, and returns
	// the new entry.
	Add(key string, now time.Time) Entry
	// Delete forgets key.
	Delete(key string)
}

// Memory is a Counter in memory. A key's failures are forgotten once
// forget has passed since its latest one.
type Memory struct {
	forget time.Duration
	now    func() time.Time

	mu      sync.Mutex
	entries map[string]Entry
}

var _ Counter = (*Memory)(nil)

// NewMemory returns an empty in-memory counter.
func NewMemory(forget time.Duration, now func() time.Time) *Memory {
	return &Memory{forget: forget, now: now, entries: map[string]Entry{}}
}

// Get implements Counter.
func (m *Memory) Get(key string) Entry {
	m.mu.Lock()
	defer m.mu.Unlock()
	e := m.entries[key]
	if m.now().Sub(e.Last) >= m.forget {
		return Entry{}
	}
	return e
}

// Add implements Counter.
func (m *Memory) Add(key string, now time.Time) Entry {
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.entries) > 100_000 {
		for k, e := range m.entries {
			if now.Sub(e.Last) >= m.forget {
				delete(m.entries, k)
			}
		}
	}
	e := m.entries[key]
	if now.Sub(e.Last) >= m.forget {
		e = Entry{}
	}
	e.Count++
	e.Last = now
	m.entries[key] = e
	return e
}

// Delete implements Counter.
func (m *Memory) Delete(key string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.entries, key)
}

// Backoff slows down repeated failures without ever locking a key out for
// good: after Free failures, each further attempt must wait Base, then
// twice that, and so on up to Max, counted from the latest failure.
type Backoff struct {
	Counter   Counter
	Free      int
	Base, Max time.Duration
	Now       func() time.Time
}

// Wait returns how long key must wait before its next attempt (0: now).
func (b Backoff) Wait(key string) time.Duration {
	return b.waitFor(b.Counter.Get(key))
}

func (b Backoff) waitFor(e Entry) time.Duration {
	if e.Count < b.Free {
		return 0
	}
	delay := b.Max
	if shift := e.Count - b.Free; shift < 32 {
		delay = min(b.Base<<shift, b.Max)
	}
	return max(0, e.Last.Add(delay).Sub(b.Now()))
}

// Fail counts a failure of key.
func (b Backoff) Fail(key string) { b.Counter.Add(key, b.Now()) }

// Reset forgets key's failures.
func (b Backoff) Reset(key string) { b.Counter.Delete(key) }
