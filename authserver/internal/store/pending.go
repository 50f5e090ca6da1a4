package store

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"github.com/oauthlab/oauthlab/authserver/internal/oauth"
)

// SavePendingRequest stores a checked authorization request by the hash of
// its id, bound to the browser by binding (a hash of one of its cookies).
func (db *DB) SavePendingRequest(ctx context.Context, idHash, binding string, r oauth.AuthorizeRequest, now, expires time.Time) error {
	_, err := db.write.ExecContext(ctx, `INSERT INTO authorization_requests (id_hash, binding_hash, client_id,
		redirect_uri, redirect_given, scopes, resources, state, code_challenge, prompt, nonce, max_age, login_hint, hint_subject,
		signed_in_at, created_at, expires_at, dpop_jkt) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		idHash, binding, r.Client.ID, r.RedirectURI, r.RedirectGiven, strings.Join(r.Scopes, " "), strings.Join(r.Resources, " "), r.State,
		r.CodeChallenge, strings.Join(r.Prompt, " "), r.Nonce, maxAgeSeconds(r.MaxAge), r.LoginHint, r.HintSubject,
		unix(r.SignedInAt), now.Unix(), expires.Unix(), r.DPoPJKT)
	return err
}

func maxAgeSeconds(d time.Duration) int64 {
	if d < 0 {
		return -1
	}
	return int64(d / time.Second)
}

// PendingRequest returns a pending authorization request and its binding.
// It returns ErrNotFound when there is none, it expired, or it was already
// answered.
func (db *DB) PendingRequest(ctx context.Context, idHash string, now time.Time) (oauth.AuthorizeRequest, string, error) {
	var r oauth.AuthorizeRequest
	var binding, clientID, scopes, resources, prompt string
	var maxAge int64
	var signedIn sql.NullInt64
	err := db.read.QueryRowContext(ctx, `SELECT binding_hash, client_id, redirect_uri, redirect_given, scopes, resources, state,
		code_challenge, prompt, nonce, max_age, login_hint, hint_subject, signed_in_at, dpop_jkt FROM authorization_requests
		WHERE id_hash = ? AND expires_at > ? AND used_at IS NULL`, idHash, now.Unix()).
		Scan(&binding, &clientID, &r.RedirectURI, &r.RedirectGiven, &scopes, &resources, &r.State, &r.CodeChallenge, &prompt,
			&r.Nonce, &maxAge, &r.LoginHint, &r.HintSubject, &signedIn, &r.DPoPJKT)
	if err != nil {
		return r, "", notFound(err)
	}
	if r.Client, err = db.Client(ctx, clientID); err != nil {
		return r, "", err
	}
	r.Verified, r.ResponseType = true, "code"
	r.Resources = strings.Fields(resources)
	r.Scopes, r.Prompt, r.SignedInAt = strings.Fields(scopes), strings.Fields(prompt), fromUnix(signedIn)
	r.MaxAge = -1
	if maxAge >= 0 {
		r.MaxAge = time.Duration(maxAge) * time.Second
	}
	return r, binding, nil
}

// BindPendingRequest moves a pending request to a new browser binding (the
// session started at sign-in) and records when the user signed in.
func (db *DB) BindPendingRequest(ctx context.Context, idHash, binding string, signedInAt time.Time) error {
	_, err := db.write.ExecContext(ctx, `UPDATE authorization_requests SET binding_hash = ?, signed_in_at = ?
		WHERE id_hash = ? AND used_at IS NULL`, binding, signedInAt.Unix(), idHash)
	return err
}

// ConsumePendingRequest marks a pending request answered. It returns
// ErrAlreadyUsed when another call consumed it first (or it expired).
func (db *DB) ConsumePendingRequest(ctx context.Context, idHash string, now time.Time) error {
	res, err := db.write.ExecContext(ctx, `UPDATE authorization_requests SET used_at = ?
		WHERE id_hash = ? AND used_at IS NULL AND expires_at > ?`, now.Unix(), idHash, now.Unix())
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return firstErr(err, oauth.ErrAlreadyUsed)
	}
	return nil
}
