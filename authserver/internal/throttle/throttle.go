package throttle

import (
	"sync"
	"time"
)

// Limiter allows at most Max failures per key within Window; after that the
// key is refused until the window that started with its first failure ends.
type Limiter struct {
	max    int
	window time.Duration
	now    func() time.Time

	mu   sync.Mutex
	hits map[string]entry

	// shared, when set, keeps the counts instead of hits (see NewShared).
	shared *sharedCounts
}

type entry struct {
	count int
	start time.Time
}

// New returns a limiter of max failures per window.
func New(max int, window time.Duration, now func() time.Time) *Limiter {
	return &Limiter{max: max, window: window, now: now, hits: map[string]entry{}}
}

// Allowed reports whether key may try again, and if not, how long it must
// wait.
func (l *Limiter) Allowed(key string) (bool, time.Duration) {
	if l.shared != nil {
		return l.sharedAllowed(key)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	e, ok := l.hits[key]
	now := l.now()
	if !ok || now.Sub(e.start) >= l.window {
		return true, 0
	}
	if e.count < l.max {
		return true, 0
	}
	return false, e.start.Add(l.window).Sub(now)
}

// Fail records a failed attempt by key.
func (l *Limiter) Fail(key string) {
	if l.shared != nil {
		l.sharedFail(key)
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	if len(l.hits) > 100_000 {
		l.prune(now)
	}
	e, ok := l.hits[key]
	if !ok || now.Sub(e.start) >= l.window {
		e = entry{start: now}
	}
	e.count++
	l.hits[key] = e
}

// Reset forgets key's failures (after a successful sign-in).
func (l *Limiter) Reset(key string) {
	if l.shared != nil {
		l.shared.forget(key)
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.hits, key)
}

func (l *Limiter) prune(now time.Time) {
	for k, e := range l.hits {
		if now.Sub(e.start) >= l.window {
			delete(l.hits, k)
		}
	}
}
