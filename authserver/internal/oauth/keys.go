package oauth

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"fmt"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Signing algorithms the server can sign access tokens with (RFC 7518 §3,
// RFC 8037 §3.1). The default is chosen by measurement: see the benchmark in
// keys_bench_test.go and the figures in README.md.
const (
	AlgES256 = "ES256"
	AlgEdDSA = "EdDSA"
	AlgRS256 = "RS256"
	AlgPS256 = "PS256"
)

// Algs lists every supported signing algorithm.
var Algs = []string{AlgES256, AlgEdDSA, AlgRS256, AlgPS256}

// Key purposes: a key signs access tokens, or ID tokens and logout tokens,
// never both, so that neither kind can pass for the other.
const (
	PurposeAccess  = "access"
	PurposeIDToken = "id_token"
)

// SigningKey is an asymmetric key pair that signs access tokens or ID
// tokens. Its public half is published in the JWKS under KID.
type SigningKey struct {
	KID       string
	Alg       string
	Private   crypto.Signer
	CreatedAt time.Time
	// SignsFrom is when the key starts signing; zero means at CreatedAt.
	// Until then it is only published, so that every verifier has fetched
	// it before the first token it signs arrives ("publish ahead").
	SignsFrom time.Time
	// RetiredAt, once set, takes the key out of the JWKS for good.
	RetiredAt time.Time
	// Purpose is PurposeAccess (the default when empty) or PurposeIDToken.
	Purpose string
}

// IDTokenKey reports whether the key signs ID tokens.
func (k SigningKey) IDTokenKey() bool { return k.Purpose == PurposeIDToken }

// Start is when the key starts (or started) signing.
func (k SigningKey) Start() time.Time {
	if k.SignsFrom.IsZero() {
		return k.CreatedAt
	}
	return k.SignsFrom
}

// Retired reports whether the key was retired.
func (k SigningKey) Retired() bool { return !k.RetiredAt.IsZero() }

// Method returns the golang-jwt signing method of the key's algorithm.
func (k SigningKey) Method() jwt.SigningMethod { return signingMethod(k.Alg) }

func signingMethod(alg string) jwt.SigningMethod {
	switch alg {
	case AlgES256:
		return jwt.SigningMethodES256
	case AlgEdDSA:
		return jwt.SigningMethodEdDSA
	case AlgRS256:
		return jwt.SigningMethodRS256
	case AlgPS256:
		return jwt.SigningMethodPS256
	}
	return nil
}

// GenerateKey creates a new key pair for alg with a random key id.
func GenerateKey(alg string, now time.Time) (SigningKey, error) {
	var priv crypto.Signer
	var err error
	switch alg {
	case AlgES256:
		priv, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	case AlgEdDSA:
		_, priv, err = ed25519.GenerateKey(rand.Reader)
	case AlgRS256, AlgPS256:
		priv, err = rsa.GenerateKey(rand.Reader, 2048)
	default:
		return SigningKey{}, fmt.Errorf("unsupported signing algorithm %q", alg)
	}
	if err != nil {
		return SigningKey{}, fmt.Errorf("generate %s key: %w", alg, err)
	}
	return SigningKey{KID: NewSecret()[:16], Alg: alg, Private: priv, CreatedAt: now.UTC()}, nil
}

// KeyStore persists signing keys.
type KeyStore interface {
	// SigningKeys returns every key, retired ones included, the latest
	// Start first.
	SigningKeys(ctx context.Context) ([]SigningKey, error)
	// AddSigningKey stores a key. For an ID-token key it does nothing
	// when one of that algorithm exists already (a concurrent request
	// created it first).
	AddSigningKey(ctx context.Context, k SigningKey) error
}

// EnsureKey makes sure the newest stored key uses alg, adding one when there
// is none or when the configured algorithm changed. Called at start.
func EnsureKey(ctx context.Context, ks KeyStore, alg string, now time.Time) error {
	keys, err := ks.SigningKeys(ctx)
	if err != nil {
		return err
	}
	keys = accessKeys(keys)
	for _, k := range keys {
		if !k.Retired() {
			if k.Alg == alg {
				return nil
			}
			break
		}
	}
	k, err := GenerateKey(alg, now)
	if err != nil {
		return err
	}
	if once, ok := ks.(FirstKeyStore); ok {
		// Replicas starting at once on a new database: one key, not one each.
		_, err := once.EnsureSigningKey(ctx, k)
		return err
	}
	return ks.AddSigningKey(ctx, k)
}

// FirstKeyStore is a KeyStore that can add the first access-token key of a
// database once, however many replicas start at the same time.
type FirstKeyStore interface {
	KeyStore
	// EnsureSigningKey stores k as the newest access-token key, and reports
	// true, unless the newest published one already uses k.Alg (then it
	// reports false and a nil error); check and insert are atomic.
	EnsureSigningKey(ctx context.Context, k SigningKey) (bool, error)
}

// DefaultIDTokenAlg signs ID tokens unless a client registered another
// algorithm. OIDC Discovery §3: RS256 must be supported.
const DefaultIDTokenAlg = AlgRS256

// EnsureIDTokenKey creates the default ID-token key if there is none, so
// that the first sign-in does not wait for an RSA key to be generated.
func EnsureIDTokenKey(ctx context.Context, ks KeyStore, now time.Time) error {
	keys, err := ks.SigningKeys(ctx)
	if err != nil {
		return err
	}
	for _, k := range keys {
		if k.IDTokenKey() && k.Alg == DefaultIDTokenAlg {
			return nil
		}
	}
	k, err := GenerateKey(DefaultIDTokenAlg, now)
	if err != nil {
		return err
	}
	k.Purpose = PurposeIDToken
	return ks.AddSigningKey(ctx, k)
}

func accessKeys(keys []SigningKey) []SigningKey {
	var out []SigningKey
	for _, k := range keys {
		if !k.IDTokenKey() {
			out = append(out, k)
		}
	}
	return out
}

// keyCacheTTL bounds how long a key added by `authserver keys rotate` (a
// separate process) goes unnoticed by the running server. The cache is per
// process, and safe so with replicas: the keys live in the shared database,
// each replica reloads them within keyCacheTTL, and a key is published
// ahead of signing (keys rotate -publish-ahead) for longer than that.
const keyCacheTTL = time.Second

// Keys is the server's view of its signing keys: it signs with the newest
// and publishes older ones until every token they signed has expired. It
// reads the store at most once per keyCacheTTL.
type Keys struct {
	store KeyStore
	// retireAfter is how long a superseded key stays published: the access
	// token lifetime plus a margin for clock skew and caches.
	retireAfter time.Duration
	now         func() time.Time

	mu       sync.Mutex
	loadedAt time.Time
	keys     []SigningKey // access-token keys, newest first
	idKeys   []SigningKey // ID-token keys, one per algorithm
	// creating serialises on-demand creation of ID-token keys.
	creating sync.Mutex
}

// NewKeys returns a key set that keeps superseded keys published for
// accessTTL plus five minutes.
func NewKeys(store KeyStore, accessTTL time.Duration, now func() time.Time) *Keys {
	return &Keys{store: store, retireAfter: accessTTL + 5*time.Minute, now: now}
}

func (k *Keys) load(ctx context.Context) ([]SigningKey, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	now := k.now()
	if k.keys != nil && now.Sub(k.loadedAt) < keyCacheTTL && !now.Before(k.loadedAt) {
		return k.keys, nil
	}
	all, err := k.store.SigningKeys(ctx)
	if err != nil {
		return nil, err
	}
	keys := accessKeys(all)
	if len(keys) == 0 {
		return nil, fmt.Errorf("no signing key: run the server once or `authserver keys rotate`")
	}
	k.idKeys = nil
	for _, key := range all {
		if key.IDTokenKey() {
			k.idKeys = append(k.idKeys, key)
		}
	}
	k.keys, k.loadedAt = keys, now
	return keys, nil
}

// activeIndex is the position of the signing key in keys (latest Start
// first): the first key that is not retired and has started signing.
func activeIndex(keys []SigningKey, now time.Time) (int, error) {
	for i, key := range keys {
		if !key.Retired() && !key.Start().After(now) {
			return i, nil
		}
	}
	return 0, fmt.Errorf("no signing key: every key is retired or not signing yet; run `authserver keys rotate -publish-ahead 0`")
}

// idTokenKeys returns the ID-token keys.
func (k *Keys) idTokenKeys(ctx context.Context) ([]SigningKey, error) {
	if _, err := k.load(ctx); err != nil {
		return nil, err
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.idKeys, nil
}

// IDTokenKey returns the key that signs ID tokens with alg, creating it on
// first use. Concurrent first uses create one key: the store keeps the
// first and ignores the others.
func (k *Keys) IDTokenKey(ctx context.Context, alg string) (SigningKey, error) {
	find := func() (SigningKey, bool, error) {
		keys, err := k.idTokenKeys(ctx)
		for _, key := range keys {
			if key.Alg == alg {
				return key, true, nil
			}
		}
		return SigningKey{}, false, err
	}
	if key, ok, err := find(); ok || err != nil {
		return key, err
	}
	k.creating.Lock()
	defer k.creating.Unlock()
	k.expire()
	if key, ok, err := find(); ok || err != nil {
		return key, err
	}
	key, err := GenerateKey(alg, k.now())
	if err != nil {
		return SigningKey{}, err
	}
	key.Purpose = PurposeIDToken
	if err := k.store.AddSigningKey(ctx, key); err != nil {
		return SigningKey{}, err
	}
	k.expire()
	if key, ok, err := find(); ok || err != nil {
		return key, err
	}
	return SigningKey{}, fmt.Errorf("the %s ID-token key was not stored", alg)
}

// expire makes the next load read the store.
func (k *Keys) expire() {
	k.mu.Lock()
	k.keys = nil
	k.mu.Unlock()
}

// Active returns the key that signs new tokens: of the keys not retired,
// the one that started signing last.
func (k *Keys) Active(ctx context.Context) (SigningKey, error) {
	keys, err := k.load(ctx)
	if err != nil {
		return SigningKey{}, err
	}
	i, err := activeIndex(keys, k.now())
	if err != nil {
		return SigningKey{}, err
	}
	return keys[i], nil
}

// Published returns the keys whose public halves belong in the JWKS, none
// of them retired: keys published ahead of signing, the signing key, and
// each older key until retireAfter has passed since the key that replaced
// it started signing (no token it signed can still be valid).
func (k *Keys) Published(ctx context.Context) ([]SigningKey, error) {
	keys, err := k.load(ctx)
	if err != nil {
		return nil, err
	}
	now := k.now()
	active, err := activeIndex(keys, now)
	if err != nil {
		return nil, err
	}
	var out []SigningKey
	for i, key := range keys[:active+1] {
		if !key.Retired() || i == active {
			out = append(out, key)
		}
	}
	supersededAt := keys[active].Start()
	for _, key := range keys[active+1:] {
		if key.Retired() {
			continue
		}
		if now.Sub(supersededAt) < k.retireAfter {
			out = append(out, key)
		}
		supersededAt = key.Start()
	}
	idKeys, err := k.idTokenKeys(ctx)
	if err != nil {
		return nil, err
	}
	return append(out, idKeys...), nil
}

// Lookup finds a published access-token key by its id.
func (k *Keys) Lookup(ctx context.Context, kid string) (SigningKey, bool) {
	keys, err := k.Published(ctx)
	if err != nil {
		return SigningKey{}, false
	}
	for _, key := range keys {
		if key.KID == kid && !key.IDTokenKey() {
			return key, true
		}
	}
	return SigningKey{}, false
}

// LookupIDTokenKey finds an ID-token key by its id.
func (k *Keys) LookupIDTokenKey(ctx context.Context, kid string) (SigningKey, bool) {
	keys, err := k.idTokenKeys(ctx)
	if err != nil {
		return SigningKey{}, false
	}
	for _, key := range keys {
		if key.KID == kid {
			return key, true
		}
	}
	return SigningKey{}, false
}
