package store

import (
	"context"
	"time"

	"github.com/oauthlab/oauthlab/shared/dpop"
)

// DPoPReplayCache is the authorization server's DPoP replay cache (RFC
// 9449 §11.1) in the database, so that every replica refuses a proof any of
// them accepted. Expired rows are swept by DeleteExpired.
type DPoPReplayCache struct{ db *DB }

var _ dpop.ReplayCache = DPoPReplayCache{}

// DPoPReplayCache returns the replay cache kept in this database.
func (db *DB) DPoPReplayCache() DPoPReplayCache { return DPoPReplayCache{db: db} }

// Seen records key until the time given and reports whether it was already
// recorded and not expired. Of any number of concurrent calls with one key,
// exactly one gets false: the INSERT either adds the row or finds it.
func (c DPoPReplayCache) Seen(ctx context.Context, key string, until time.Time) (bool, error) {
	now := time.Now().Unix()
	// A row left by an old proof whose window has passed is replaced, so a
	// sweep that has not run yet never refuses a fresh proof.
	res, err := c.db.write.ExecContext(ctx, `INSERT INTO dpop_proofs (key, expires_at) VALUES (?, ?)
		ON CONFLICT (key) DO UPDATE SET expires_at = excluded.expires_at WHERE dpop_proofs.expires_at < ?`,
		key, until.Unix(), now)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, err
	}
	return n == 0, nil
}
