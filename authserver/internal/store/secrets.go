package store

import (
	"context"
	"crypto/rand"
	"time"
)

// ServerSecret returns the server's secret called name, creating it with
// size random bytes the first time. INSERT ... ON CONFLICT DO NOTHING then SELECT makes every
// replica, and every restart, read the same value: whichever writes first
// wins, and the others read what it wrote.
func (db *DB) ServerSecret(ctx context.Context, name string, size int) ([]byte, error) {
	fresh := make([]byte, size)
	if _, err := rand.Read(fresh); err != nil {
		return nil, err
	}
	if _, err := db.write.ExecContext(ctx, `INSERT INTO server_secrets (name, value, created_at) VALUES (?, ?, ?)
		ON CONFLICT (name) DO NOTHING`,
		name, fresh, time.Now().Unix()); err != nil {
		return nil, err
	}
	var value []byte
	if err := db.write.QueryRowContext(ctx, `SELECT value FROM server_secrets WHERE name = ?`, name).Scan(&value); err != nil {
		return nil, notFound(err)
	}
	return value, nil
}
