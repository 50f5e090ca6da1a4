package sqldb_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"testing/fstest"

	"github.com/oauthlab/oauthlab/shared/pgtest"
	"github.com/oauthlab/oauthlab/shared/sqldb"
)

// both returns the same migrations for the two dialects (the SQL here is in
// the subset both speak).
func both(files map[string]string) fstest.MapFS {
	fsys := fstest.MapFS{}
	for name, sql := range files {
		fsys["sqlite/"+name] = &fstest.MapFile{Data: []byte(sql)}
		fsys["postgres/"+name] = &fstest.MapFile{Data: []byte(sql)}
	}
	return fsys
}

var schema = map[string]string{
	"001_counters.sql": `CREATE TABLE counters (name TEXT PRIMARY KEY, n INTEGER NOT NULL);`,
	"002_seed.sql":     `INSERT INTO counters (name, n) VALUES ('hits', 0);`,
}

// eachDialect runs test on a fresh SQLite file and a fresh PostgreSQL
// database; dsn is the database to open.
func eachDialect(t *testing.T, test func(t *testing.T, dsn string)) {
	t.Run("sqlite", func(t *testing.T) { test(t, filepath.Join(t.TempDir(), "sub", "test.db")) })
	t.Run("postgres", func(t *testing.T) { test(t, pgtest.DSN(t)) })
}

func open(t *testing.T, dsn string, migrations fstest.MapFS) *sqldb.DB {
	t.Helper()
	db, err := sqldb.Open(context.Background(), dsn, migrations)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestMigrationsApplyOnceInOrder(t *testing.T) {
	eachDialect(t, func(t *testing.T, dsn string) {
		open(t, dsn, both(schema)).Close()
		// Opening again must not run 002 a second time (it would fail on
		// the primary key), and a new migration must run.
		more := map[string]string{"003_more.sql": `INSERT INTO counters (name, n) VALUES ('misses', 0);`}
		for k, v := range schema {
			more[k] = v
		}
		db := open(t, dsn, both(more))
		var rows int
		if err := db.Read.QueryRow(`SELECT count(*) FROM counters`).Scan(&rows); err != nil {
			t.Fatal(err)
		}
		if rows != 2 {
			t.Fatalf("counters has %d rows, want 2", rows)
		}
	})
}

func TestAFailedMigrationLeavesNoTrace(t *testing.T) {
	eachDialect(t, func(t *testing.T, dsn string) {
		broken := map[string]string{
			"001_ok.sql":     `CREATE TABLE a (x INTEGER);`,
			"002_broken.sql": `CREATE TABLE b (x INTEGER); THIS IS NOT SQL;`,
		}
		if _, err := sqldb.Open(context.Background(), dsn, both(broken)); err == nil || !strings.Contains(err.Error(), "002_broken.sql") {
			t.Fatalf("err = %v, want the broken migration named", err)
		}
		db := open(t, dsn, both(map[string]string{"001_ok.sql": broken["001_ok.sql"]}))
		// Table b must not exist; a is there.
		if _, err := db.Read.Exec(`SELECT x FROM b`); err == nil {
			t.Fatal("table b exists: the failed migration was half applied")
		}
		if _, err := db.Read.Exec(`SELECT x FROM a`); err != nil {
			t.Fatalf("table a: %v", err)
		}
	})
}

func TestNewerDatabaseIsRefused(t *testing.T) {
	eachDialect(t, func(t *testing.T, dsn string) {
		open(t, dsn, both(schema)).Close()
		older := both(map[string]string{"001_counters.sql": schema["001_counters.sql"]})
		if _, err := sqldb.Open(context.Background(), dsn, older); err == nil || !strings.Contains(err.Error(), "newer") {
			t.Fatalf("err = %v: an older program must refuse a database with a newer schema", err)
		}
	})
}

// A PostgreSQL database records the name of each migration it ran; one
// made with other migrations (renumbered or replaced after they ran) is
// refused with both names, not migrated further.
func TestPostgresRefusesAnotherMigrationHistory(t *testing.T) {
	dsn := pgtest.DSN(t)
	open(t, dsn, both(schema)).Close()
	renumbered := both(map[string]string{
		"001_counters.sql": schema["001_counters.sql"],
		"002_other.sql":    `CREATE TABLE other (x INTEGER);`,
		"003_seed.sql":     schema["002_seed.sql"],
	})
	_, err := sqldb.Open(context.Background(), dsn, renumbered)
	if err == nil || !strings.Contains(err.Error(), "002_seed.sql") || !strings.Contains(err.Error(), "002_other.sql") {
		t.Fatalf("err = %v, want the database refused, naming 002_seed.sql and 002_other.sql", err)
	}
}

func TestFoldersOutOfStepAreRefused(t *testing.T) {
	fsys := both(schema)
	delete(fsys, "postgres/002_seed.sql")
	_, err := sqldb.Open(context.Background(), filepath.Join(t.TempDir(), "x.db"), fsys)
	if err == nil || !strings.Contains(err.Error(), "write each migration for both") {
		t.Fatalf("err = %v, want the mismatch named", err)
	}
}

// Many replicas starting at once on a new database: each migration runs
// once (002 would fail on its primary key the second time) and every
// replica starts.
func TestParallelOpenersMigrateOnce(t *testing.T) {
	dsn := pgtest.DSN(t)
	const replicas = 8
	var wg sync.WaitGroup
	errs := make([]error, replicas)
	for i := range replicas {
		wg.Go(func() {
			db, err := sqldb.Open(context.Background(), dsn, both(schema))
			if err == nil {
				db.Close()
			}
			errs[i] = err
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("replica %d: %v", i, err)
		}
	}
	db := open(t, dsn, both(schema))
	var versions, rows int
	if err := db.Read.QueryRow(`SELECT count(*) FROM schema_version`).Scan(&versions); err != nil {
		t.Fatal(err)
	}
	if err := db.Read.QueryRow(`SELECT count(*) FROM counters`).Scan(&rows); err != nil {
		t.Fatal(err)
	}
	if versions != 2 || rows != 1 {
		t.Fatalf("schema_version has %d rows, counters %d; want 2 and 1", versions, rows)
	}
}

// Read-then-write transactions racing on one row: none fails and no
// increment is lost. On SQLite the single writer queues them; on
// PostgreSQL SERIALIZABLE aborts the losers and Tx runs them again.
func TestConcurrentReadModifyWrite(t *testing.T) {
	eachDialect(t, func(t *testing.T, dsn string) {
		db := open(t, dsn, both(schema))
		ctx := context.Background()
		const writers, each = 32, 5
		var wg sync.WaitGroup
		errs := make(chan error, writers)
		for range writers {
			wg.Go(func() {
				for range each {
					err := db.Tx(ctx, func(tx *sql.Tx) error {
						var n int
						if err := tx.QueryRowContext(ctx, db.Rebind(`SELECT n FROM counters WHERE name = ?`), "hits").Scan(&n); err != nil {
							return err
						}
						_, err := tx.ExecContext(ctx, db.Rebind(`UPDATE counters SET n = ? WHERE name = ?`), n+1, "hits")
						return err
					})
					if err != nil {
						errs <- err
						return
					}
				}
			})
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
	})
}

func TestSQLiteReadPoolIsReadOnly(t *testing.T) {
	db := open(t, filepath.Join(t.TempDir(), "test.db"), both(schema))
	if _, err := db.Read.Exec(`UPDATE counters SET n = 1`); err == nil {
		t.Fatal("a write through the read pool succeeded")
	}
}

func TestDialectOf(t *testing.T) {
	for dsn, want := range map[string]sqldb.Dialect{
		"data/authserver.db":            sqldb.SQLite,
		"/var/lib/x.db":                 sqldb.SQLite,
		"postgres://u:p@127.0.0.1/db":   sqldb.Postgres,
		"postgresql://u@localhost/db":   sqldb.Postgres,
		"POSTGRES://u@localhost/db":     sqldb.Postgres,
		"postgres.db":                   sqldb.SQLite,
		"./postgres://not-a-url-at-all": sqldb.SQLite,
	} {
		if got := sqldb.DialectOf(dsn); got != want {
			t.Errorf("DialectOf(%q) = %s, want %s", dsn, got, want)
		}
	}
}

func TestRebind(t *testing.T) {
	pg := &sqldb.DB{Dialect: sqldb.Postgres}
	lite := &sqldb.DB{Dialect: sqldb.SQLite}
	for in, want := range map[string]string{
		`SELECT 1`:                              `SELECT 1`,
		`SELECT * FROM t WHERE a = ? AND b = ?`: `SELECT * FROM t WHERE a = $1 AND b = $2`,
		`INSERT INTO t VALUES (?, '?', ?)`:      `INSERT INTO t VALUES ($1, '?', $2)`,
		`SELECT 'it''s ?' || ?`:                 `SELECT 'it''s ?' || $1`,
		`SELECT "odd?name" FROM t WHERE x = ?`:  `SELECT "odd?name" FROM t WHERE x = $1`,
		"SELECT ? -- a comment?\n, ?":           "SELECT $1 -- a comment?\n, $2",
		`SELECT '?`:                             `SELECT '?`,
	} {
		if got := pg.Rebind(in); got != want {
			t.Errorf("Rebind(%q) = %q, want %q", in, got, want)
		}
		if got := lite.Rebind(in); got != in {
			t.Errorf("SQLite Rebind(%q) = %q, want it unchanged", in, got)
		}
	}
}

func TestRedact(t *testing.T) {
	for in, want := range map[string]string{
		"data/x.db": "data/x.db",
		"postgres://oauthlab:s3cret@127.0.0.1:5432/app?sslmode=disable": "postgres://oauthlab:xxxxx@127.0.0.1:5432/app?sslmode=disable",
		"postgresql://app@db/app?password=s3cret&sslmode=require":       "postgresql://app@db/app?password=xxxxx&sslmode=require",
		"postgres://app:s3cret@db/app%zz":                               "postgres://(unparseable URL, not shown)",
		"postgres://app@db/app":                                         "postgres://app@db/app",
	} {
		got := sqldb.Redact(in)
		if got != want {
			t.Errorf("Redact(%q) = %q, want %q", in, got, want)
		}
		if strings.Contains(got, "s3cret") {
			t.Errorf("Redact(%q) leaks the password", in)
		}
	}
}

// An error from Open never carries the password.
func TestOpenErrorHidesPassword(t *testing.T) {
	// Port 1 on loopback: nothing listens there, so the connection fails.
	dsn := "postgres://oauthlab:s3cret@127.0.0.1:1/app?sslmode=disable&connect_timeout=2"
	_, err := sqldb.Open(context.Background(), dsn, both(schema))
	if err == nil {
		t.Fatal("Open succeeded on a closed port")
	}
	if strings.Contains(err.Error(), "s3cret") {
		t.Fatalf("the error leaks the password: %v", err)
	}
	if !strings.Contains(err.Error(), "127.0.0.1") {
		t.Fatalf("the error should say which server: %v", err)
	}
}
