package store

import (
	"context"
	"crypto/rand"
)

// CSRFKey returns the HMAC key of the form tokens. The first call makes a
// random 256-bit key; INSERT ... ON CONFLICT DO NOTHING then reading back means that replicas
// sharing the database, and restarts, agree on one key, whoever wrote first.
func (s *Store) CSRFKey(ctx context.Context) ([]byte, error) {
	fresh := make([]byte, 32)
	_, _ = rand.Read(fresh) // crypto/rand.Read never fails (Go 1.24+)
	if _, err := s.write.ExecContext(ctx, `INSERT INTO app_keys (name, key) VALUES ('csrf', ?) ON CONFLICT (name) DO NOTHING`, fresh); err != nil {
		return nil, err
	}
	var k []byte
	err := s.write.QueryRowContext(ctx, `SELECT key FROM app_keys WHERE name = 'csrf'`).Scan(&k)
	return k, err
}
