package store

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/oauthlab/oauthlab/shared/sqldb"

	"github.com/oauthlab/oauthlab/authserver/internal/oauth"
)

// Consent returns what the user granted the client.
func (db *DB) Consent(ctx context.Context, userID, clientID string) (oauth.Consent, error) {
	c := oauth.Consent{UserID: userID, ClientID: clientID}
	var scopes string
	var at sql.NullInt64
	err := db.read.QueryRowContext(ctx,
		`SELECT scopes, granted_at FROM consents WHERE user_id = ? AND client_id = ?`, userID, clientID).Scan(&scopes, &at)
	c.Scopes, c.GrantedAt = strings.Fields(scopes), fromUnix(at)
	return c, notFound(err)
}

// SaveConsent records (or replaces) what the user granted the client.
func (db *DB) SaveConsent(ctx context.Context, c oauth.Consent) error {
	_, err := db.write.ExecContext(ctx, `INSERT INTO consents (user_id, client_id, scopes, granted_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (user_id, client_id) DO UPDATE SET scopes = excluded.scopes, granted_at = excluded.granted_at`,
		c.UserID, c.ClientID, strings.Join(c.Scopes, " "), unix(c.GrantedAt))
	return err
}

// Consents lists the user's connected apps, most recent first.
func (db *DB) Consents(ctx context.Context, userID string) ([]oauth.Consent, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT c.client_id, cl.name, c.scopes, c.granted_at
		FROM consents c JOIN clients cl ON cl.id = c.client_id
		WHERE c.user_id = ? ORDER BY c.granted_at DESC, cl.name`, userID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []oauth.Consent
	for rows.Next() {
		c := oauth.Consent{UserID: userID}
		var scopes string
		var at sql.NullInt64
		if err := rows.Scan(&c.ClientID, &c.ClientName, &scopes, &at); err != nil {
			return nil, err
		}
		c.Scopes, c.GrantedAt = strings.Fields(scopes), fromUnix(at)
		out = append(out, c)
	}
	return out, rows.Err()
}

// RevokeConsent forgets the consent and revokes every grant of the user to
// the client, in one transaction: their refresh tokens stop working and
// their access tokens introspect as inactive at once.
func (db *DB) RevokeConsent(ctx context.Context, userID, clientID string, now time.Time) error {
	return db.tx(ctx, func(tx sqldb.Queryer) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM consents WHERE user_id = ? AND client_id = ?`, userID, clientID); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `UPDATE grants SET revoked_at = ?
			WHERE user_id = ? AND client_id = ? AND revoked_at IS NULL`, now.Unix(), userID, clientID)
		return err
	})
}

// CreateGrant stores a grant and its code (if any).
func (db *DB) CreateGrant(ctx context.Context, g oauth.Grant, code *oauth.Code) error {
	return db.tx(ctx, func(tx sqldb.Queryer) error {
		if err := insertGrant(ctx, tx, g); err != nil {
			return err
		}
		if code == nil {
			return nil
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO codes (hash, grant_id, client_id, user_id, scopes, resources, redirect_uri,
			redirect_given, code_challenge, nonce, expires_at, dpop_jkt) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			code.Hash, code.GrantID, code.ClientID, code.UserID, strings.Join(code.Scopes, " "), strings.Join(code.Resources, " "), code.RedirectURI,
			code.RedirectGiven, code.CodeChallenge, code.Nonce, unix(code.ExpiresAt), code.DPoPJKT)
		return err
	})
}

// insertGrant adds a grant row inside a transaction.
func insertGrant(ctx context.Context, tx sqldb.Queryer, g oauth.Grant) error {
	var user any // NULL only in grants of machine tokens stored before migration 0009
	if g.UserID != "" {
		user = g.UserID
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO grants (id, user_id, client_id, scopes, created_at, auth_time, sid) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		g.ID, user, g.ClientID, strings.Join(g.Scopes, " "), unix(g.CreatedAt), unixOrZero(g.Auth.AuthTime), g.Auth.SID)
	return err
}

// Grant finds a grant by id.
func (db *DB) Grant(ctx context.Context, id string) (oauth.Grant, error) {
	var g oauth.Grant
	var user sql.NullString
	var scopes string
	var created, revoked, authTime sql.NullInt64
	err := db.read.QueryRowContext(ctx, `SELECT id, user_id, client_id, scopes, created_at, revoked_at, auth_time, sid
		FROM grants WHERE id = ?`, id).
		Scan(&g.ID, &user, &g.ClientID, &scopes, &created, &revoked, &authTime, &g.Auth.SID)
	g.UserID, g.Scopes, g.CreatedAt, g.RevokedAt = user.String, strings.Fields(scopes), fromUnix(created), fromUnix(revoked)
	g.Auth.AuthTime = fromUnix(authTime)
	return g, notFound(err)
}

// RevokeGrant marks the grant revoked; its tokens are checked against it.
func (db *DB) RevokeGrant(ctx context.Context, id string, now time.Time) error {
	_, err := db.write.ExecContext(ctx, `UPDATE grants SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL`, now.Unix(), id)
	return err
}

// Code finds an authorization code by the hash of its value.
func (db *DB) Code(ctx context.Context, hash string) (oauth.Code, error) {
	var c oauth.Code
	var scopes, resources string
	var expires, used sql.NullInt64
	err := db.read.QueryRowContext(ctx, `SELECT hash, grant_id, client_id, user_id, scopes, resources, redirect_uri, redirect_given,
		code_challenge, nonce, expires_at, used_at, dpop_jkt FROM codes WHERE hash = ?`, hash).
		Scan(&c.Hash, &c.GrantID, &c.ClientID, &c.UserID, &scopes, &resources, &c.RedirectURI, &c.RedirectGiven,
			&c.CodeChallenge, &c.Nonce, &expires, &used, &c.DPoPJKT)
	c.Scopes, c.Resources, c.ExpiresAt, c.UsedAt = strings.Fields(scopes), strings.Fields(resources), fromUnix(expires), fromUnix(used)
	return c, notFound(err)
}

// RedeemCode marks the code used and stores the tokens, atomically. The
// UPDATE's "used_at IS NULL" condition is what makes the code single use:
// of any number of concurrent requests, exactly one changes the row.
func (db *DB) RedeemCode(ctx context.Context, hash string, now time.Time, issued oauth.Issued) error {
	return db.tx(ctx, func(tx sqldb.Queryer) error {
		res, err := tx.ExecContext(ctx, `UPDATE codes SET used_at = ? WHERE hash = ? AND used_at IS NULL`, now.Unix(), hash)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			return firstErr(err, oauth.ErrAlreadyUsed)
		}
		return storeIssued(ctx, tx, issued)
	})
}

// RefreshToken finds a refresh token by the hash of its value.
func (db *DB) RefreshToken(ctx context.Context, hash string) (oauth.RefreshToken, error) {
	var t oauth.RefreshToken
	var scopes, resources string
	var expires, used sql.NullInt64
	err := db.read.QueryRowContext(ctx, `SELECT hash, grant_id, client_id, user_id, scopes, resources, expires_at, used_at, jkt
		FROM refresh_tokens WHERE hash = ?`, hash).
		Scan(&t.Hash, &t.GrantID, &t.ClientID, &t.UserID, &scopes, &resources, &expires, &used, &t.JKT)
	t.Scopes, t.Resources, t.ExpiresAt, t.UsedAt = strings.Fields(scopes), strings.Fields(resources), fromUnix(expires), fromUnix(used)
	return t, notFound(err)
}

// RotateRefreshToken marks the token used and stores its successor,
// atomically and at most once (see RedeemCode).
func (db *DB) RotateRefreshToken(ctx context.Context, hash string, now time.Time, issued oauth.Issued) error {
	return db.tx(ctx, func(tx sqldb.Queryer) error {
		res, err := tx.ExecContext(ctx, `UPDATE refresh_tokens SET used_at = ? WHERE hash = ? AND used_at IS NULL`, now.Unix(), hash)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			return firstErr(err, oauth.ErrAlreadyUsed)
		}
		return storeIssued(ctx, tx, issued)
	})
}

func firstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

func storeIssued(ctx context.Context, tx sqldb.Queryer, issued oauth.Issued) error {
	if err := insertAccessToken(ctx, tx, issued.Access); err != nil {
		return err
	}
	if r := issued.Refresh; r != nil {
		_, err := tx.ExecContext(ctx, `INSERT INTO refresh_tokens (hash, grant_id, client_id, user_id, scopes, resources, expires_at, jkt)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, r.Hash, r.GrantID, r.ClientID, r.UserID, strings.Join(r.Scopes, " "),
			strings.Join(r.Resources, " "), unix(r.ExpiresAt), r.JKT)
		return err
	}
	return nil
}

func insertAccessToken(ctx context.Context, tx sqldb.Queryer, t oauth.AccessToken) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO access_tokens (jti, grant_id, client_id, user_id, scopes, resources, issued_at, expires_at, jkt)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, t.JTI, t.GrantID, t.ClientID, t.UserID, strings.Join(t.Scopes, " "),
		strings.Join(t.Resources, " "), unix(t.IssuedAt), unix(t.ExpiresAt), t.JKT)
	return err
}

// AccessToken finds an access-token record by jti.
func (db *DB) AccessToken(ctx context.Context, jti string) (oauth.AccessToken, error) {
	var t oauth.AccessToken
	var scopes, resources string
	var issued, expires, revoked sql.NullInt64
	err := db.read.QueryRowContext(ctx, `SELECT jti, grant_id, client_id, user_id, scopes, resources, issued_at, expires_at, revoked_at, jkt
		FROM access_tokens WHERE jti = ?`, jti).
		Scan(&t.JTI, &t.GrantID, &t.ClientID, &t.UserID, &scopes, &resources, &issued, &expires, &revoked, &t.JKT)
	t.Resources = strings.Fields(resources)
	t.Scopes, t.IssuedAt, t.ExpiresAt, t.RevokedAt = strings.Fields(scopes), fromUnix(issued), fromUnix(expires), fromUnix(revoked)
	return t, notFound(err)
}

// RevokeAccessToken marks one access token revoked.
func (db *DB) RevokeAccessToken(ctx context.Context, jti string, now time.Time) error {
	_, err := db.write.ExecContext(ctx, `UPDATE access_tokens SET revoked_at = ? WHERE jti = ? AND revoked_at IS NULL`, now.Unix(), jti)
	return err
}

// RevokeMachineToken records a client_credentials token's jti as revoked
// until expiresAt (oauth.MachineTokenStore); again is a no-op.
func (db *DB) RevokeMachineToken(ctx context.Context, jti string, expiresAt time.Time) error {
	_, err := db.write.ExecContext(ctx, `INSERT INTO revoked_machine_tokens (jti, expires_at) VALUES (?, ?)
		ON CONFLICT (jti) DO NOTHING`, jti, expiresAt.Unix())
	return err
}

// MachineTokenRevoked reports whether RevokeMachineToken recorded jti.
func (db *DB) MachineTokenRevoked(ctx context.Context, jti string) (bool, error) {
	var one int
	err := db.read.QueryRowContext(ctx, `SELECT 1 FROM revoked_machine_tokens WHERE jti = ?`, jti).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil, err
}
