package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"time"

	"github.com/oauthlab/oauthlab/shared/sqldb"

	"github.com/oauthlab/oauthlab/client/internal/flow"
	"github.com/oauthlab/oauthlab/client/internal/identity"
)

// SignoutStateTTL is how long the answer to an RP-initiated logout may take.
const SignoutStateTTL = 10 * time.Minute

// ErrStateUsed is returned when a sign-out state is unknown, expired, of
// another session or already used.
var ErrStateUsed = errors.New("sign-out state unknown or already used")

// Identity is who signed in to a session (OpenID Connect).
type Identity struct {
	Subject     string
	ProviderSID string
	Name        string
	Email       string
	IDToken     string // the raw ID token, for id_token_hint
}

// SaveIdentity stores (or replaces) who signed in to the session.
func (s *Store) SaveIdentity(ctx context.Context, sessionID string, id Identity) error {
	_, err := s.write.ExecContext(ctx, `
		INSERT INTO identities (session_id, subject, provider_sid, name, email, id_token) VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (session_id) DO UPDATE SET subject = excluded.subject, provider_sid = excluded.provider_sid,
			name = excluded.name, email = excluded.email, id_token = excluded.id_token`,
		key(sessionID), id.Subject, id.ProviderSID, id.Name, id.Email, id.IDToken)
	return err
}

// Identity returns who signed in to the session; ErrNotFound when nobody
// did (a plain OAuth connection, or none).
func (s *Store) Identity(ctx context.Context, sessionID string) (Identity, error) {
	var id Identity
	err := s.read.QueryRowContext(ctx,
		`SELECT subject, provider_sid, name, email, id_token FROM identities WHERE session_id = ?`, key(sessionID),
	).Scan(&id.Subject, &id.ProviderSID, &id.Name, &id.Email, &id.IDToken)
	if errors.Is(err, sql.ErrNoRows) {
		return Identity{}, ErrNotFound
	}
	return id, err
}

// DeleteIdentity forgets who signed in to the session.
func (s *Store) DeleteIdentity(ctx context.Context, sessionID string) error {
	_, err := s.write.ExecContext(ctx, `DELETE FROM identities WHERE session_id = ?`, key(sessionID))
	return err
}

// EndSessionsOf signs out every session of the user subject (of the
// provider session providerSID only, when it is not empty; any user of
// that provider session when subject is empty): their tokens and identity
// are deleted and step is added to their timelines. It returns how many
// sessions it ended.
func (s *Store) EndSessionsOf(ctx context.Context, subject, providerSID string, step flow.Step) (int, error) {
	data, err := json.Marshal(step)
	if err != nil {
		return 0, err
	}
	var keys []string
	err = s.tx(ctx, func(tx sqldb.Queryer) error {
		keys = nil
		rows, err := tx.QueryContext(ctx, `SELECT session_id FROM identities
			WHERE (? = '' OR subject = ?) AND (? = '' OR provider_sid = ?)`, subject, subject, providerSID, providerSID)
		if err != nil {
			return err
		}
		for rows.Next() {
			var k string
			if err := rows.Scan(&k); err != nil {
				rows.Close()
				return err
			}
			keys = append(keys, k)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, k := range keys {
			for _, q := range []string{`DELETE FROM tokens WHERE session_id = ?`, `DELETE FROM identities WHERE session_id = ?`} {
				if _, err := tx.ExecContext(ctx, q, k); err != nil {
					return err
				}
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO steps (session_id, kind, data) VALUES (?, ?, ?)`, k, string(step.Kind), string(data)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return len(keys), nil
}

var _ identity.ReplayGuard = (*Store)(nil)

// RecordLogoutJTI records the jti of a logout token until expiry. It
// returns identity.ErrReplayed when the jti is already recorded, also when
// two deliveries race (the primary key decides).
func (s *Store) RecordLogoutJTI(ctx context.Context, jti string, expiry time.Time) error {
	now := s.now().Unix()
	if _, err := s.write.ExecContext(ctx, `DELETE FROM logout_jtis WHERE expires_at < ?`, now); err != nil {
		return err
	}
	res, err := s.write.ExecContext(ctx, `INSERT INTO logout_jtis (jti, expires_at) VALUES (?, ?) ON CONFLICT (jti) DO NOTHING`,
		jti, expiry.Unix())
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return identity.ErrReplayed
	}
	return nil
}

// SaveSignoutState remembers the state of an RP-initiated logout of the
// session, hashed.
func (s *Store) SaveSignoutState(ctx context.Context, sessionID, state string) error {
	_, err := s.write.ExecContext(ctx, `INSERT INTO signout_states (state_hash, session_id, created_at) VALUES (?, ?, ?)`,
		key(state), key(sessionID), s.now().Unix())
	return err
}

// UseSignoutState spends the session's sign-out state. It returns
// ErrStateUsed when the state is unknown, expired, of another session or
// already spent, also when two requests race (only one update matches).
func (s *Store) UseSignoutState(ctx context.Context, sessionID, state string) error {
	now := s.now()
	res, err := s.write.ExecContext(ctx, `UPDATE signout_states SET used_at = ?
		WHERE state_hash = ? AND session_id = ? AND used_at IS NULL AND created_at >= ?`,
		now.Unix(), key(state), key(sessionID), now.Add(-SignoutStateTTL).Unix())
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return ErrStateUsed
	}
	return nil
}
