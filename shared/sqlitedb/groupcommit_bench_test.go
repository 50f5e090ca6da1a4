package sqlitedb

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"sync/atomic"
	"testing"
	"testing/fstest"
)

// BenchmarkTx measures small write transactions (two INSERTs, the shape of
// issuing a token: a grant row and a token row) from parallel callers,
// with group commit (up to 128 transactions per commit) and without it
// (one commit each, as before group commit). ns/op is the time per
// transaction with GOMAXPROCS callers at once; "-cpu 1,2,16" varies them.
//
// Run: go test ./shared/sqlitedb -run '^$' -bench Tx -cpu 16
func BenchmarkTx(b *testing.B) {
	schema := fstest.MapFS{"0001.sql": {Data: []byte(`
		CREATE TABLE grants (id TEXT PRIMARY KEY, client_id TEXT NOT NULL, created_at INTEGER NOT NULL);
		CREATE TABLE tokens (jti TEXT PRIMARY KEY, grant_id TEXT NOT NULL REFERENCES grants(id), expires_at INTEGER NOT NULL);
		CREATE INDEX tokens_grant ON tokens(grant_id);`)}}
	for _, perCommit := range []int{1, defaultMaxBatch} {
		b.Run(fmt.Sprintf("per-commit=%d", perCommit), func(b *testing.B) {
			db, err := Open(context.Background(), filepath.Join(b.TempDir(), "bench.db"), schema)
			if err != nil {
				b.Fatal(err)
			}
			defer db.Close()
			db.maxBatch = perCommit
			var n atomic.Int64
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				ctx := context.Background()
				for pb.Next() {
					id := fmt.Sprintf("g%d", n.Add(1))
					err := db.Tx(ctx, func(tx *sql.Tx) error {
						if _, err := tx.ExecContext(ctx, `INSERT INTO grants (id, client_id, created_at) VALUES (?, 'machine', 1)`, id); err != nil {
							return err
						}
						_, err := tx.ExecContext(ctx, `INSERT INTO tokens (jti, grant_id, expires_at) VALUES (?, ?, 2)`, "t"+id, id)
						return err
					})
					if err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}
