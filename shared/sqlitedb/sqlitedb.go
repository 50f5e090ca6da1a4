// Package sqlitedb opens the SQLite file of an actor the way every actor
// needs it: WAL journal, foreign keys on, a busy timeout, exactly one writer
// connection beside a pool of read-only connections, and the actor's
// embedded schema migrations applied at start.
//
// Why one writer: SQLite lets one connection write at a time. With several
// writer connections, two transactions that both read and then write can
// each wait for the other, and one gets "database is locked" at once, busy
// timeout or not. A single writer connection queues writes in Go instead,
// and BEGIN IMMEDIATE (the _txlock parameter) takes the write lock up front.
// WAL lets the readers go on while the writer writes.
//
// Why group commit (groupcommit.go): that single writer would otherwise pay
// one commit per transaction, and every writer waits in its queue. So the
// transactions that queued while the writer was busy share one commit, each
// in a savepoint of its own; to each caller it is still its own transaction.
package sqlitedb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mattn/go-sqlite3" // also registers the "sqlite3" driver
)

// DB is one SQLite file with its two pools.
type DB struct {
	// Write has a single connection: use it, through Tx where a change
	// spans statements, for everything that writes.
	Write *sql.DB
	// Read is a pool of read-only connections for queries.
	Read *sql.DB

	queue      chan *txRequest // to the writer goroutine (groupcommit.go)
	closing    chan struct{}   // closed by Close
	writerDone chan struct{}   // closed when the writer goroutine ends
	closeOnce  sync.Once
	maxBatch   int // transactions per commit at most; 1 turns group commit off (benchmarks)
	// For tests: callers waiting to hand a transaction to the writer, and
	// commits that held more than one transaction.
	queued, sharedCommits atomic.Int64
}

// busyTimeout is how long a connection waits for another one's lock before
// it answers "database is locked". With the single writer that only happens
// when another process writes the same file (a CLI command beside the server).
const busyTimeout = 10 * time.Second

// Open opens the SQLite file (creating it and its folder if needed) and
// applies, in file-name order, every *.sql file in migrations (typically an
// embedded folder) that is newer than the file's schema version (PRAGMA
// user_version). Each migration runs in its own transaction with the version
// bump, so a crash never leaves one half applied, and processes that open a
// new file at the same time apply each migration once between them.
func Open(ctx context.Context, file string, migrations fs.FS) (*DB, error) {
	if dir := filepath.Dir(file); dir != "." {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("sqlite: create %s: %w", dir, err)
		}
	}
	params := url.Values{
		"_journal_mode": {"WAL"},
		"_foreign_keys": {"on"},
		"_busy_timeout": {fmt.Sprint(busyTimeout.Milliseconds())},
		// NORMAL is safe with WAL: a power cut can lose the last commits
		// but never corrupts the file.
		"_synchronous": {"NORMAL"},
		// Keep each connection's prepared statements for reuse: without
		// it, every query is compiled anew, about a tenth of a token
		// request's time in the load test's profile.
		"_stmt_cache_size": {"256"},
	}
	dsn := func(extra string) string {
		return "file:" + (&url.URL{Path: file}).EscapedPath() + "?" + params.Encode() + extra
	}

	write, err := sql.Open("sqlite3", dsn("&_txlock=immediate"))
	if err != nil {
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	write.SetMaxOpenConns(1)
	write.SetMaxIdleConns(1)
	write.SetConnMaxIdleTime(0)

	read, err := sql.Open("sqlite3", dsn("&_query_only=true"))
	if err != nil {
		write.Close()
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	n := max(4, runtime.GOMAXPROCS(0))
	read.SetMaxOpenConns(n)
	read.SetMaxIdleConns(n)

	db := &DB{Write: write, Read: read, queue: make(chan *txRequest), closing: make(chan struct{}), writerDone: make(chan struct{}), maxBatch: defaultMaxBatch}
	go db.writeLoop()
	if err := firstConnection(ctx, write); err != nil {
		db.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", file, err)
	}
	if err := db.migrate(ctx, migrations); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// firstConnection opens the writer's connection, which switches a new file
// to WAL. That switch needs the file to itself, and while another process
// opens the same new file SQLite answers it with "database is locked" at
// once rather than waiting out the busy timeout; so it is tried again, for
// as long as the busy timeout would have waited. Once the file is in WAL
// mode (it stays so), later connections never need that lock.
func firstConnection(ctx context.Context, write *sql.DB) error {
	deadline := time.Now().Add(busyTimeout)
	for {
		err := write.PingContext(ctx)
		var sqliteErr sqlite3.Error
		if err == nil || !errors.As(err, &sqliteErr) || sqliteErr.Code != sqlite3.ErrBusy || time.Now().After(deadline) {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// Close stops the writer goroutine (after the batch it is running) and
// closes both pools. A Tx after Close fails.
func (db *DB) Close() error {
	db.closeOnce.Do(func() {
		close(db.closing)
		<-db.writerDone
	})
	return errors.Join(db.Read.Close(), db.Write.Close())
}

// Ping checks that the file answers, for /healthz.
func (db *DB) Ping(ctx context.Context) error { return db.Read.PingContext(ctx) }

func (db *DB) migrate(ctx context.Context, migrations fs.FS) error {
	var names []string
	err := fs.WalkDir(migrations, ".", func(name string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && path.Ext(name) == ".sql" {
			names = append(names, name)
		}
		return err
	})
	if err != nil {
		return err
	}
	// In order of file name (0001_init.sql, 0002_...), wherever they sit.
	sort.Slice(names, func(i, j int) bool { return path.Base(names[i]) < path.Base(names[j]) })
	var version int
	if err := db.Write.QueryRowContext(ctx, "PRAGMA user_version").Scan(&version); err != nil {
		return fmt.Errorf("sqlite: read schema version: %w", err)
	}
	if version > len(names) {
		return fmt.Errorf("sqlite: the file has schema version %d, newer than this program knows (%d)", version, len(names))
	}
	for i := version; i < len(names); i++ {
		script, err := fs.ReadFile(migrations, names[i])
		if err != nil {
			return err
		}
		err = db.Tx(ctx, func(tx *sql.Tx) error {
			// Read the version again, now that the transaction holds the
			// file's write lock (BEGIN IMMEDIATE): another process opening
			// the same file at the same time may have applied this
			// migration since the read above.
			var current int
			if err := tx.QueryRowContext(ctx, "PRAGMA user_version").Scan(&current); err != nil {
				return err
			}
			if current > i {
				return nil
			}
			if _, err := tx.ExecContext(ctx, string(script)); err != nil {
				return err
			}
			// PRAGMA takes no bound parameters; i+1 is our own integer.
			_, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", i+1))
			return err
		})
		if err != nil {
			return fmt.Errorf("sqlite: migration %s: %w", names[i], err)
		}
	}
	return nil
}
