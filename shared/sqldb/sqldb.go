package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver with database/sql

	"github.com/oauthlab/oauthlab/shared/sqlitedb"
)

// Dialect names a database; it is also the name of the migrations folder
// for that database.
type Dialect string

// The two databases an actor can run on.
const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// DialectOf tells which database a DSN names: a postgres:// or
// postgresql:// URL is PostgreSQL, anything else is a SQLite file path.
func DialectOf(dsn string) Dialect {
	lower := strings.ToLower(dsn)
	if strings.HasPrefix(lower, "postgres://") || strings.HasPrefix(lower, "postgresql://") {
		return Postgres
	}
	return SQLite
}

// DB is one actor's database.
type DB struct {
	// Write is the pool for everything that writes; use it through [DB.Tx]
	// where a change spans statements. For SQLite it has one connection.
	Write *sql.DB
	// Read is the pool for queries. For SQLite its connections are
	// read-only; for PostgreSQL it is the same pool as Write.
	Read *sql.DB
	// Dialect is the database behind the pools.
	Dialect Dialect

	lite *sqlitedb.DB // set for SQLite
}

// Open opens the database that dsn names (see [DialectOf]) and applies the
// migrations of its dialect: the *.sql files under the folder of that name
// in migrations (sqlite/ or postgres/), in file-name order, each newer than
// the database's schema version, each in one transaction with the version
// bump. A SQLite file and its folder are created when missing; a PostgreSQL
// database must exist. Errors never contain the DSN's password.
func Open(ctx context.Context, dsn string, migrations fs.FS) (*DB, error) {
	dialect := DialectOf(dsn)
	scripts, err := migrationSet(migrations, dialect)
	if err != nil {
		return nil, err
	}
	if dialect == SQLite {
		lite, err := sqlitedb.Open(ctx, dsn, scripts)
		if err != nil {
			return nil, err
		}
		return &DB{Write: lite.Write, Read: lite.Read, Dialect: SQLite, lite: lite}, nil
	}
	pool, err := sql.Open("pgx", dsn)
	if err != nil {
		return nil, fmt.Errorf("postgres %s: %w", Redact(dsn), err)
	}
	// Enough for the parallel work of one replica; several replicas and the
	// tests share the server's max_connections (100 by default).
	pool.SetMaxOpenConns(10)
	pool.SetMaxIdleConns(10)
	pool.SetConnMaxIdleTime(5 * time.Minute)
	db := &DB{Write: pool, Read: pool, Dialect: Postgres}
	if err := pool.PingContext(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres %s: %w", Redact(dsn), err)
	}
	if err := db.migratePostgres(ctx, scripts); err != nil {
		pool.Close()
		return nil, err
	}
	return db, nil
}

// Close closes the pools.
func (db *DB) Close() error {
	if db.lite != nil {
		return db.lite.Close()
	}
	return db.Write.Close()
}

// Ping checks that the database answers, for /healthz.
func (db *DB) Ping(ctx context.Context) error { return db.Read.PingContext(ctx) }

// maxAttempts bounds how often [DB.Tx] runs a transaction that PostgreSQL
// keeps aborting for serialization failures; with the pauses between
// attempts (at most maxPause each) a hopeless transaction gives up after
// about two seconds.
const (
	maxAttempts = 50
	maxPause    = 50 * time.Millisecond
)

// Tx runs fn in a serializable write transaction and commits it when fn
// returns nil. On PostgreSQL a transaction that loses a race with another
// (SQLSTATE 40001 serialization_failure or 40P01 deadlock_detected) is
// rolled back and fn runs again in a new one, so fn must do nothing but
// work on tx. Any other error of fn or of the database is returned as is.
func (db *DB) Tx(ctx context.Context, fn func(*sql.Tx) error) error {
	if db.Dialect == SQLite {
		// The single writer connection already serializes transactions.
		return db.lite.Tx(ctx, fn)
	}
	ceiling := time.Millisecond
	for attempt := 1; ; attempt++ {
		err := db.tryTx(ctx, fn)
		if err == nil || !retryable(err) || attempt == maxAttempts {
			return err
		}
		// A random pause below a ceiling that doubles with each attempt
		// ("full jitter"), so the transactions that collided spread out
		// instead of colliding again at once.
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(rand.N(ceiling)):
		}
		ceiling = min(2*ceiling, maxPause)
	}
}

func (db *DB) tryTx(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := db.Write.BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelSerializable})
	if err != nil {
		return err
	}
	defer tx.Rollback() // a no-op after Commit
	if err := fn(tx); err != nil {
		return err
	}
	return tx.Commit()
}

// retryable reports whether PostgreSQL aborted a transaction only because
// it ran at the same time as another: running it again can succeed.
func retryable(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && (pgErr.Code == "40001" || pgErr.Code == "40P01")
}

// Rebind turns the `?` placeholders of query into PostgreSQL's `$1, $2, ...`
// (for SQLite it returns query unchanged), so a store writes one SQL text
// for both. A `?` inside a quoted string, a quoted identifier or a comment
// is left alone.
func (db *DB) Rebind(query string) string {
	if db.Dialect != Postgres {
		return query
	}
	return rebindDollar(query)
}

func rebindDollar(query string) string {
	var b strings.Builder
	b.Grow(len(query) + 16)
	n := 0
	for i := 0; i < len(query); i++ {
		c := query[i]
		switch {
		case c == '\'' || c == '"':
			// Copy through the closing quote; a doubled quote is an
			// escaped one and keeps the literal open.
			end := i + 1
			for end < len(query) {
				if query[end] == c {
					if end+1 < len(query) && query[end+1] == c {
						end += 2
						continue
					}
					break
				}
				end++
			}
			end = min(end+1, len(query))
			b.WriteString(query[i:end])
			i = end - 1
		case c == '-' && i+1 < len(query) && query[i+1] == '-':
			end := strings.IndexByte(query[i:], '\n')
			if end < 0 {
				end = len(query) - i
			}
			b.WriteString(query[i : i+end])
			i += end - 1
		case c == '?':
			n++
			fmt.Fprintf(&b, "$%d", n)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// migrationSet returns the folder of dialect's migrations, after checking
// that the other dialect's folder, when there is one, holds the same file
// names: the two schemas move in step.
func migrationSet(migrations fs.FS, dialect Dialect) (fs.FS, error) {
	names := map[Dialect][]string{}
	for _, d := range []Dialect{SQLite, Postgres} {
		entries, err := fs.ReadDir(migrations, string(d))
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("migrations: %w", err)
		}
		for _, e := range entries {
			if !e.IsDir() && path.Ext(e.Name()) == ".sql" {
				names[d] = append(names[d], e.Name())
			}
		}
	}
	if names[dialect] == nil {
		return nil, fmt.Errorf("migrations: no %s/*.sql files", dialect)
	}
	if other := names[SQLite]; names[Postgres] != nil && other != nil && !slices.Equal(other, names[Postgres]) {
		return nil, fmt.Errorf("migrations: sqlite/ has %v but postgres/ has %v: write each migration for both", other, names[Postgres])
	}
	return fs.Sub(migrations, string(dialect))
}

// migrationLockKey is the pg_advisory_lock key under which replicas apply
// migrations one at a time (any fixed number would do; this one is
// "oauthlab" in ASCII).
const migrationLockKey = 0x6f617574686c6162

func (db *DB) migratePostgres(ctx context.Context, scripts fs.FS) error {
	entries, err := fs.ReadDir(scripts, ".")
	if err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	var names []string
	for _, e := range entries {
		if !e.IsDir() && path.Ext(e.Name()) == ".sql" {
			names = append(names, e.Name()) // ReadDir sorts by name
		}
	}
	// An advisory lock belongs to a session, so take it, migrate and free
	// it on one connection. A replica that waits here finds the schema
	// up to date once it holds the lock.
	conn, err := db.Write.Conn(ctx)
	if err != nil {
		return fmt.Errorf("postgres: %w", err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock($1)`, int64(migrationLockKey)); err != nil {
		return fmt.Errorf("postgres: take the migration lock: %w", err)
	}
	// Unlock with a fresh context: the caller's may be the reason we stop.
	defer conn.ExecContext(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1)`, int64(migrationLockKey))

	if _, err := conn.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_version (
		version    INTEGER PRIMARY KEY,
		name       TEXT NOT NULL,
		applied_at TIMESTAMPTZ NOT NULL DEFAULT now())`); err != nil {
		return fmt.Errorf("postgres: create schema_version: %w", err)
	}
	version, err := appliedMigrations(ctx, conn, names)
	if err != nil {
		return err
	}
	if version > len(names) {
		return fmt.Errorf("postgres: the database has schema version %d, newer than this program knows (%d)", version, len(names))
	}
	for i := version; i < len(names); i++ {
		script, err := fs.ReadFile(scripts, names[i])
		if err != nil {
			return err
		}
		if err := applyPostgres(ctx, conn, string(script), i+1, names[i]); err != nil {
			return fmt.Errorf("postgres: migration %s: %w", names[i], err)
		}
	}
	return nil
}

// appliedMigrations returns how many migrations the database has had, and
// refuses a database whose history is not this program's: a migration
// recorded under another file name than the one at its place here (files
// renumbered or replaced after they ran). Applying the rest on top would
// fail half-way, or worse, succeed on a schema nobody wrote.
func appliedMigrations(ctx context.Context, conn *sql.Conn, names []string) (int, error) {
	rows, err := conn.QueryContext(ctx, `SELECT version, name FROM schema_version ORDER BY version`)
	if err != nil {
		return 0, fmt.Errorf("postgres: read schema version: %w", err)
	}
	defer rows.Close()
	version := 0
	for rows.Next() {
		var name string
		if err := rows.Scan(&version, &name); err != nil {
			return 0, fmt.Errorf("postgres: read schema version: %w", err)
		}
		if version <= len(names) && name != names[version-1] {
			return 0, fmt.Errorf("postgres: the database's migration %d was %s, but this program's is %s: "+
				"the database was made with other migrations; start from an empty database", version, name, names[version-1])
		}
	}
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("postgres: read schema version: %w", err)
	}
	return version, nil
}

// applyPostgres runs one migration script and records its version in one
// transaction: PostgreSQL's DDL is transactional, so a failed script leaves
// no trace.
func applyPostgres(ctx context.Context, conn *sql.Conn, script string, version int, name string) error {
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	// Without arguments pgx sends the script as one simple query, which may
	// hold several statements.
	if _, err := tx.ExecContext(ctx, script); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO schema_version (version, name) VALUES ($1, $2)`, version, name); err != nil {
		return err
	}
	return tx.Commit()
}

// ReadTx runs fn in a read-only transaction that sees one snapshot of the
// database, for reads of several statements that must agree (a count and a
// page of the same list).
func (db *DB) ReadTx(ctx context.Context, fn func(*sql.Tx) error) error {
	opts := &sql.TxOptions{ReadOnly: true}
	if db.Dialect == Postgres {
		// READ COMMITTED, PostgreSQL's default, takes a new snapshot for
		// each statement.
		opts.Isolation = sql.LevelRepeatableRead
	}
	tx, err := db.Read.BeginTx(ctx, opts)
	if err != nil {
		return err
	}
	defer tx.Rollback() // nothing to keep: it only read
	return fn(tx)
}

// Queryer is what a store's statements run on: a pool (*sql.DB) or a
// transaction (*sql.Tx).
type Queryer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// Bind returns q with every statement passed through [DB.Rebind] first, so
// a store's SQL, written once with `?`, runs on either database.
func (db *DB) Bind(q Queryer) Queryer {
	if db.Dialect != Postgres {
		return q
	}
	return rebound{q}
}

// Writer is the Queryer for statements that write outside [DB.Tx]. On
// SQLite its ExecContext runs as a transaction of its own through
// [sqlitedb.DB.Tx], so it shares a commit with the writes queued beside it
// (group commit) instead of paying for one alone; its QueryContext and
// QueryRowContext (INSERT ... RETURNING) go to the writer connection as
// they are. On PostgreSQL it is Bind(Write).
func (db *DB) Writer() Queryer {
	if db.Dialect == SQLite {
		return groupWriter{db.lite}
	}
	return db.Bind(db.Write)
}

type groupWriter struct{ lite *sqlitedb.DB }

func (w groupWriter) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	var res sql.Result
	err := w.lite.Tx(ctx, func(tx *sql.Tx) error {
		var err error
		res, err = tx.ExecContext(ctx, query, args...)
		return err
	})
	return res, err
}

func (w groupWriter) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return w.lite.Write.QueryContext(ctx, query, args...)
}

func (w groupWriter) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	return w.lite.Write.QueryRowContext(ctx, query, args...)
}

type rebound struct{ q Queryer }

func (r rebound) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return r.q.ExecContext(ctx, rebindDollar(query), args...)
}

func (r rebound) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return r.q.QueryContext(ctx, rebindDollar(query), args...)
}

func (r rebound) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	return r.q.QueryRowContext(ctx, rebindDollar(query), args...)
}
