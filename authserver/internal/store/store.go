package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"time"

	"github.com/oauthlab/oauthlab/shared/sqldb"

	"github.com/oauthlab/oauthlab/authserver/internal/oauth"
)

//go:embed migrations/sqlite/*.sql migrations/postgres/*.sql
var migrations embed.FS

// DB is the authorization server's store, on SQLite or PostgreSQL (see
// shared/sqldb). Its SQL is written once, with ? placeholders.
type DB struct {
	conn *sqldb.DB
	// write runs statements on the writer pool: for SQLite one connection
	// (SQLite allows one writer at a time), for PostgreSQL the pool.
	write sqldb.Queryer
	// read runs queries: for SQLite a pool of read-only connections beside
	// the writer (WAL), for PostgreSQL the same pool as write.
	read sqldb.Queryer
	// clients keeps client rows read in the last second (clientcache.go).
	clients *clientCache
}

var (
	_ oauth.Store    = (*DB)(nil)
	_ oauth.KeyStore = (*DB)(nil)
)

// Open opens the database that dsn names, a SQLite file path (created
// when missing) or a postgres:// URL, and applies any migration not yet
// applied (on PostgreSQL under an advisory lock, so replicas starting at
// once apply each migration once).
func Open(ctx context.Context, dsn string) (*DB, error) {
	sub, err := fs.Sub(migrations, "migrations")
	if err != nil {
		return nil, err
	}
	conn, err := sqldb.Open(ctx, dsn, sub)
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	return &DB{conn: conn, write: conn.Writer(), read: conn.Bind(conn.Read), clients: newClientCache(time.Now)}, nil
}

// Dialect tells which database the store runs on.
func (db *DB) Dialect() sqldb.Dialect { return db.conn.Dialect }

// Close closes both connection pools.
func (db *DB) Close() error { return db.conn.Close() }

// Ping checks that the database answers, for /healthz.
func (db *DB) Ping(ctx context.Context) error { return db.conn.Ping(ctx) }

// tx runs fn in a serializable write transaction, committing if it returns
// nil. PostgreSQL may run fn again after a serialization failure, so fn
// must only work on tx.
func (db *DB) tx(ctx context.Context, fn func(tx sqldb.Queryer) error) error {
	return db.conn.Tx(ctx, func(tx *sql.Tx) error { return fn(db.conn.Bind(tx)) })
}

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
