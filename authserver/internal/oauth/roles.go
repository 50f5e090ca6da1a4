package oauth

import (
	"context"
	"time"
)

// The roles of Store: each groups the methods one part of the protocol
// needs, and each method's doc says in one sentence which errors it
// returns, the contract every implementation (SQLite, PostgreSQL) must keep
// and authserver/internal/storetest checks. A method returns nil or the
// error named; any other error is the database's own (a lost connection)
// and is never one of the sentinels.

// ClientStore finds and registers clients.
type ClientStore interface {
	// Client returns ErrNotFound when no client has that id.
	Client(ctx context.Context, id string) (Client, error)
	// CreateClient returns an error (not a sentinel) when a client with
	// that id exists already, and changes nothing then.
	CreateClient(ctx context.Context, c Client) error
}

// UserStore finds users.
type UserStore interface {
	// User returns ErrNotFound when no user has that subject.
	User(ctx context.Context, subject string) (User, error)
	// UserByUsername returns ErrNotFound when no user has that username.
	UserByUsername(ctx context.Context, username string) (User, error)
}

// ConsentStore keeps what each user granted each client.
type ConsentStore interface {
	// Consent returns ErrNotFound when the user never granted the client
	// anything (or revoked it).
	Consent(ctx context.Context, userID, clientID string) (Consent, error)
	// SaveConsent replaces an earlier consent of the same user and client;
	// it fails only when the user or the client does not exist.
	SaveConsent(ctx context.Context, c Consent) error
	// Consents returns an empty list, not an error, for a user without
	// consents.
	Consents(ctx context.Context, userID string) ([]Consent, error)
	// RevokeConsent returns nil also when there was nothing to revoke; the
	// consent and every grant (so every token of the family) end together.
	RevokeConsent(ctx context.Context, userID, clientID string, now time.Time) error
}

// GrantStore keeps grants, the families of codes and tokens.
type GrantStore interface {
	// CreateGrant stores the grant and its code (when code is not nil) in
	// one transaction: both or neither.
	CreateGrant(ctx context.Context, g Grant, code *Code) error
	// Grant returns ErrNotFound when no grant has that id.
	Grant(ctx context.Context, id string) (Grant, error)
	// RevokeGrant returns nil also when the grant is unknown or already
	// revoked, and keeps the first revocation time.
	RevokeGrant(ctx context.Context, id string, now time.Time) error
}

// CodeStore keeps authorization codes by the SHA-256 of their value.
type CodeStore interface {
	// Code returns ErrNotFound when no code has that hash.
	Code(ctx context.Context, hash string) (Code, error)
	// RedeemCode returns ErrAlreadyUsed when another call consumed the code
	// first (or there is no such code), and then stores nothing of issued.
	RedeemCode(ctx context.Context, hash string, now time.Time, issued Issued) error
}

// RefreshStore keeps refresh tokens by the SHA-256 of their value.
type RefreshStore interface {
	// RefreshToken returns ErrNotFound when no token has that hash.
	RefreshToken(ctx context.Context, hash string) (RefreshToken, error)
	// RotateRefreshToken returns ErrAlreadyUsed when another call rotated
	// the token first (or there is no such token), and then stores nothing
	// of issued: of any number of concurrent rotations exactly one wins.
	RotateRefreshToken(ctx context.Context, hash string, now time.Time, issued Issued) error
}

// AccessTokenStore keeps a record of each access token of a grant (a
// user's), for introspection and revocation; RedeemCode and
// RotateRefreshToken write them.
type AccessTokenStore interface {
	// AccessToken returns ErrNotFound when no token has that jti.
	AccessToken(ctx context.Context, jti string) (AccessToken, error)
	// RevokeAccessToken returns nil also when the token is unknown or
	// already revoked.
	RevokeAccessToken(ctx context.Context, jti string, now time.Time) error
}

// MachineTokenStore keeps the one thing written of a client_credentials
// token, which is not stored when issued: that it was revoked.
type MachineTokenStore interface {
	// RevokeMachineToken records jti as revoked until expiresAt, when the
	// token expires anyway; revoking it again returns nil.
	RevokeMachineToken(ctx context.Context, jti string, expiresAt time.Time) error
	// MachineTokenRevoked reports whether jti was revoked; an unknown jti
	// is (false, nil), never ErrNotFound.
	MachineTokenRevoked(ctx context.Context, jti string) (bool, error)
}

// Store must hold every role: a method added to Store belongs in one.
var _ interface {
	ClientStore
	UserStore
	ConsentStore
	GrantStore
	CodeStore
	RefreshStore
	AccessTokenStore
	MachineTokenStore
} = Store(nil)
