package oauth

import (
	"context"
	"time"
)

// Store is the persistence the protocol needs. Package store implements it
// on SQLite; each method is one short transaction.
type Store interface {
	Client(ctx context.Context, id string) (Client, error)
	CreateClient(ctx context.Context, c Client) error

	User(ctx context.Context, subject string) (User, error)
	UserByUsername(ctx context.Context, username string) (User, error)

	Consent(ctx context.Context, userID, clientID string) (Consent, error)
	SaveConsent(ctx context.Context, c Consent) error
	Consents(ctx context.Context, userID string) ([]Consent, error)
	// RevokeConsent forgets the consent and revokes every grant the user
	// gave the client.
	RevokeConsent(ctx context.Context, userID, clientID string, now time.Time) error

	// CreateGrant stores a grant and, when code is not nil, its code.
	CreateGrant(ctx context.Context, g Grant, code *Code) error
	Grant(ctx context.Context, id string) (Grant, error)
	RevokeGrant(ctx context.Context, id string, now time.Time) error

	Code(ctx context.Context, hash string) (Code, error)
	// RedeemCode marks the code used and stores what was issued, atomically.
	// It returns ErrAlreadyUsed when the code was already redeemed.
	RedeemCode(ctx context.Context, hash string, now time.Time, issued Issued) error

	RefreshToken(ctx context.Context, hash string) (RefreshToken, error)
	// RotateRefreshToken marks the token used and stores what was issued,
	// atomically. It returns ErrAlreadyUsed when it was already rotated.
	RotateRefreshToken(ctx context.Context, hash string, now time.Time, issued Issued) error

	AccessToken(ctx context.Context, jti string) (AccessToken, error)
	RevokeAccessToken(ctx context.Context, jti string, now time.Time) error

	// A client_credentials token is not stored; only its revocation is.
	RevokeMachineToken(ctx context.Context, jti string, expiresAt time.Time) error
	MachineTokenRevoked(ctx context.Context, jti string) (bool, error)
}
