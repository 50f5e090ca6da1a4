package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"time"

	"github.com/oauthlab/oauthlab/shared/sqlitedb"

	"github.com/oauthlab/oauthlab/authserver/internal/oauth"
)

//go:embed migrations/*.sql
var migrations embed.FS

// DB is the SQLite store.
type DB struct {
	conn  *sqlitedb.DB
	write *sql.DB // one connection: SQLite allows one writer at a time
	read  *sql.DB // a pool: WAL lets readers run beside the writer
}

var (
	_ oauth.Store    = (*DB)(nil)
	_ oauth.KeyStore = (*DB)(nil)
)

// Open opens (creating if needed) the database at path and applies any
// migration not yet applied.
func Open(ctx context.Context, path string) (*DB, error) {
	conn, err := sqlitedb.Open(ctx, path, migrations)
	if err != nil {
		return nil, err
	}
	return &DB{conn: conn, write: conn.Write, read: conn.Read}, nil
}

// Close closes both connection pools.
func (db *DB) Close() error { return db.conn.Close() }

// Ping checks that the database answers, for /healthz.
func (db *DB) Ping(ctx context.Context) error { return db.conn.Ping(ctx) }

// tx runs fn in a write transaction, committing if it returns nil.
func (db *DB) tx(ctx context.Context, fn func(*sql.Tx) error) error { return db.conn.Tx(ctx, fn) }

// Times are stored as Unix seconds; NULL or 0 is the zero time.
func unix(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.Unix()
}

// unixOrZero is unix for NOT NULL columns: the zero time is 0.
func unixOrZero(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.Unix()
}

func fromUnix(n sql.NullInt64) time.Time {
	if !n.Valid || n.Int64 == 0 {
		return time.Time{}
	}
	return time.Unix(n.Int64, 0).UTC()
}

func notFound(err error) error {
	if errors.Is(err, sql.ErrNoRows) {
		return oauth.ErrNotFound
	}
	return err
}
