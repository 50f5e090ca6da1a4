package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/oauthlab/oauthlab/shared/sqldb"

	"github.com/oauthlab/oauthlab/authserver/internal/oauth"
)

// CreateSession stores a sign-in session by the hash of its cookie value,
// with its public id and sign-in time.
func (db *DB) CreateSession(ctx context.Context, idHash, userID string, auth oauth.Authentication, now, expires time.Time) error {
	_, err := db.write.ExecContext(ctx, `INSERT INTO sessions (id_hash, user_id, created_at, expires_at, sid, auth_time)
		VALUES (?, ?, ?, ?, ?, ?)`, idHash, userID, now.Unix(), expires.Unix(), auth.SID, auth.AuthTime.Unix())
	return err
}

// SessionUser returns the user of a live session and its sign-in; it
// returns ErrNotFound when there is no such session or it expired.
func (db *DB) SessionUser(ctx context.Context, idHash string, now time.Time) (oauth.User, oauth.Authentication, error) {
	var subject string
	var auth oauth.Authentication
	var authTime int64
	err := db.read.QueryRowContext(ctx, `SELECT user_id, sid, auth_time FROM sessions WHERE id_hash = ? AND expires_at > ?`,
		idHash, now.Unix()).Scan(&subject, &auth.SID, &authTime)
	if errors.Is(err, sql.ErrNoRows) {
		return oauth.User{}, auth, oauth.ErrNotFound
	}
	if err != nil {
		return oauth.User{}, auth, err
	}
	auth.AuthTime = time.Unix(authTime, 0).UTC()
	u, err := db.User(ctx, subject)
	return u, auth, err
}

// AddSessionClient records that the session sid signed the user in to a
// client with OpenID Connect, until expires.
func (db *DB) AddSessionClient(ctx context.Context, sid, clientID, userID string, expires time.Time) error {
	_, err := db.write.ExecContext(ctx, `INSERT INTO session_clients (sid, client_id, user_id, expires_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (sid, client_id) DO UPDATE SET expires_at = excluded.expires_at`, sid, clientID, userID, expires.Unix())
	return err
}

// TakeSessionClients returns the clients the session sid signed in to and
// forgets them, so each is told of the logout once.
func (db *DB) TakeSessionClients(ctx context.Context, sid string) ([]string, error) {
	var out []string
	err := db.tx(ctx, func(tx sqldb.Queryer) error {
		out = nil
		rows, err := tx.QueryContext(ctx, `DELETE FROM session_clients WHERE sid = ? RETURNING client_id`, sid)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				return err
			}
			out = append(out, id)
		}
		return rows.Err()
	})
	return out, err
}

// DeleteSession ends a session (logout), and drops expired ones on the way.
func (db *DB) DeleteSession(ctx context.Context, idHash string, now time.Time) error {
	_, err := db.write.ExecContext(ctx, `DELETE FROM sessions WHERE id_hash = ? OR expires_at <= ?`, idHash, now.Unix())
	return err
}

// DeleteExpired removes codes, tokens and sessions that expired before
// cutoff, revocations of machine tokens that have expired, and machine
// grants left with no token. Rotated refresh tokens stay
// until they expire, so that their reuse is still detected.
func (db *DB) DeleteExpired(ctx context.Context, cutoff time.Time) error {
	return db.tx(ctx, func(tx sqldb.Queryer) error {
		for _, q := range []string{
			`DELETE FROM codes WHERE expires_at < ?`,
			`DELETE FROM access_tokens WHERE expires_at < ?`,
			`DELETE FROM refresh_tokens WHERE expires_at < ?`,
			`DELETE FROM sessions WHERE expires_at < ?`,
			`DELETE FROM session_clients WHERE expires_at < ?`,
			`DELETE FROM authorization_requests WHERE expires_at < ?`,
			`DELETE FROM dpop_proofs WHERE expires_at < ?`,
			`DELETE FROM device_codes WHERE expires_at < ?`,
			`DELETE FROM revoked_machine_tokens WHERE expires_at < ?`,
			// Machine grants of tokens issued before they stopped being
			// stored (migration 0009).
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
