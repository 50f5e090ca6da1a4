package sqlitedb

import (
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
)

var schema = fstest.MapFS{
	"0001_counters.sql": {Data: []byte(`CREATE TABLE counters (name TEXT PRIMARY KEY, n INTEGER NOT NULL);`)},
	"0002_seed.sql":     {Data: []byte(`INSERT INTO counters (name, n) VALUES ('hits', 0);`)},
}

func open(t *testing.T, path string, migrations fstest.MapFS) *DB {
	t.Helper()
	db, err := Open(context.Background(), path, migrations)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestMigrationsApplyOnceInOrder(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "test.db")
	db := open(t, path, schema)
	db.Close()

	// Opening again must not run 0002 a second time (it would fail on the
	// primary key), and a new migration must run.
	more := fstest.MapFS{"0003_more.sql": {Data: []byte(`INSERT INTO counters (name, n) VALUES ('misses', 0);`)}}
	for k, v := range schema {
		more[k] = v
	}
	db = open(t, path, more)
	var rows int
	if err := db.Read.QueryRow(`SELECT count(*) FROM counters`).Scan(&rows); err != nil {
		t.Fatal(err)
	}
	if rows != 2 {
		t.Fatalf("counters has %d rows, want 2", rows)
	}
}

func TestAFailedMigrationLeavesNoTrace(t *testing.T) {
	path := filepath.Join(t.TempDir(), "test.db")
	broken := fstest.MapFS{
		"0001_ok.sql":     {Data: []byte(`CREATE TABLE a (x INTEGER);`)},
		"0002_broken.sql": {Data: []byte(`CREATE TABLE b (x INTEGER); THIS IS NOT SQL;`)},
	}
	if _, err := Open(context.Background(), path, broken); err == nil || !strings.Contains(err.Error(), "0002_broken.sql") {
		t.Fatalf("err = %v, want the broken migration named", err)
	}
	db := open(t, path, fstest.MapFS{"0001_ok.sql": broken["0001_ok.sql"]})
	var n int
	if err := db.Read.QueryRow(`SELECT count(*) FROM sqlite_master WHERE name = 'b'`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Fatal("table b exists: the failed migration was half applied")
	}
}

// Processes that open a new file at the same time (the server and a CLI
// command started together, say) apply each migration once
// between them: 0001 would fail if run twice (the table exists), 0002 would
// fail on its primary key.
func TestConcurrentOpensMigrateOnce(t *testing.T) {
	path := filepath.Join(t.TempDir(), "test.db")
	const openers = 8
	var wg sync.WaitGroup
	errs := make(chan error, openers)
	for range openers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Each DB has connections of its own, as another process would.
			db, err := Open(context.Background(), path, schema)
			if err == nil {
				err = db.Close()
			}
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("open: %v", err)
		}
	}
	db := open(t, path, schema)
	var rows int
	if err := db.Read.QueryRow(`SELECT count(*) FROM counters`).Scan(&rows); err != nil {
		t.Fatal(err)
	}
	if rows != 1 {
		t.Fatalf("counters has %d rows, want 1", rows)
	}
}

func TestNewerFileIsRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "test.db")
	open(t, path, schema).Close()
	if _, err := Open(context.Background(), path, fstest.MapFS{"0001_counters.sql": schema["0001_counters.sql"]}); err == nil {
		t.Fatal("an older program must refuse a file with a newer schema")
	}
}

func TestReadPoolIsReadOnly(t *testing.T) {
	db := open(t, filepath.Join(t.TempDir(), "test.db"), schema)
	if _, err := db.Read.Exec(`UPDATE counters SET n = 1`); err == nil {
		t.Fatal("a write through the read pool succeeded")
	}
}

// Many goroutines writing at once must all succeed: "database is locked"
// must never reach a caller.
func TestConcurrentWritersNeverSeeLocked(t *testing.T) {
	db := open(t, filepath.Join(t.TempDir(), "test.db"), schema)
	ctx := context.Background()
	const writers, each = 50, 20
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range each {
				err := db.Tx(ctx, func(tx *sql.Tx) error {
					var n int
					if err := tx.QueryRowContext(ctx, `SELECT n FROM counters WHERE name = 'hits'`).Scan(&n); err != nil {
						return err
					}
					_, err := tx.ExecContext(ctx, `UPDATE counters SET n = ? WHERE name = 'hits'`, n+1)
					return err
				})
				if err != nil {
					errs <- err
					return
				}
				// Readers run beside the writer.
				var n int
				if err := db.Read.QueryRowContext(ctx, `SELECT n FROM counters`).Scan(&n); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	var n int
	if err := db.Read.QueryRow(`SELECT n FROM counters WHERE name = 'hits'`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != writers*each {
		t.Fatalf("hits = %d, want %d: an increment was lost", n, writers*each)
	}
}
