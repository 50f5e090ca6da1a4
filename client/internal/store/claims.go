package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"golang.org/x/oauth2"
)

// ErrClaimed is returned when another holder's claim on a session's tokens
// is still running.
var ErrClaimed = errors.New("tokens claimed by another request")

// ClaimToken gives holder the session's token row until until, so that of
// the requests of one session on any replica only one refreshes its token
// at a time. It returns ErrNotFound when the session has no tokens and
// ErrClaimed while another holder's claim runs.
func (s *Store) ClaimToken(ctx context.Context, sessionID, holder string, until time.Time) error {
	// One guarded UPDATE is the compare-and-swap: it changes the row only
	// when the claim is free, ended, or already this holder's.
	res, err := s.write.ExecContext(ctx, `UPDATE tokens SET claim_holder = ?, claim_until = ?
		WHERE session_id = ? AND (claim_until <= ? OR claim_holder = ?)`,
		holder, until.UnixMilli(), key(sessionID), s.now().UnixMilli(), holder)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n == 1 {
		return err
	}
	var one int
	err = s.read.QueryRowContext(ctx, `SELECT 1 FROM tokens WHERE session_id = ?`, key(sessionID)).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return ErrNotFound
	}
	if err != nil {
		return err
	}
	return ErrClaimed
}

// ReleaseToken ends holder's claim on the session's tokens; it returns nil
// also when holder holds no claim (it ended, or the tokens were deleted).
func (s *Store) ReleaseToken(ctx context.Context, sessionID, holder string) error {
	_, err := s.write.ExecContext(ctx, `UPDATE tokens SET claim_holder = '', claim_until = 0
		WHERE session_id = ? AND claim_holder = ?`, key(sessionID), holder)
	return err
}

// ReplaceToken stores t, refreshed from old, as the session's tokens: a
// compare-and-swap on the row, which changes only while it still holds
// old's access token. It returns ErrAlreadyUsed when another request
// replaced or deleted the tokens first.
func (s *Store) ReplaceToken(ctx context.Context, sessionID string, old, t *oauth2.Token, fallbackScope string) error {
	scope, _ := t.Extra("scope").(string)
	if scope == "" {
		scope = fallbackScope
	}
	var expiry int64
	if !t.Expiry.IsZero() {
		expiry = t.Expiry.UnixMilli()
	}
	res, err := s.write.ExecContext(ctx, `UPDATE tokens SET access_token = ?, token_type = ?, refresh_token = ?,
		expiry = ?, scope = ? WHERE session_id = ? AND access_token = ?`,
		t.AccessToken, t.TokenType, t.RefreshToken, expiry, scope, key(sessionID), old.AccessToken)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return firstErr(err, ErrAlreadyUsed)
	}
	return nil
}

func firstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
