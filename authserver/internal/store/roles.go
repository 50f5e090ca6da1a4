package store

import (
	"context"
	"time"

	"github.com/oauthlab/oauthlab/authserver/internal/oauth"
	"github.com/oauthlab/oauthlab/authserver/internal/throttle"
	"github.com/oauthlab/oauthlab/authserver/internal/web"
)

// The roles of DB beyond the protocol's (oauth.Store and its roles in
// oauth/roles.go, oauth.KeyStore, web.SessionStore, web.PendingStore): what
// main and the CLI need. Each method's doc says in one sentence which
// errors it returns; authserver/internal/storetest checks them on every
// database.

// SecretStore keeps the secrets the server makes for itself.
type SecretStore interface {
	// ServerSecret returns the same value to every caller and replica: the
	// first call creates it, and it never returns ErrNotFound.
	ServerSecret(ctx context.Context, name string, size int) ([]byte, error)
}

// SeedStore loads the demo data.
type SeedStore interface {
	// SeedDemo returns nil when run again, also from several replicas at
	// once, and never changes a demo client's secret.
	SeedDemo(ctx context.Context, webRedirectURI string) error
	// SetBackchannelLogoutURI returns nil also when no client has that id.
	SetBackchannelLogoutURI(ctx context.Context, clientID, uri string) error
}

// AdminStore is what the CLI changes beyond the protocol's roles.
type AdminStore interface {
	// Clients returns an empty list, not an error, when there are none.
	Clients(ctx context.Context) ([]oauth.Client, error)
	// CreateUser returns an error (not a sentinel) when the subject or the
	// username is taken.
	CreateUser(ctx context.Context, u oauth.User) error
	// RetireSigningKey returns ErrNotFound when no key has that id or it
	// was already retired.
	RetireSigningKey(ctx context.Context, kid string, now time.Time) error
	// Resources returns an empty list, not an error, when none is registered.
	Resources(ctx context.Context) ([]oauth.Resource, error)
	// AddResource is idempotent; it returns an error (not a sentinel) when
	// a scope already belongs to another resource.
	AddResource(ctx context.Context, r oauth.Resource, now time.Time) error
}

// MaintenanceStore runs the periodic cleanup on one replica at a time.
type MaintenanceStore interface {
	// TakeLease reports false, with a nil error, while another holder's
	// lease on the job runs.
	TakeLease(ctx context.Context, name, holder string, now time.Time, ttl time.Duration) (bool, error)
	// DeleteExpired returns nil also when nothing expired.
	DeleteExpired(ctx context.Context, cutoff time.Time) error
	// DeleteExpiredCounts returns nil also when nothing expired.
	DeleteExpiredCounts(ctx context.Context, cutoff time.Time) error
}

// Server is every role the running server uses; main depends on it, not on
// DB.
type Server interface {
	oauth.Store
	oauth.FirstKeyStore
	web.SessionStore
	throttle.Store
	SecretStore
	SeedStore
	MaintenanceStore
	AdminStore
	oauth.DeviceStore
	// DPoPReplayCache is the proofs' jti cache every replica shares (RFC 9449 §11.1).
	DPoPReplayCache() DPoPReplayCache
	Ping(ctx context.Context) error
	Close() error
}

var (
	_ Server     = (*DB)(nil)
	_ AdminStore = (*DB)(nil)
)

// DeleteExpiredCounts removes the throttle counts whose latest failure was
// before cutoff, and leases that ended before it.
func (db *DB) DeleteExpiredCounts(ctx context.Context, cutoff time.Time) error {
	if _, err := db.write.ExecContext(ctx, `DELETE FROM throttle_counts WHERE last_at < ?`, cutoff.UnixMilli()); err != nil {
		return err
	}
	_, err := db.write.ExecContext(ctx, `DELETE FROM leases WHERE expires_at < ?`, cutoff.UnixMilli())
	return err
}
