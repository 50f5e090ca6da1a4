package dpop

import (
	"context"
	"errors"
	"time"
)

// LocalFirst puts a small in-process cache in front of a shared replay
// cache (a database table). It is safe because the local cache can only
// add refusals that are true: a proof this process has seen is a replay
// everywhere, and a proof new here is still asked of the shared cache. A
// replay that arrives at this replica again, the common case for a retried
// request, costs no store round trip; a full local cache just defers to the
// shared one.
func LocalFirst(shared ReplayCache) ReplayCache {
	return &localFirst{local: NewMemoryReplayCache(0, nil), shared: shared}
}

type localFirst struct {
	local  *MemoryReplayCache
	shared ReplayCache
}

func (c *localFirst) Seen(ctx context.Context, key string, until time.Time) (bool, error) {
	seen, err := c.local.Seen(ctx, key, until)
	if err != nil && !errors.Is(err, ErrReplayCacheFull) {
		return false, err
	}
	if seen {
		return true, nil
	}
	return c.shared.Seen(ctx, key, until)
}
