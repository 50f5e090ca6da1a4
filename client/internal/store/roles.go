package store

import (
	"context"
	"time"

	"golang.org/x/oauth2"

	"github.com/oauthlab/oauthlab/client/internal/flow"
)

// The roles of Store: each groups what one part of the client needs, and
// each method's doc says in one sentence which errors it returns, the
// contract every database (SQLite, PostgreSQL) must keep and
// client/internal/storetest checks. A method returns nil or the error
// named; any other error is the database's own.

// SessionStore keeps the browser sessions, by the SHA-256 of the cookie.
type SessionStore interface {
	// CreateSession returns an error (not a sentinel) when the id exists.
	CreateSession(ctx context.Context, id string) error
	// TouchSession reports false, with a nil error, for an unknown or
	// expired session.
	TouchSession(ctx context.Context, id string) (bool, error)
	// RotateSession returns ErrNotFound when oldID is no session.
	RotateSession(ctx context.Context, oldID, newID string) error
}

// AttemptStore keeps the authorization requests waiting for an answer.
type AttemptStore interface {
	// SaveAttempt returns an error (not a sentinel) when the session has an
	// attempt with the same state or does not exist.
	SaveAttempt(ctx context.Context, sessionID string, a Attempt) error
	// PendingAttempt returns ErrNotFound when the session has no unexpired,
	// unanswered attempt.
	PendingAttempt(ctx context.Context, sessionID, state string) (Attempt, error)
	// DeleteAttempt returns nil also when there is no such attempt.
	DeleteAttempt(ctx context.Context, sessionID, state string) error
	// ConsumeAttempt returns ErrAlreadyUsed when another call consumed the
	// attempt first (or it does not exist).
	ConsumeAttempt(ctx context.Context, sessionID, state string) error
	// AttemptUsed reports false, with a nil error, for an unknown state.
	AttemptUsed(ctx context.Context, state string) (bool, error)
}

// TokenStore keeps each session's tokens.
type TokenStore interface {
	// SaveToken replaces earlier tokens of the session; it fails only when
	// the session does not exist.
	SaveToken(ctx context.Context, sessionID string, t *oauth2.Token, fallbackScope string) error
	// Token returns ErrNotFound when the session has no tokens.
	Token(ctx context.Context, sessionID string) (*oauth2.Token, string, error)
	// DeleteToken returns nil also when the session has no tokens.
	DeleteToken(ctx context.Context, sessionID string) error
	// ClaimToken returns ErrNotFound when the session has no tokens and
	// ErrClaimed while another holder's claim runs.
	ClaimToken(ctx context.Context, sessionID, holder string, until time.Time) error
	// ReleaseToken returns nil also when holder holds no claim.
	ReleaseToken(ctx context.Context, sessionID, holder string) error
	// ReplaceToken returns ErrAlreadyUsed when the row no longer holds
	// old's access token.
	ReplaceToken(ctx context.Context, sessionID string, old, t *oauth2.Token, fallbackScope string) error
}

// StepStore keeps the flow inspector's timeline.
type StepStore interface {
	// AddSteps fails only when the session does not exist.
	AddSteps(ctx context.Context, sessionID string, steps ...flow.Step) error
	// Steps returns an empty list, not an error, for an unknown session.
	Steps(ctx context.Context, sessionID string) ([]flow.Step, error)
	// ClearSteps returns nil also when there were none.
	ClearSteps(ctx context.Context, sessionID string) error
}

// IdentityStore keeps who signed in with OpenID Connect, and the
// single-use values of logout.
type IdentityStore interface {
	// SaveIdentity replaces an earlier identity of the session.
	SaveIdentity(ctx context.Context, sessionID string, id Identity) error
	// Identity returns ErrNotFound when nobody signed in to the session.
	Identity(ctx context.Context, sessionID string) (Identity, error)
	// DeleteIdentity returns nil also when there was none.
	DeleteIdentity(ctx context.Context, sessionID string) error
	// EndSessionsOf returns 0 and a nil error when no session matches.
	EndSessionsOf(ctx context.Context, subject, providerSID string, step flow.Step) (int, error)
	// SaveSignoutState fails only when the session does not exist.
	SaveSignoutState(ctx context.Context, sessionID, state string) error
	// UseSignoutState returns ErrStateUsed when another call spent the
	// state first, or it is unknown, expired or of another session.
	UseSignoutState(ctx context.Context, sessionID, state string) error
	// RecordLogoutJTI returns identity.ErrReplayed when the jti was
	// recorded before, also by another replica at the same moment.
	RecordLogoutJTI(ctx context.Context, jti string, expiry time.Time) error
}

// KeyStore keeps the keys the client makes for itself.
type KeyStore interface {
	// CSRFKey returns the same key to every caller and replica; the first
	// call creates it.
	CSRFKey(ctx context.Context) ([]byte, error)
}

// All is every role, with what main needs besides; main depends on it,
// not on Store.
type All interface {
	SessionStore
	AttemptStore
	TokenStore
	StepStore
	IdentityStore
	KeyStore
	DPoPKeyStore
	// PurgeEvery returns when ctx ends.
	PurgeEvery(ctx context.Context, interval time.Duration, report func(error))
	Ping(ctx context.Context) error
	Close() error
}

// DPoPKeyStore keeps each session's DPoP private key (RFC 9449), never
// sent to the browser.
type DPoPKeyStore interface {
	// SaveDPoPKey keeps the key (PKCS #8), replacing an older one.
	SaveDPoPKey(ctx context.Context, sessionID string, pkcs8 []byte) error
	// DPoPKey returns ErrNotFound when the session has no key.
	DPoPKey(ctx context.Context, sessionID string) ([]byte, error)
	// DeleteDPoPKey forgets the key; it is not an error when there is none.
	DeleteDPoPKey(ctx context.Context, sessionID string) error
}

var _ All = (*Store)(nil)
