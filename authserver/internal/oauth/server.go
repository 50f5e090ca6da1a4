package oauth

import (
	"context"
	"crypto/sha256"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/crypto/bcrypt"
	"golang.org/x/sync/singleflight"
)

// Server holds the authorization server's protocol logic. Its fields are set
// once by main; the zero value is not usable.
type Server struct {
	Store Store
	Keys  *Keys
	// Issuer is the `iss` of tokens and of RFC 9207 authorization responses.
	Issuer string
	// Audience is the `aud` of access tokens asked for without a
	// `resource` parameter: the music API's identifier (the contract).
	Audience string
	// Resources is the registry of protected resources and their scopes;
	// nil means only the music API at Audience.
	Resources  *Registry
	AccessTTL  time.Duration
	RefreshTTL time.Duration
	CodeTTL    time.Duration
	// Devices keeps device authorizations (RFC 8628); nil disables the
	// device grant. DeviceInterval is the polling interval it announces
	// (zero: DefaultDeviceInterval).
	Devices        DeviceStore
	DeviceInterval time.Duration
	// RequirePAR refuses every authorization request that did not come
	// through /par (RFC 9126 §6, AUTHSERVER_REQUIRE_PAR).
	RequirePAR bool
	Now        func() time.Time
	// Logger records security events (reuse of a code or refresh token);
	// nil logs nothing.
	Logger *slog.Logger
	// ClientSecretKey is the AES-256 key that encrypts the secrets of
	// client_secret_jwt clients (SealClientSecret); every replica reads the
	// same one from the database. Without it, client_secret_jwt is refused.
	ClientSecretKey []byte

	secrets secretCache
}

// now is the server's clock in UTC; tests replace Now.
func (s *Server) now() time.Time { return s.Now().UTC() }

// ClientCredentials are what a caller presented to authenticate as a client
// (RFC 6749 §2.3.1), already taken from the header or the body by the web
// layer.
type ClientCredentials struct {
	ID     string
	Secret string
	// HasSecret distinguishes an empty secret from none.
	HasSecret bool
	// Method is how the credentials came: AuthSecretBasic (Authorization
	// header), AuthSecretPost (request body), AuthClientAssertion (a
	// client_assertion JWT, private_key_jwt or client_secret_jwt) or
	// AuthNone (an id only).
	Method string
	// Assertion is the client_assertion JWT of AuthClientAssertion.
	Assertion string
}

// AuthenticateClient checks client credentials (RFC 6749 §2.3). Public
// clients (RFC 6749 §2.1) present only their id; they are identified, not
// authenticated, and must prove possession another way (PKCE).
func (s *Server) AuthenticateClient(ctx context.Context, cr ClientCredentials) (Client, error) {
	if cr.ID == "" {
		return Client{}, ErrInvalidClient("client authentication is required")
	}
	c, err := s.Store.Client(ctx, cr.ID)
	if errors.Is(err, ErrNotFound) {
		return Client{}, ErrInvalidClient("unknown client or wrong secret")
	}
	if err != nil {
		return Client{}, err
	}
	if c.AssertionAuth() || cr.Method == AuthClientAssertion {
		// RFC 7591 §2: a private_key_jwt or client_secret_jwt client authenticates with an assertion only, and only it may.
		if !c.AssertionAuth() || cr.Method != AuthClientAssertion {
			return Client{}, ErrInvalidClient("this client authenticates with " + c.AuthMethod + " (its registered token_endpoint_auth_method)")
		}
		if err := s.verifyClientAssertion(ctx, c, cr.Assertion); err != nil {
			return Client{}, err
		}
		return c, nil
	}
	if c.Public() {
		if cr.HasSecret {
			return Client{}, ErrInvalidClient("this client is public and has no secret")
		}
		return c, nil
	}
	// RFC 7591 §2: token_endpoint_auth_method is the one method the client
	// registered. Holding a client to it means a secret meant for the
	// Authorization header is refused in a body, where proxies and logs are
	// likelier to keep it.
	if cr.HasSecret && cr.Method != c.AuthMethod {
		return Client{}, ErrInvalidClient("this client authenticates with " + c.AuthMethod + " (its registered token_endpoint_auth_method)")
	}
	if !cr.HasSecret || !s.secrets.verify(c, cr.Secret) {
		return Client{}, ErrInvalidClient("unknown client or wrong secret")
	}
	return c, nil
}

// secretCache remembers secrets that already passed bcrypt, keyed by a
// SHA-256 of client id and secret, so that a busy client does not pay
// ~50 ms of bcrypt on every token request. The stored hash is part of the
// entry: a changed secret invalidates it.
//
// Per process, and safe so with replicas: an entry only spares a bcrypt
// comparison that would succeed; the client row is read from the shared
// database on every request, so a secret changed or a client deleted on
// any replica takes effect everywhere at once. A replica without the entry
// pays bcrypt once.
//
// Concurrent first requests of one client with one secret share a single
// bcrypt comparison (singleflight): otherwise sixteen workers starting at
// once each pay for their own.
type secretCache struct {
	mu       sync.Mutex
	ok       map[[32]byte]string
	inFlight singleflight.Group
	compares atomic.Int64 // bcrypt comparisons made, for tests
}

func (sc *secretCache) verify(c Client, secret string) bool {
	key := sha256.Sum256([]byte(c.ID + "\x00" + secret))
	sc.mu.Lock()
	hash, hit := sc.ok[key]
	sc.mu.Unlock()
	if hit && hash == c.SecretHash {
		return true
	}
	// The flight is keyed by the stored hash too, so a comparison against
	// a secret that has just changed is never shared with one against the
	// new hash.
	matched, _, _ := sc.inFlight.Do(string(key[:])+c.SecretHash, func() (any, error) {
		sc.compares.Add(1)
		return bcrypt.CompareHashAndPassword([]byte(c.SecretHash), []byte(secret)) == nil, nil
	})
	if !matched.(bool) {
		return false
	}
	sc.mu.Lock()
	defer sc.mu.Unlock()
	if sc.ok == nil || len(sc.ok) > 10_000 {
		sc.ok = map[[32]byte]string{}
	}
	sc.ok[key] = c.SecretHash
	return true
}

// HashPassword hashes a user password or client secret with bcrypt.
func HashPassword(pw string) (string, error) {
	h, err := bcrypt.GenerateFromPassword([]byte(pw), bcrypt.DefaultCost)
	return string(h), err
}

// dummyHash is compared against when the username does not exist, so that
// a wrong username takes as long as a wrong password and does not reveal
// which usernames exist.
var dummyHash, _ = bcrypt.GenerateFromPassword([]byte("no such user"), bcrypt.DefaultCost)

// ErrBadLogin is returned for a wrong username or password, without saying
// which.
var ErrBadLogin = errors.New("wrong username or password")

// Login checks a resource owner's username and password.
func (s *Server) Login(ctx context.Context, username, password string) (User, error) {
	u, err := s.Store.UserByUsername(ctx, username)
	if errors.Is(err, ErrNotFound) {
		_ = bcrypt.CompareHashAndPassword(dummyHash, []byte(password))
		return User{}, ErrBadLogin
	}
	if err != nil {
		return User{}, err
	}
	if bcrypt.CompareHashAndPassword([]byte(u.PasswordHash), []byte(password)) != nil {
		return User{}, ErrBadLogin
	}
	return u, nil
}
