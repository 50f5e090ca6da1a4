package sqlitedb

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"testing/fstest"
	"time"
)

var itemsSchema = fstest.MapFS{"0001_items.sql": {Data: []byte(`CREATE TABLE items (name TEXT PRIMARY KEY);`)}}

// inOneBatch runs each fn in a Tx of its own, all handed to the writer
// while it is busy with another transaction, so that they run in one
// batch, in the order given. It returns each Tx's error.
func inOneBatch(t *testing.T, db *DB, fns ...func(*sql.Tx) error) []error {
	t.Helper()
	ctx := context.Background()
	holding, release := make(chan struct{}), make(chan struct{})
	held := make(chan error, 1)
	go func() {
		held <- db.Tx(ctx, func(*sql.Tx) error { close(holding); <-release; return nil })
	}()
	<-holding
	errs := make([]error, len(fns))
	var wg sync.WaitGroup
	for i, fn := range fns {
		wg.Go(func() { errs[i] = db.Tx(ctx, fn) })
		// One at a time, so that the writer takes them in this order.
		waitQueued(t, db, int64(i+1))
	}
	close(release)
	wg.Wait()
	if err := <-held; err != nil {
		t.Fatal(err)
	}
	if db.sharedCommits.Load() == 0 {
		t.Fatal("the transactions did not share a commit: the test did not test group commit")
	}
	return errs
}

func waitQueued(t *testing.T, db *DB, n int64) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); db.queued.Load() < n; runtime.Gosched() {
		if time.Now().After(deadline) {
			t.Fatalf("only %d of %d transactions queued", db.queued.Load(), n)
		}
	}
}

func insert(name string) func(*sql.Tx) error {
	return func(tx *sql.Tx) error {
		_, err := tx.Exec(`INSERT INTO items (name) VALUES (?)`, name)
		return err
	}
}

func names(t *testing.T, db *DB) map[string]bool {
	t.Helper()
	rows, err := db.Read.Query(`SELECT name FROM items`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	got := map[string]bool{}
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		got[n] = true
	}
	return got
}

// A failing transaction in a shared commit loses its own changes and
// nobody else's, and each caller gets its own answer.
func TestGroupCommitKeepsTransactionsApart(t *testing.T) {
	db := open(t, filepath.Join(t.TempDir(), "test.db"), itemsSchema)
	errBoom := errors.New("boom")
	errs := inOneBatch(t, db,
		insert("a"),
		func(tx *sql.Tx) error { // writes, then fails: its row must go
			if err := insert("half")(tx); err != nil {
				return err
			}
			return errBoom
		},
		insert("b"),
		insert("a"), // a primary key clash with the first
		insert("c"),
	)
	if errs[0] != nil || errs[2] != nil || errs[4] != nil {
		t.Fatalf("good transactions failed: %v", errs)
	}
	if !errors.Is(errs[1], errBoom) {
		t.Fatalf("failing transaction: %v, want its own error", errs[1])
	}
	if errs[3] == nil {
		t.Fatal("a duplicate primary key was accepted")
	}
	got := names(t, db)
	if !got["a"] || !got["b"] || !got["c"] || got["half"] || len(got) != 3 {
		t.Fatalf("items = %v, want exactly a, b, c", got)
	}
}

// A panic in one transaction is raised in its caller's goroutine; the
// others in the batch commit.
func TestGroupCommitRaisesAPanicInItsCaller(t *testing.T) {
	db := open(t, filepath.Join(t.TempDir(), "test.db"), itemsSchema)
	var recovered any
	panicky := func(tx *sql.Tx) error {
		_ = insert("panicked")(tx)
		panic("fn panicked")
	}
	// inOneBatch runs fns on goroutines of its own; wrap the panicking
	// one's Tx call to catch what it raises.
	ctx := context.Background()
	holding, release := make(chan struct{}), make(chan struct{})
	go db.Tx(ctx, func(*sql.Tx) error { close(holding); <-release; return nil })
	<-holding
	var wg sync.WaitGroup
	wg.Go(func() {
		defer func() { recovered = recover() }()
		_ = db.Tx(ctx, panicky)
	})
	waitQueued(t, db, 1)
	var goodErr error
	wg.Go(func() { goodErr = db.Tx(ctx, insert("good")) })
	waitQueued(t, db, 2)
	close(release)
	wg.Wait()
	if recovered != "fn panicked" {
		t.Fatalf("recovered %v, want the fn's panic", recovered)
	}
	if goodErr != nil {
		t.Fatal(goodErr)
	}
	if got := names(t, db); !got["good"] || got["panicked"] {
		t.Fatalf("items = %v, want only good", got)
	}
}

// When SQLite drops the whole transaction part way through a batch (here
// an fn ends it behind database/sql's back, as an interrupted statement
// would), the transactions that had already run are run again in a new
// one: none of their callers is told "written" for a write that was lost.
func TestGroupCommitRunsAgainWhatALostTransactionTookWithIt(t *testing.T) {
	db := open(t, filepath.Join(t.TempDir(), "test.db"), itemsSchema)
	runs := 0
	first := func(tx *sql.Tx) error { runs++; return insert("first")(tx) }
	wrecker := func(tx *sql.Tx) error {
		if _, err := tx.Exec(`ROLLBACK`); err != nil {
			return err
		}
		return errors.New("wrecked the transaction")
	}
	errs := inOneBatch(t, db, first, wrecker, insert("last"))
	if errs[0] != nil || errs[2] != nil {
		t.Fatalf("errs = %v, want the first and last to succeed", errs)
	}
	if errs[1] == nil {
		t.Fatal("the wrecking transaction reported success")
	}
	if runs != 2 {
		t.Fatalf("first ran %d times, want 2 (once lost, once committed)", runs)
	}
	if got := names(t, db); !got["first"] || !got["last"] || len(got) != 2 {
		t.Fatalf("items = %v, want first and last", got)
	}
}

// A caller that gives up while queued gets its context's error, and its
// fn never runs.
func TestGroupCommitSkipsACancelledTransaction(t *testing.T) {
	db := open(t, filepath.Join(t.TempDir(), "test.db"), itemsSchema)
	ctx, cancel := context.WithCancel(context.Background())
	holding, release := make(chan struct{}), make(chan struct{})
	go db.Tx(context.Background(), func(*sql.Tx) error { close(holding); <-release; return nil })
	<-holding
	done := make(chan error, 1)
	go func() { done <- db.Tx(ctx, insert("cancelled")) }()
	waitQueued(t, db, 1)
	cancel()
	close(release)
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if got := names(t, db); len(got) != 0 {
		t.Fatalf("items = %v, want none", got)
	}
}

func TestTxAfterCloseFails(t *testing.T) {
	db := open(t, filepath.Join(t.TempDir(), "test.db"), itemsSchema)
	db.Close()
	if err := db.Tx(context.Background(), insert("late")); err == nil {
		t.Fatal("Tx after Close succeeded")
	}
}
