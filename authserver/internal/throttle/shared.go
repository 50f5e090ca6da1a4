package throttle

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"log/slog"
	"time"
)

// Store keeps failure counts where every replica of the server sees them
// (package store implements it on SQLite and PostgreSQL), so a guesser who
// spreads attempts over replicas behind a load balancer is counted once.
type Store interface {
	// AddFailure counts one failure of key at now atomically, restarting
	// the count when the latest failure was before forgetBefore.
	AddFailure(ctx context.Context, key string, now, forgetBefore time.Time) (Entry, error)
	// AddInWindow counts one failure of key at now atomically, starting a
	// new window when the current one started at or before
	// windowStartedBefore; it returns the count and the window's start.
	AddInWindow(ctx context.Context, key string, now, windowStartedBefore time.Time) (int, time.Time, error)
	// Failures returns key's entry, the zero Entry when it has none.
	Failures(ctx context.Context, key string) (Entry, error)
	// ForgetFailures deletes key's entry.
	ForgetFailures(ctx context.Context, key string) error
}

// storeTimeout bounds one throttle query: a throttle must not hold up the
// request it guards for long.
const storeTimeout = 2 * time.Second

// sharedCounts runs the queries of a Counter or Limiter on a Store, under
// a prefix that keeps each throttle's keys apart in the one table.
//
// A failed query is logged and treated as "no failures": the sign-in or
// client authentication the throttle guards reads the same database, so
// while it is down nothing can be guessed anyway, and a throttle that
// failed closed would lock everyone out.
type sharedCounts struct {
	store  Store
	prefix string
	logger *slog.Logger
}

// key is what the store keeps for key: its SHA-256 under the prefix, so
// that any key fits a TEXT column (the throttles' keys hold NUL bytes,
// which PostgreSQL's TEXT refuses) and no username is kept in clear.
func (s *sharedCounts) key(key string) string {
	sum := sha256.Sum256([]byte(key))
	return s.prefix + hex.EncodeToString(sum[:])
}

func (s *sharedCounts) ctx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), storeTimeout)
}

func (s *sharedCounts) report(err error) {
	if err != nil && s.logger != nil {
		s.logger.Warn("throttle store", "prefix", s.prefix, "err", err)
	}
}

func (s *sharedCounts) get(key string) Entry {
	ctx, cancel := s.ctx()
	defer cancel()
	e, err := s.store.Failures(ctx, s.key(key))
	s.report(err)
	return e
}

func (s *sharedCounts) forget(key string) {
	ctx, cancel := s.ctx()
	defer cancel()
	s.report(s.store.ForgetFailures(ctx, s.key(key)))
}

// SharedCounter is a Counter on a Store: a key's failures are forgotten
// once forget has passed since its latest one, as with Memory.
type SharedCounter struct {
	counts sharedCounts
	forget time.Duration
	now    func() time.Time
}

var _ Counter = (*SharedCounter)(nil)

// NewSharedCounter returns a Counter whose counts live in store under
// prefix; logger (may be nil) hears of failed queries.
func NewSharedCounter(store Store, prefix string, forget time.Duration, now func() time.Time, logger *slog.Logger) *SharedCounter {
	return &SharedCounter{counts: sharedCounts{store: store, prefix: prefix, logger: logger}, forget: forget, now: now}
}

// Get implements Counter.
func (c *SharedCounter) Get(key string) Entry {
	e := c.counts.get(key)
	if c.now().Sub(e.Last) >= c.forget {
		return Entry{}
	}
	return e
}

// Add implements Counter.
func (c *SharedCounter) Add(key string, now time.Time) Entry {
	ctx, cancel := c.counts.ctx()
	defer cancel()
	e, err := c.counts.store.AddFailure(ctx, c.counts.key(key), now, now.Add(-c.forget))
	c.counts.report(err)
	return e
}

// Delete implements Counter.
func (c *SharedCounter) Delete(key string) { c.counts.forget(key) }

// NewShared returns a Limiter of max failures per window whose counts live
// in store under prefix, shared by every replica; logger (may be nil)
// hears of failed queries.
func NewShared(store Store, prefix string, max int, window time.Duration, now func() time.Time, logger *slog.Logger) *Limiter {
	l := New(max, window, now)
	l.shared = &sharedCounts{store: store, prefix: prefix, logger: logger}
	return l
}

func (l *Limiter) sharedAllowed(key string) (bool, time.Duration) {
	e := l.shared.get(key)
	now := l.now()
	if e.Count == 0 || now.Sub(e.First) >= l.window || e.Count < l.max {
		return true, 0
	}
	return false, e.First.Add(l.window).Sub(now)
}

func (l *Limiter) sharedFail(key string) {
	ctx, cancel := l.shared.ctx()
	defer cancel()
	now := l.now()
	_, _, err := l.shared.store.AddInWindow(ctx, l.shared.key(key), now, now.Add(-l.window))
	l.shared.report(err)
}
