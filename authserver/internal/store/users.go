package store

import (
	"context"
	"database/sql"
	"time"

	"github.com/oauthlab/oauthlab/authserver/internal/oauth"
)

func scanUser(row *sql.Row) (oauth.User, error) {
	var u oauth.User
	err := row.Scan(&u.Subject, &u.Username, &u.PasswordHash, &u.DisplayName, &u.Name, &u.Email, &u.EmailVerified)
	return u, notFound(err)
}

// User finds a user by subject.
func (db *DB) User(ctx context.Context, subject string) (oauth.User, error) {
	return scanUser(db.read.QueryRowContext(ctx,
		`SELECT subject, username, password_hash, display_name, name, email, email_verified FROM users WHERE subject = ?`, subject))
}

// UserByUsername finds a user by username.
func (db *DB) UserByUsername(ctx context.Context, username string) (oauth.User, error) {
	return scanUser(db.read.QueryRowContext(ctx,
		`SELECT subject, username, password_hash, display_name, name, email, email_verified FROM users WHERE username = ?`, username))
}

// CreateUser adds a user.
func (db *DB) CreateUser(ctx context.Context, u oauth.User) error {
	_, err := db.write.ExecContext(ctx,
		`INSERT INTO users (subject, username, password_hash, display_name, name, email, email_verified, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		u.Subject, u.Username, u.PasswordHash, u.DisplayName, u.Name, u.Email, u.EmailVerified, time.Now().Unix())
	return err
}

// UpdateProfile sets a user's standard claims (OIDC Core §5.1), for the
// demo seed.
func (db *DB) UpdateProfile(ctx context.Context, u oauth.User) error {
	_, err := db.write.ExecContext(ctx, `UPDATE users SET name = ?, email = ?, email_verified = ? WHERE subject = ?`,
		u.Name, u.Email, u.EmailVerified, u.Subject)
	return err
}
