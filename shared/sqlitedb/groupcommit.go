package sqlitedb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"runtime"
)

// Group commit.
//
// A commit is the dearest part of a small SQLite write: it appends the
// changed pages to the WAL and updates the shared index, whatever the size
// of the change. With one writer connection, commits are also the queue
// every writer waits in. So the writer goroutine takes every transaction
// that is waiting when it is free and runs them one after another inside
// ONE SQLite transaction, each in a SAVEPOINT of its own, then commits once.
//
// To each caller this is the transaction it asked for:
//   - its fn sees the changes of the transactions before it and nothing is
//     interleaved with it (they run one at a time, as before);
//   - when its fn fails, ROLLBACK TO its savepoint undoes its changes and
//     nothing else;
//   - Tx returns only after the commit that holds its changes, so what a
//     caller was told is written survives a kill of the process.
//
// Under light load a batch has one transaction and runs without savepoints,
// exactly as a plain BEGIN IMMEDIATE ... COMMIT. Nothing waits to fill a
// batch: it is whatever queued while the previous batch ran.

// defaultMaxBatch bounds how many transactions share one commit, so that
// a caller waits for at most this many others' work.
const defaultMaxBatch = 128

// errClosed answers a Tx on a closed DB.
var errClosed = errors.New("sqlite: database is closed")

// txRequest is one caller's transaction waiting for the writer.
type txRequest struct {
	ctx  context.Context
	fn   func(*sql.Tx) error
	done chan txResult // buffered: the writer never blocks on an answer
}

// txResult is the answer to one txRequest. A panic in fn is carried back to
// the caller's goroutine and raised there.
type txResult struct {
	err      error
	panicked bool
	panicVal any
}

// Tx runs fn in a write transaction and commits it when fn returns nil
// (see the comment on group commit above). fn must do nothing but work on
// tx: it may run again when the transaction it ran in was lost before the
// commit (see runBatch), as on PostgreSQL it runs again after a
// serialization failure.
func (db *DB) Tx(ctx context.Context, fn func(*sql.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	req := &txRequest{ctx: ctx, fn: fn, done: make(chan txResult, 1)}
	db.queued.Add(1)
	select {
	case db.queue <- req:
		db.queued.Add(-1)
	case <-ctx.Done():
		db.queued.Add(-1)
		return ctx.Err()
	case <-db.closing:
		db.queued.Add(-1)
		return errClosed
	}
	// Once handed over, a request is always answered: the writer checks
	// its context before running it.
	res := <-req.done
	if res.panicked {
		panic(res.panicVal)
	}
	return res.err
}

// writeLoop is the writer goroutine: one batch at a time until Close.
func (db *DB) writeLoop() {
	defer close(db.writerDone)
	for {
		var first *txRequest
		select {
		case first = <-db.queue:
		case <-db.closing:
			return
		}
		batch := []*txRequest{first}
		// Let the goroutines that are ready to run go first: under load
		// some of them are on their way to Tx and join this batch; when
		// nothing else is ready this returns at once.
		runtime.Gosched()
	gather:
		for len(batch) < db.maxBatch {
			select {
			case req := <-db.queue:
				batch = append(batch, req)
			default:
				break gather
			}
		}
		for len(batch) > 0 {
			batch = db.runBatch(batch)
		}
	}
}

// runBatch runs batch in one transaction and answers each request. It
// returns the requests that must run again in a new transaction because
// this one was lost part way: SQLite rolls back the whole transaction
// after some errors (an interrupted statement, a full disk), which a
// failed ROLLBACK TO reveals. The request that met the error is answered
// with it, so every call makes progress and the loop ends.
func (db *DB) runBatch(batch []*txRequest) (again []*txRequest) {
	if len(batch) == 1 {
		req := batch[0]
		req.done <- db.runAlone(req)
		return nil
	}
	tx, err := db.Write.BeginTx(context.Background(), nil)
	if err != nil {
		for _, req := range batch {
			req.done <- txResult{err: err}
		}
		return nil
	}
	var ran []*txRequest // done, waiting for the commit
	for i, req := range batch {
		if err := req.ctx.Err(); err != nil {
			req.done <- txResult{err: err}
			continue
		}
		res, kept := runInSavepoint(tx, req)
		if kept {
			if res.err == nil && !res.panicked {
				ran = append(ran, req)
			} else {
				req.done <- res // its changes undone, the others' kept
			}
			continue
		}
		// The transaction is gone: answer this request, and run the ones
		// that had succeeded (their work is lost with it) and the ones
		// not yet run in a new transaction.
		_ = tx.Rollback()
		req.done <- res
		return append(ran, batch[i+1:]...)
	}
	err = tx.Commit()
	db.sharedCommits.Add(1)
	for _, req := range ran {
		req.done <- txResult{err: err}
	}
	return nil
}

// runAlone is a batch of one: a plain transaction, no savepoint.
func (db *DB) runAlone(req *txRequest) txResult {
	if err := req.ctx.Err(); err != nil {
		return txResult{err: err}
	}
	tx, err := db.Write.BeginTx(context.Background(), nil)
	if err != nil {
		return txResult{err: err}
	}
	res := call(req.fn, tx)
	if res.err != nil || res.panicked {
		_ = tx.Rollback()
		return res
	}
	return txResult{err: tx.Commit()}
}

// runInSavepoint runs one request of a batch inside a savepoint, releasing
// it on success and rolling back to it on failure. kept is false when the
// enclosing transaction did not survive; res then says why.
func runInSavepoint(tx *sql.Tx, req *txRequest) (res txResult, kept bool) {
	if _, err := tx.Exec("SAVEPOINT batch_item"); err != nil {
		return txResult{err: err}, false
	}
	res = call(req.fn, tx)
	if res.err == nil && !res.panicked {
		if _, err := tx.Exec("RELEASE batch_item"); err != nil {
			return txResult{err: fmt.Errorf("sqlite: release savepoint: %w", err)}, false
		}
		return res, true
	}
	if _, err := tx.Exec("ROLLBACK TO batch_item"); err != nil {
		return res, false
	}
	if _, err := tx.Exec("RELEASE batch_item"); err != nil {
		return res, false
	}
	return res, true
}

// call runs fn, turning a panic into a result for the caller to raise.
func call(fn func(*sql.Tx) error, tx *sql.Tx) (res txResult) {
	defer func() {
		if v := recover(); v != nil {
			res = txResult{panicked: true, panicVal: v}
		}
	}()
	return txResult{err: fn(tx)}
}
