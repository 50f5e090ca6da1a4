package store

import (
	"slices"
	"sync"
	"time"

	"github.com/oauthlab/oauthlab/authserver/internal/oauth"
)

// clientCacheTTL is how long a client row read from the database serves
// again without a query. A code flow reads its client twice (at
// /authorize and at /token), and in the load test those reads were a fifth
// of the server's CPU per flow: a SQLite reader's page cache is emptied
// whenever the writer commits, which under load is all the time.
//
// Why a per-process cache is safe here, with replicas too: client rows
// almost never change. Clients are never deleted; an operator's seed or
// `authserver clients add` (another process, or another replica) changes
// or adds a row, and a replica sees the change at most clientCacheTTL
// later, like a signing key (keyCacheTTL). A write through this DB drops
// the entry at once. Nothing is cached for an id that is not found, so a
// client registered on another replica is seen on its first request.
const clientCacheTTL = time.Second

// clientCacheSize bounds the entries kept; registration lets callers make
// new client ids, so the cache must not grow with them.
const clientCacheSize = 4096

// clientCache holds recently read client rows, by id.
type clientCache struct {
	mu   sync.Mutex
	rows map[string]cachedClient
	now  func() time.Time
}

type cachedClient struct {
	client oauth.Client
	readAt time.Time
}

func newClientCache(now func() time.Time) *clientCache {
	return &clientCache{rows: map[string]cachedClient{}, now: now}
}

// get returns a copy of the client read within clientCacheTTL, if any.
func (c *clientCache) get(id string) (oauth.Client, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.rows[id]
	if !ok {
		return oauth.Client{}, false
	}
	if age := c.now().Sub(e.readAt); age < 0 || age >= clientCacheTTL {
		delete(c.rows, id)
		return oauth.Client{}, false
	}
	return cloneClient(e.client), true
}

// put keeps a copy of a client just read from the database.
func (c *clientCache) put(client oauth.Client) {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.now()
	if len(c.rows) >= clientCacheSize {
		for id, e := range c.rows {
			if now.Sub(e.readAt) >= clientCacheTTL {
				delete(c.rows, id)
			}
		}
		if len(c.rows) >= clientCacheSize {
			clear(c.rows)
		}
	}
	c.rows[client.ID] = cachedClient{client: cloneClient(client), readAt: now}
}

// forget drops a client this process has just changed.
func (c *clientCache) forget(id string) {
	c.mu.Lock()
	delete(c.rows, id)
	c.mu.Unlock()
}

// cloneClient copies the slices too, so that no caller can change a row
// another caller was given.
func cloneClient(c oauth.Client) oauth.Client {
	c.RedirectURIs = slices.Clone(c.RedirectURIs)
	c.GrantTypes = slices.Clone(c.GrantTypes)
	c.Scopes = slices.Clone(c.Scopes)
	c.PostLogoutRedirectURIs = slices.Clone(c.PostLogoutRedirectURIs)
	c.SecretEnc = slices.Clone(c.SecretEnc)
	return c
}
