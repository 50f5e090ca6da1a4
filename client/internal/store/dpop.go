package store

import (
	"context"
	"database/sql"
	"errors"
)

// SaveDPoPKey keeps the session's DPoP private key (PKCS #8), replacing
// the one of an earlier connect: each connect binds new tokens to a new key.
func (s *Store) SaveDPoPKey(ctx context.Context, sessionID string, pkcs8 []byte) error {
	_, err := s.write.ExecContext(ctx, `INSERT INTO dpop_keys (session_id, pkcs8, created_at) VALUES (?, ?, ?)
		ON CONFLICT (session_id) DO UPDATE SET pkcs8 = excluded.pkcs8, created_at = excluded.created_at`,
		key(sessionID), pkcs8, s.now().Unix())
	return err
}

// DPoPKey returns the session's DPoP private key; ErrNotFound when the
// session has none (DPoP off when it connected).
func (s *Store) DPoPKey(ctx context.Context, sessionID string) ([]byte, error) {
	var pkcs8 []byte
	err := s.read.QueryRowContext(ctx, `SELECT pkcs8 FROM dpop_keys WHERE session_id = ?`, key(sessionID)).Scan(&pkcs8)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	return pkcs8, err
}

// DeleteDPoPKey forgets the session's DPoP key.
func (s *Store) DeleteDPoPKey(ctx context.Context, sessionID string) error {
	_, err := s.write.ExecContext(ctx, `DELETE FROM dpop_keys WHERE session_id = ?`, key(sessionID))
	return err
}
