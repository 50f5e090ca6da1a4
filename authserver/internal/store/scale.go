package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/oauthlab/oauthlab/shared/sqldb"

	"github.com/oauthlab/oauthlab/authserver/internal/oauth"
	"github.com/oauthlab/oauthlab/authserver/internal/throttle"
)

// What replicas share beyond the protocol's rows: throttle counts, leases
// of periodic jobs, and the first signing key.

// AddFailure counts one more failure of key at now in one atomic upsert and
// returns the new entry; the count starts again at 1 when the latest
// failure was before forgetBefore. It never returns a sentinel error.
func (db *DB) AddFailure(ctx context.Context, key string, now, forgetBefore time.Time) (throttle.Entry, error) {
	return db.countFailure(ctx, `throttle_counts.last_at < ?`, key, now, forgetBefore)
}

// AddInWindow counts one more failure of key at now in one atomic upsert and
// returns the count and the start of its window; a new window starts at now
// when the current one started at or before windowStartedBefore. It never
// returns a sentinel error.
func (db *DB) AddInWindow(ctx context.Context, key string, now, windowStartedBefore time.Time) (int, time.Time, error) {
	e, err := db.countFailure(ctx, `throttle_counts.first_at <= ?`, key, now, windowStartedBefore)
	return e.Count, e.First, err
}

func (db *DB) countFailure(ctx context.Context, restart, key string, now, cutoff time.Time) (throttle.Entry, error) {
	// INSERT ... ON CONFLICT DO UPDATE is one statement that locks the row:
	// two replicas counting the same key at once both count.
	var count int
	var first, last int64
	err := db.write.QueryRowContext(ctx, `INSERT INTO throttle_counts (key, count, first_at, last_at) VALUES (?, 1, ?, ?)
		ON CONFLICT (key) DO UPDATE SET
			count = CASE WHEN `+restart+` THEN 1 ELSE throttle_counts.count + 1 END,
			first_at = CASE WHEN `+restart+` THEN excluded.first_at ELSE throttle_counts.first_at END,
			last_at = excluded.last_at
		RETURNING count, first_at, last_at`,
		key, now.UnixMilli(), now.UnixMilli(), cutoff.UnixMilli(), cutoff.UnixMilli()).Scan(&count, &first, &last)
	if err != nil {
		return throttle.Entry{}, err
	}
	return throttle.Entry{Count: count, First: time.UnixMilli(first), Last: time.UnixMilli(last)}, nil
}

// Failures returns key's count and the times of its window's first and its
// latest failure; the zero Entry, not an error, when key has none.
func (db *DB) Failures(ctx context.Context, key string) (throttle.Entry, error) {
	var count int
	var first, last int64
	err := db.read.QueryRowContext(ctx, `SELECT count, first_at, last_at FROM throttle_counts WHERE key = ?`, key).
		Scan(&count, &first, &last)
	if errors.Is(err, sql.ErrNoRows) {
		return throttle.Entry{}, nil
	}
	if err != nil {
		return throttle.Entry{}, err
	}
	return throttle.Entry{Count: count, First: time.UnixMilli(first), Last: time.UnixMilli(last)}, nil
}

// ForgetFailures deletes key's count; it returns nil also when there was
// none.
func (db *DB) ForgetFailures(ctx context.Context, key string) error {
	_, err := db.write.ExecContext(ctx, `DELETE FROM throttle_counts WHERE key = ?`, key)
	return err
}

// TakeLease gives holder the job name until now+ttl and reports true, when
// nobody holds it or its lease ended or holder holds it already; it reports
// false, with a nil error, while another holder's lease runs.
func (db *DB) TakeLease(ctx context.Context, name, holder string, now time.Time, ttl time.Duration) (bool, error) {
	res, err := db.write.ExecContext(ctx, `INSERT INTO leases (name, holder, expires_at) VALUES (?, ?, ?)
		ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
		WHERE leases.expires_at <= ? OR leases.holder = excluded.holder`,
		name, holder, now.Add(ttl).UnixMilli(), now.UnixMilli())
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// EnsureSigningKey stores k as the newest access-token key, and reports
// true, unless the newest published access-token key already uses k.Alg.
// The check and the insert are one serializable transaction, so of
// replicas starting at once on an empty database exactly one adds its key.
func (db *DB) EnsureSigningKey(ctx context.Context, k oauth.SigningKey) (bool, error) {
	return db.ensureKey(ctx, k, oauth.PurposeAccess, func(tx sqldb.Queryer) (bool, error) {
		var alg string
		err := tx.QueryRowContext(ctx, `SELECT alg FROM signing_keys WHERE purpose = ? AND retired_at IS NULL
			ORDER BY COALESCE(signs_from, created_at) DESC, rowid DESC LIMIT 1`, oauth.PurposeAccess).Scan(&alg)
		if errors.Is(err, sql.ErrNoRows) {
			return false, nil
		}
		return alg == k.Alg, err
	})
}
