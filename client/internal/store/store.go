package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"time"

	"github.com/oauthlab/oauthlab/shared/sqldb"
	"golang.org/x/oauth2"

	"github.com/oauthlab/oauthlab/client/internal/flow"
)

//go:embed migrations/sqlite/*.sql migrations/postgres/*.sql
var migrations embed.FS

// ErrNotFound is returned when a session, attempt or token does not exist.
var ErrNotFound = errors.New("not found")

// ErrAlreadyUsed is returned when another request consumed an attempt first.
var ErrAlreadyUsed = errors.New("already used")

// How long things are kept.
const (
	AttemptTTL      = 10 * time.Minute    // an unanswered authorization request
	SessionTTL      = 30 * 24 * time.Hour // a session not seen for this long is purged
	MaxStepsSession = 300                 // the oldest steps beyond this are dropped

	// DefaultAnonymousSessionTTL is how long a session without tokens lives
	// (a Connect click that never came back, a Charts click): anyone can
	// make one, so it must not be kept for SessionTTL.
	DefaultAnonymousSessionTTL = 2 * time.Hour
)

// Store is the client's database, SQLite or PostgreSQL (see shared/sqldb).
// Its SQL is written once, with ? placeholders.
type Store struct {
	conn *sqldb.DB
	// write runs statements on the writer pool (for SQLite one connection:
	// SQLite allows one writer at a time); read on the readers (for
	// PostgreSQL the same pool).
	write   sqldb.Queryer
	read    sqldb.Queryer
	now     func() time.Time
	anonTTL time.Duration
}

// Option changes a setting of Open.
type Option func(*Store)

// WithAnonymousSessionTTL sets how long a session without tokens lives,
// counted from its creation (DefaultAnonymousSessionTTL when not given).
func WithAnonymousSessionTTL(d time.Duration) Option {
	return func(s *Store) {
		if d > 0 {
			s.anonTTL = d
		}
	}
}

// Open opens the database that dsn names, a SQLite file path (created when
// missing) or a postgres:// URL, and applies the migrations it lacks (on
// PostgreSQL under an advisory lock, so replicas starting at once apply
// each once). now is the clock (time.Now in main).
func Open(ctx context.Context, dsn string, now func() time.Time, opts ...Option) (*Store, error) {
	sub, err := fs.Sub(migrations, "migrations")
	if err != nil {
		return nil, err
	}
	conn, err := sqldb.Open(ctx, dsn, sub)
	if err != nil {
		return nil, err
	}
	s := &Store{conn: conn, write: conn.Writer(), read: conn.Bind(conn.Read), now: now, anonTTL: DefaultAnonymousSessionTTL}
	for _, o := range opts {
		o(s)
	}
	if err := s.purge(ctx); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// Close closes the database.
func (s *Store) Close() error { return s.conn.Close() }

// Ping checks that the database answers (for /healthz).
func (s *Store) Ping(ctx context.Context) error { return s.conn.Ping(ctx) }

// tx runs fn in a serializable write transaction, committing when it
// returns nil. PostgreSQL may run fn again after a serialization failure,
// so fn must only work on tx.
func (s *Store) tx(ctx context.Context, fn func(tx sqldb.Queryer) error) error {
	return s.conn.Tx(ctx, func(tx *sql.Tx) error { return fn(s.conn.Bind(tx)) })
}

// PurgeEvery purges at each interval until ctx ends, so that sessions
// nobody will use again (anonymous ones above all) do not pile up between
// restarts. Failures are passed to report and retried at the next tick.
func (s *Store) PurgeEvery(ctx context.Context, interval time.Duration, report func(error)) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := s.purge(ctx); err != nil && ctx.Err() == nil {
				report(err)
			}
		}
	}
}

// purge forgets old sessions, anonymous sessions past their short life,
// and unanswered attempts.
func (s *Store) purge(ctx context.Context) error {
	now := s.now()
	_, err := s.write.ExecContext(ctx, `DELETE FROM sessions WHERE seen_at < ?
		OR (created_at < ? AND id NOT IN (SELECT session_id FROM tokens))`,
		now.Add(-SessionTTL).Unix(), now.Add(-s.anonTTL).Unix())
	if err != nil {
		return err
	}
	_, err = s.write.ExecContext(ctx, `DELETE FROM attempts WHERE created_at < ?`, now.Add(-AttemptTTL).Unix())
	return err
}

// key turns a cookie value into the session's key in the database.
func key(sessionID string) string {
	sum := sha256.Sum256([]byte(sessionID))
	return hex.EncodeToString(sum[:])
}

// RunIDPrefix starts the id of a command-line run (`client device`,
// `client charts -auth private_key_jwt`): the run is stored as a session
// with only steps, and the prefix keeps the inspector's run page from
// showing a browser session's timeline, whose ids never have it.
const RunIDPrefix = "run-"

// CreateSession records a new session for the cookie value id.
func (s *Store) CreateSession(ctx context.Context, id string) error {
	now := s.now().Unix()
	_, err := s.write.ExecContext(ctx, `INSERT INTO sessions (id, created_at, seen_at) VALUES (?, ?, ?)`, key(id), now, now)
	return err
}

// TouchSession reports whether the session exists and is live. It records
// the visit at most once an hour, so reading a page rarely needs the writer.
func (s *Store) TouchSession(ctx context.Context, id string) (bool, error) {
	var seen, created int64
	var hasTokens bool
	err := s.read.QueryRowContext(ctx, `SELECT seen_at, created_at, EXISTS (SELECT 1 FROM tokens WHERE session_id = sessions.id)
		FROM sessions WHERE id = ?`, key(id)).Scan(&seen, &created, &hasTokens)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	now := s.now()
	if seen < now.Add(-SessionTTL).Unix() || (!hasTokens && created < now.Add(-s.anonTTL).Unix()) {
		return false, nil
	}
	if now.Unix()-seen >= int64(time.Hour.Seconds()) {
		if _, err := s.write.ExecContext(ctx, `UPDATE sessions SET seen_at = ? WHERE id = ?`, now.Unix(), key(id)); err != nil {
			return false, err
		}
	}
	return true, nil
}

// RotateSession moves everything of session oldID to the new id newID, and
// forgets oldID. The client calls it when the session gains tokens, so an
// id that someone planted or saw before the sign-in is worth nothing after
// it (session fixation).
func (s *Store) RotateSession(ctx context.Context, oldID, newID string) error {
	oldKey, newKey := key(oldID), key(newID)
	return s.tx(ctx, func(tx sqldb.Queryer) error {
		// The casts tell PostgreSQL the types of parameters in a SELECT list.
		res, err := tx.ExecContext(ctx, `INSERT INTO sessions (id, created_at, seen_at)
			SELECT CAST(? AS TEXT), created_at, CAST(? AS BIGINT) FROM sessions WHERE id = ?`, newKey, s.now().Unix(), oldKey)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			return ErrNotFound
		}
		for _, table := range []string{"attempts", "tokens", "steps", "identities", "signout_states", "dpop_keys"} {
			if _, err := tx.ExecContext(ctx, `UPDATE `+table+` SET session_id = ? WHERE session_id = ?`, newKey, oldKey); err != nil {
				return err
			}
		}
		_, err = tx.ExecContext(ctx, `DELETE FROM sessions WHERE id = ?`, oldKey)
		return err
	})
}

// Attempt is an authorization request waiting for its answer.
type Attempt struct {
	State     string
	Verifier  string
	Scope     string
	Nonce     string // OIDC Core §3.1.2.1: sent when openid is asked for
	CreatedAt time.Time
}

// SaveAttempt remembers an authorization request of the session.
func (s *Store) SaveAttempt(ctx context.Context, sessionID string, a Attempt) error {
	_, err := s.write.ExecContext(ctx,
		`INSERT INTO attempts (session_id, state, verifier, scope, nonce, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
		key(sessionID), a.State, a.Verifier, a.Scope, a.Nonce, a.CreatedAt.Unix())
	return err
}

// PendingAttempt returns the session's unexpired attempt with this state or,
// when there is none, its newest unexpired attempt (so that the caller can
// show the mismatch). ErrNotFound means the session has no pending attempt.
func (s *Store) PendingAttempt(ctx context.Context, sessionID, state string) (Attempt, error) {
	var a Attempt
	var created int64
	err := s.read.QueryRowContext(ctx, `
		SELECT state, verifier, scope, nonce, created_at FROM attempts
		WHERE session_id = ? AND created_at >= ? AND used_at IS NULL
		ORDER BY state = ? DESC, created_at DESC, rowid DESC LIMIT 1`,
		key(sessionID), s.now().Add(-AttemptTTL).Unix(), state,
	).Scan(&a.State, &a.Verifier, &a.Scope, &a.Nonce, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return Attempt{}, ErrNotFound
	}
	a.CreatedAt = time.Unix(created, 0)
	return a, err
}

// DeleteAttempt forgets an attempt: a state is good for one answer only.
func (s *Store) DeleteAttempt(ctx context.Context, sessionID, state string) error {
	_, err := s.write.ExecContext(ctx, `DELETE FROM attempts WHERE session_id = ? AND state = ?`, key(sessionID), state)
	return err
}

// ConsumeAttempt marks the session's attempt with this state as answered,
// so that only one callback can exchange its code. ConsumeAttempt returns
// ErrAlreadyUsed when another call consumed it first (or it does not exist).
func (s *Store) ConsumeAttempt(ctx context.Context, sessionID, state string) error {
	res, err := s.write.ExecContext(ctx,
		`UPDATE attempts SET used_at = ? WHERE session_id = ? AND state = ? AND used_at IS NULL`,
		s.now().Unix(), key(sessionID), state)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return ErrAlreadyUsed
	}
	return nil
}

// AttemptUsed reports whether an attempt with this state was consumed (and
// not yet purged), in whichever session it now belongs to: the session id
// changes once the winning callback stores its tokens.
func (s *Store) AttemptUsed(ctx context.Context, state string) (bool, error) {
	if state == "" {
		return false, nil
	}
	var one int
	err := s.read.QueryRowContext(ctx, `SELECT 1 FROM attempts WHERE state = ? AND used_at IS NOT NULL LIMIT 1`, state).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil, err
}

// SaveToken stores (or replaces) the session's tokens. The granted scope is
// taken from the token response's scope field (RFC 6749 §5.1), or from
// fallbackScope when the response has none (it then equals the request's).
func (s *Store) SaveToken(ctx context.Context, sessionID string, t *oauth2.Token, fallbackScope string) error {
	scope, _ := t.Extra("scope").(string)
	if scope == "" {
		scope = fallbackScope
	}
	var expiry int64
	if !t.Expiry.IsZero() {
		expiry = t.Expiry.UnixMilli()
	}
	_, err := s.write.ExecContext(ctx, `
		INSERT INTO tokens (session_id, access_token, token_type, refresh_token, expiry, scope)
		VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (session_id) DO UPDATE SET access_token = excluded.access_token,
			token_type = excluded.token_type, refresh_token = excluded.refresh_token,
			expiry = excluded.expiry, scope = excluded.scope`,
		key(sessionID), t.AccessToken, t.TokenType, t.RefreshToken, expiry, scope)
	return err
}

// Token returns the session's tokens and their granted scope.
func (s *Store) Token(ctx context.Context, sessionID string) (*oauth2.Token, string, error) {
	var t oauth2.Token
	var expiry int64
	var scope string
	err := s.read.QueryRowContext(ctx,
		`SELECT access_token, token_type, refresh_token, expiry, scope FROM tokens WHERE session_id = ?`,
		key(sessionID)).Scan(&t.AccessToken, &t.TokenType, &t.RefreshToken, &expiry, &scope)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, "", ErrNotFound
	}
	if err != nil {
		return nil, "", err
	}
	if expiry != 0 {
		t.Expiry = time.UnixMilli(expiry)
	}
	return &t, scope, nil
}

// DeleteToken forgets the session's tokens.
func (s *Store) DeleteToken(ctx context.Context, sessionID string) error {
	_, err := s.write.ExecContext(ctx, `DELETE FROM tokens WHERE session_id = ?`, key(sessionID))
	return err
}

// AddSteps appends steps to the session's timeline, dropping the oldest ones
// beyond MaxStepsSession.
func (s *Store) AddSteps(ctx context.Context, sessionID string, steps ...flow.Step) error {
	if len(steps) == 0 {
		return nil
	}
	k := key(sessionID)
	data := make([]string, len(steps))
	for i, st := range steps {
		b, err := json.Marshal(st)
		if err != nil {
			return err
		}
		data[i] = string(b)
	}
	return s.tx(ctx, func(tx sqldb.Queryer) error {
		for i, st := range steps {
			if _, err := tx.ExecContext(ctx, `INSERT INTO steps (session_id, kind, data) VALUES (?, ?, ?)`, k, string(st.Kind), data[i]); err != nil {
				return err
			}
		}
		_, err := tx.ExecContext(ctx, `
			DELETE FROM steps WHERE session_id = ? AND id <= (
				SELECT id FROM steps WHERE session_id = ? ORDER BY id DESC LIMIT 1 OFFSET ?)`,
			k, k, MaxStepsSession)
		return err
	})
}

// Steps returns the session's timeline, oldest first.
func (s *Store) Steps(ctx context.Context, sessionID string) ([]flow.Step, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT data FROM steps WHERE session_id = ? ORDER BY id`, key(sessionID))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []flow.Step
	for rows.Next() {
		var data string
		if err := rows.Scan(&data); err != nil {
			return nil, err
		}
		var st flow.Step
		if err := json.Unmarshal([]byte(data), &st); err != nil {
			return nil, fmt.Errorf("store: step: %w", err)
		}
		out = append(out, st)
	}
	return out, rows.Err()
}

// ClearSteps empties the session's timeline (a new flow starts).
func (s *Store) ClearSteps(ctx context.Context, sessionID string) error {
	_, err := s.write.ExecContext(ctx, `DELETE FROM steps WHERE session_id = ?`, key(sessionID))
	return err
}
