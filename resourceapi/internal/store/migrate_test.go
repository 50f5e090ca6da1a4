package store

import (
	"context"
	"io/fs"
	"path"
	"testing"
	"testing/fstest"
	"time"

	"github.com/oauthlab/oauthlab/shared/sqldb"
)

// migrationsBefore returns the migrations of both dialects whose file name
// sorts before name: the schema as an older release left it.
func migrationsBefore(t *testing.T, name string) fs.FS {
	t.Helper()
	sub, err := fs.Sub(migrations, "migrations")
	if err != nil {
		t.Fatal(err)
	}
	old := fstest.MapFS{}
	err = fs.WalkDir(sub, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || path.Base(p) >= name {
			return err
		}
		b, err := fs.ReadFile(sub, p)
		old[p] = &fstest.MapFile{Data: b}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return old
}

// A proof accepted just before the upgrade that rebuilt the replay table
// (003_dpop_proofs_without_rowid.sql) is still refused after it (RFC 9449
// §11.1): the migration keeps the rows it found.
func TestReplayKeysSurviveTheTableRebuild(t *testing.T) {
	ctx := context.Background()
	for name, newDSN := range databases {
		t.Run(name, func(t *testing.T) {
			dsn := newDSN(t)
			old, err := sqldb.Open(ctx, dsn, migrationsBefore(t, "003_dpop_proofs_without_rowid.sql"))
			if err != nil {
				t.Fatal(err)
			}
			now := time.Now()
			// The previous release records a proof on its schema.
			if _, err := old.Write.ExecContext(ctx, old.Rebind(`INSERT INTO dpop_proofs (key, expires_at) VALUES (?, ?)`),
				"accepted-before", now.Add(time.Minute).Unix()); err != nil {
				old.Close()
				t.Fatal(err)
			}
			old.Close()

			s := open(t, dsn) // applies the rest of the migrations
			if seen, err := s.Seen(ctx, "accepted-before", now.Add(time.Minute)); err != nil || !seen {
				t.Fatalf("a proof accepted before the upgrade: seen %v, %v; want it refused", seen, err)
			}
			if seen, err := s.Seen(ctx, "new-after", now.Add(time.Minute)); err != nil || seen {
				t.Fatalf("a new proof after the upgrade: seen %v, %v; want it accepted", seen, err)
			}
		})
	}
}

// The sweep removes the keys whose time has passed and keeps the others
// (it scans: the table has no index on expires_at).
func TestDeleteExpiredProofs(t *testing.T) {
	ctx := context.Background()
	for name, newDSN := range databases {
		t.Run(name, func(t *testing.T) {
			s := open(t, newDSN(t))
			now := time.Now()
			for key, until := range map[string]time.Time{"gone": now.Add(-time.Second), "live": now.Add(time.Minute)} {
				if _, err := s.Seen(ctx, key, until); err != nil {
					t.Fatal(err)
				}
			}
			if err := s.DeleteExpiredProofs(ctx, now); err != nil {
				t.Fatal(err)
			}
			var keys []string
			rows, err := s.read.QueryContext(ctx, `SELECT key FROM dpop_proofs`)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			for rows.Next() {
				var k string
				if err := rows.Scan(&k); err != nil {
					t.Fatal(err)
				}
				keys = append(keys, k)
			}
			if err := rows.Err(); err != nil || len(keys) != 1 || keys[0] != "live" {
				t.Fatalf("after the sweep: %v, %v; want [live]", keys, err)
			}
		})
	}
}
