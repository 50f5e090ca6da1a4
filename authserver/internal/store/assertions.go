package store

import (
	"context"
	"time"

	"github.com/oauthlab/oauthlab/authserver/internal/oauth"
)

var _ oauth.AssertionReplayStore = (*DB)(nil)

// UseAssertionJTI records a client assertion's jti until it expires. It
// returns ErrAlreadyUsed when the client used the jti before: the primary
// key makes the insert a no-op then, on every replica sharing the database.
func (db *DB) UseAssertionJTI(ctx context.Context, clientID, jtiHash string, expires, now time.Time) error {
	// Forget the expired ones first: an assertion past exp is refused anyway.
	if _, err := db.write.ExecContext(ctx, `DELETE FROM client_assertion_jtis WHERE expires_at <= ?`, now.Unix()); err != nil {
		return err
	}
	res, err := db.write.ExecContext(ctx, `INSERT INTO client_assertion_jtis (client_id, jti_hash, expires_at)
		VALUES (?, ?, ?) ON CONFLICT (client_id, jti_hash) DO NOTHING`, clientID, jtiHash, expires.Unix())
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return firstErr(err, oauth.ErrAlreadyUsed)
	}
	return nil
}
