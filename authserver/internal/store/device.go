package store

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"github.com/oauthlab/oauthlab/authserver/internal/oauth"
	"github.com/oauthlab/oauthlab/shared/sqldb"
)

var _ oauth.DeviceStore = (*DB)(nil)

// CreateDeviceAuthorization stores a device authorization (RFC 8628 §3.2).
func (db *DB) CreateDeviceAuthorization(ctx context.Context, d oauth.DeviceAuthorization) error {
	_, err := db.write.ExecContext(ctx, `INSERT INTO device_codes (device_code_hash, user_code_hash, client_id, scopes,
		resources, interval_seconds, created_at, expires_at, status) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		d.DeviceCodeHash, d.UserCodeHash, d.ClientID, strings.Join(d.Scopes, " "), strings.Join(d.Resources, " "),
		int64(d.Interval/time.Second), d.CreatedAt.Unix(), d.ExpiresAt.Unix(), d.Status)
	return err
}

const deviceColumns = `device_code_hash, user_code_hash, client_id, scopes, resources, interval_seconds,
	last_polled_at, created_at, expires_at, status, user_id, auth_time, sid, used_at`

func scanDevice(row *sql.Row) (oauth.DeviceAuthorization, error) {
	var d oauth.DeviceAuthorization
	var scopes, resources string
	var interval int64
	var polled, created, expires, authTime, used sql.NullInt64
	var user sql.NullString
	err := row.Scan(&d.DeviceCodeHash, &d.UserCodeHash, &d.ClientID, &scopes, &resources, &interval,
		&polled, &created, &expires, &d.Status, &user, &authTime, &d.Auth.SID, &used)
	d.Scopes, d.Resources = strings.Fields(scopes), strings.Fields(resources)
	d.Interval = time.Duration(interval) * time.Second
	d.LastPolledAt, d.CreatedAt, d.ExpiresAt = fromUnix(polled), fromUnix(created), fromUnix(expires)
	d.UserID, d.Auth.AuthTime, d.UsedAt = user.String, fromUnix(authTime), fromUnix(used)
	return d, notFound(err)
}

// DeviceAuthorization finds a device authorization by its device code's hash.
func (db *DB) DeviceAuthorization(ctx context.Context, deviceCodeHash string) (oauth.DeviceAuthorization, error) {
	return scanDevice(db.read.QueryRowContext(ctx, `SELECT `+deviceColumns+` FROM device_codes WHERE device_code_hash = ?`, deviceCodeHash))
}

// DeviceAuthorizationByUserCode finds a pending, unexpired device
// authorization by its user code's hash; ErrNotFound otherwise.
func (db *DB) DeviceAuthorizationByUserCode(ctx context.Context, userCodeHash string, now time.Time) (oauth.DeviceAuthorization, error) {
	return scanDevice(db.read.QueryRowContext(ctx, `SELECT `+deviceColumns+` FROM device_codes
		WHERE user_code_hash = ? AND status = 'pending' AND expires_at > ?`, userCodeHash, now.Unix()))
}

// DeviceAuthorizationByUserCodeAny finds a device authorization by its
// user code's hash, whatever its state; ErrNotFound when there is none.
func (db *DB) DeviceAuthorizationByUserCodeAny(ctx context.Context, userCodeHash string) (oauth.DeviceAuthorization, error) {
	return scanDevice(db.read.QueryRowContext(ctx, `SELECT `+deviceColumns+` FROM device_codes WHERE user_code_hash = ?`, userCodeHash))
}

// DecideDevice records the user's answer, once: it returns ErrAlreadyUsed
// when the authorization is no longer pending or has expired.
func (db *DB) DecideDevice(ctx context.Context, userCodeHash, status, userID string, auth oauth.Authentication, now time.Time) error {
	res, err := db.write.ExecContext(ctx, `UPDATE device_codes SET status = ?, user_id = ?, auth_time = ?, sid = ?
		WHERE user_code_hash = ? AND status = 'pending' AND expires_at > ?`,
		status, userID, unixOrZero(auth.AuthTime), auth.SID, userCodeHash, now.Unix())
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return firstErr(err, oauth.ErrAlreadyUsed)
	}
	return nil
}

// RecordDevicePoll stores when the device last polled and its interval.
func (db *DB) RecordDevicePoll(ctx context.Context, deviceCodeHash string, now time.Time, interval time.Duration) error {
	_, err := db.write.ExecContext(ctx, `UPDATE device_codes SET last_polled_at = ?, interval_seconds = ? WHERE device_code_hash = ?`,
		now.Unix(), int64(interval/time.Second), deviceCodeHash)
	return err
}

// RedeemDeviceCode marks an approved device code used and stores the
// grant and its tokens in one transaction. The UPDATE's "used_at IS NULL"
// makes it single use: of concurrent polls, exactly one changes the row;
// the others get ErrAlreadyUsed.
func (db *DB) RedeemDeviceCode(ctx context.Context, deviceCodeHash string, now time.Time, g oauth.Grant, issued oauth.Issued) error {
	return db.tx(ctx, func(tx sqldb.Queryer) error {
		res, err := tx.ExecContext(ctx, `UPDATE device_codes SET used_at = ?
			WHERE device_code_hash = ? AND used_at IS NULL AND status = 'approved'`, now.Unix(), deviceCodeHash)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			return firstErr(err, oauth.ErrAlreadyUsed)
		}
		if err := insertGrant(ctx, tx, g); err != nil {
			return err
		}
		return storeIssued(ctx, tx, issued)
	})
}
