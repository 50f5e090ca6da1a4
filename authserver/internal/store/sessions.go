package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/oauthlab/oauthlab/authserver/internal/oauth"
)

// CreateSession stores a sign-in session by the hash of its cookie value.
func (db *DB) CreateSession(ctx context.Context, idHash, userID string, now, expires time.Time) error {
	_, err := db.write.ExecContext(ctx, `INSERT INTO sessions (id_hash, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)`,
		idHash, userID, now.Unix(), expires.Unix())
	return err
}

// SessionUser returns the user of a live session.
func (db *DB) SessionUser(ctx context.Context, idHash string, now time.Time) (oauth.User, error) {
	var subject string
	err := db.read.QueryRowContext(ctx, `SELECT user_id FROM sessions WHERE id_hash = ? AND expires_at > ?`, idHash, now.Unix()).Scan(&subject)
	if errors.Is(err, sql.ErrNoRows) {
		return oauth.User{}, oauth.ErrNotFound
	}
	if err != nil {
		return oauth.User{}, err
	}
	return db.User(ctx, subject)
}

// DeleteSession ends a session (logout), and drops expired ones on the way.
func (db *DB) DeleteSession(ctx context.Context, idHash string, now time.Time) error {
	_, err := db.write.ExecContext(ctx, `DELETE FROM sessions WHERE id_hash = ? OR expires_at <= ?`, idHash, now.Unix())
	return err
}

// DeleteExpired removes codes, tokens and sessions that expired before
// cutoff, and machine grants left with no token. Rotated refresh tokens stay
// until they expire, so that their reuse is still detected.
func (db *DB) DeleteExpired(ctx context.Context, cutoff time.Time) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		for _, q := range []string{
			`DELETE FROM codes WHERE expires_at < ?`,
			`DELETE FROM access_tokens WHERE expires_at < ?`,
			`DELETE FROM refresh_tokens WHERE expires_at < ?`,
			`DELETE FROM sessions WHERE expires_at < ?`,
			`DELETE FROM grants WHERE user_id IS NULL AND created_at < ?
				AND NOT EXISTS (SELECT 1 FROM access_tokens a WHERE a.grant_id = grants.id)`,
		} {
			if _, err := tx.ExecContext(ctx, q, cutoff.Unix()); err != nil {
				return err
			}
		}
		return nil
	})
}
