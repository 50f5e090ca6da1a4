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
	// AddSigningKey stores a key: a new access-token key, or a new
	// ID-token key beside those of its algorithm (a rotation). The first
	// key of a database or of an algorithm goes through FirstKeyStore
	// where the store has it.
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
// database, and the first ID-token key of an algorithm, once, however many
// replicas start or sign users in at the same time.
type FirstKeyStore interface {
	KeyStore
	// EnsureSigningKey stores k as the newest access-token key, and reports
	// true, unless the newest published one already uses k.Alg (then it
	// reports false and a nil error); check and insert are atomic.
	EnsureSigningKey(ctx context.Context, k SigningKey) (bool, error)
	// EnsureIDTokenSigningKey stores k as an ID-token key, and reports
	// true, unless an ID-token key of k.Alg that is not retired exists
	// (then it reports false and a nil error); check and insert are atomic.
	EnsureIDTokenSigningKey(ctx context.Context, k SigningKey) (bool, error)
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
		if k.IDTokenKey() && k.Alg == DefaultIDTokenAlg && !k.Retired() {
			return nil
		}
	}
	k, err := GenerateKey(DefaultIDTokenAlg, now)
	if err != nil {
		return err
	}
	k.Purpose = PurposeIDToken
	_, err = addFirstIDTokenKey(ctx, ks, k)
	return err
}

// addFirstIDTokenKey stores k unless an ID-token key of its algorithm
// exists, and reports whether it did. Replicas starting or signing users
// in at once on a new algorithm make one key, not one each: the store's
// EnsureIDTokenSigningKey checks and inserts atomically. A store without
// it (a test's) only has this process to race with, which Keys.creating
// serialises.
func addFirstIDTokenKey(ctx context.Context, ks KeyStore, k SigningKey) (bool, error) {
	if once, ok := ks.(FirstKeyStore); ok {
		return once.EnsureIDTokenSigningKey(ctx, k)
	}
	return true, ks.AddSigningKey(ctx, k)
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

// byAlg returns the keys of alg, in their order.
func byAlg(keys []SigningKey, alg string) []SigningKey {
	var out []SigningKey
	for _, k := range keys {
		if k.Alg == alg {
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

// keyMargin is how much longer than the lifetime of what it signed a
// superseded key stays published: room for clocks that disagree a little
// and for verifiers that cached the JWKS.
const keyMargin = 5 * time.Minute

// idTokenRetireAfter is how long a superseded ID-token key stays published
// and accepted as the signer of an id_token_hint. It follows what the key
// signs, not the access token lifetime: ID tokens live IDTokenTTL (fixed,
// not configurable) and logout tokens shorter (LogoutTokenTTL), so once
// IDTokenTTL has passed since its successor started nothing it signed is
// valid; keyMargin covers skewed clocks and cached JWKS. Kept longer, a
// key would only give whoever stole it more time. An expired ID token it
// signed then stops being a logout hint: VerifyIDToken cannot check it, and
// /end_session refuses it on a page.
const idTokenRetireAfter = IDTokenTTL + keyMargin

// Keys is the server's view of its signing keys: for access tokens, and
// for ID tokens of each algorithm, it signs with the newest key that has
// started and publishes older ones until every token they signed has
// expired. It reads the store at most once per keyCacheTTL.
type Keys struct {
	store KeyStore
	// retireAfter is how long a superseded access-token key stays
	// published: the access token lifetime plus keyMargin.
	retireAfter time.Duration
	now         func() time.Time

	mu       sync.Mutex
	loadedAt time.Time
	keys     []SigningKey // access-token keys, latest Start first
	idKeys   []SigningKey // ID-token keys of every algorithm, latest Start first
	// creating serialises on-demand creation of ID-token keys.
	creating sync.Mutex
}

// NewKeys returns a key set that keeps superseded access-token keys
// published for accessTTL plus five minutes, and ID-token keys for the ID
// token lifetime plus five minutes.
func NewKeys(store KeyStore, accessTTL time.Duration, now func() time.Time) *Keys {
	return &Keys{store: store, retireAfter: accessTTL + keyMargin, now: now}
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

// published returns the keys of one line of succession (the access-token
// keys, or the ID-token keys of one algorithm; latest Start first) that
// belong in the JWKS, none of them retired: keys published ahead of
// signing, the signing key, and each older key until retireAfter has
// passed since the key that replaced it started signing (no token it
// signed can still be valid). When none signs yet, the keys that will.
func published(keys []SigningKey, now time.Time, retireAfter time.Duration) []SigningKey {
	active, err := activeIndex(keys, now)
	if err != nil {
		active = len(keys) - 1
	}
	var out []SigningKey
	for _, key := range keys[:active+1] {
		if !key.Retired() {
			out = append(out, key)
		}
	}
	if err != nil {
		return out
	}
	supersededAt := keys[active].Start()
	for _, key := range keys[active+1:] {
		if key.Retired() {
			continue
		}
		if now.Sub(supersededAt) < retireAfter {
			out = append(out, key)
		}
		supersededAt = key.Start()
	}
	return out
}

// idTokenKeys returns the ID-token keys, latest Start first.
func (k *Keys) idTokenKeys(ctx context.Context) ([]SigningKey, error) {
	if _, err := k.load(ctx); err != nil {
		return nil, err
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.idKeys, nil
}

// publishedIDTokenKeys returns the ID-token keys that belong in the JWKS,
// each algorithm's line of succession on its own.
func (k *Keys) publishedIDTokenKeys(ctx context.Context) ([]SigningKey, error) {
	keys, err := k.idTokenKeys(ctx)
	if err != nil {
		return nil, err
	}
	now := k.now()
	var out []SigningKey
	for _, alg := range Algs {
		// OIDC Core §10.1.1: the JWKS keeps decommissioned keys a while,
		// idTokenRetireAfter, so the ID tokens they signed still verify.
		out = append(out, published(byAlg(keys, alg), now, idTokenRetireAfter)...)
	}
	return out, nil
}

// ActiveIDTokenKey returns the key that signs ID tokens and logout tokens
// with alg now, and false when there is none yet; it never creates one.
func (k *Keys) ActiveIDTokenKey(ctx context.Context, alg string) (SigningKey, bool, error) {
	keys, err := k.idTokenKeys(ctx)
	if err != nil {
		return SigningKey{}, false, err
	}
	keys = byAlg(keys, alg)
	// OIDC Core §10.1.1: a new key is published ahead, signing only from its start,
	// so a relying party that cached the JWKS has it before its first ID token.
	i, err := activeIndex(keys, k.now())
	if err != nil {
		return SigningKey{}, false, nil
	}
	return keys[i], true, nil
}

// IDTokenKey returns the key that signs ID tokens with alg (the newest key
// of alg that is not retired and has started), creating the first one of
// alg on first use. Concurrent first uses, in this process or on other
// replicas, create one key (see addFirstIDTokenKey).
func (k *Keys) IDTokenKey(ctx context.Context, alg string) (SigningKey, error) {
	if key, ok, err := k.ActiveIDTokenKey(ctx, alg); ok || err != nil {
		return key, err
	}
	k.creating.Lock()
	defer k.creating.Unlock()
	k.expire()
	if key, ok, err := k.ActiveIDTokenKey(ctx, alg); ok || err != nil {
		return key, err
	}
	key, err := GenerateKey(alg, k.now())
	if err != nil {
		return SigningKey{}, err
	}
	key.Purpose = PurposeIDToken
	if _, err := addFirstIDTokenKey(ctx, k.store, key); err != nil {
		return SigningKey{}, err
	}
	k.expire()
	if key, ok, err := k.ActiveIDTokenKey(ctx, alg); ok || err != nil {
		return key, err
	}
	// Only keys published ahead: `keys rotate` makes the first key of an
	// algorithm sign at once, so this takes a race with it or a clock
	// that went back.
	return SigningKey{}, fmt.Errorf("no %s ID-token key signs yet; run `authserver keys rotate -purpose id_token -alg %s -publish-ahead 0`", alg, alg)
}

// expire makes the next load read the store.
func (k *Keys) expire() {
	k.mu.Lock()
	k.keys = nil
	k.mu.Unlock()
}

// Active returns the key that signs new access tokens: of the keys not
// retired, the one that started signing last.
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

// Published returns the keys whose public halves belong in the JWKS: the
// access-token keys and the ID-token keys of each algorithm, each line of
// succession as published describes it.
func (k *Keys) Published(ctx context.Context) ([]SigningKey, error) {
	keys, err := k.load(ctx)
	if err != nil {
		return nil, err
	}
	now := k.now()
	if _, err := activeIndex(keys, now); err != nil {
		return nil, err
	}
	out := published(keys, now, k.retireAfter)
	idKeys, err := k.publishedIDTokenKeys(ctx)
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

// LookupIDTokenKey finds a published ID-token key by its id: a retired
// key, or one superseded for longer than idTokenRetireAfter, is not found.
func (k *Keys) LookupIDTokenKey(ctx context.Context, kid string) (SigningKey, bool) {
	keys, err := k.publishedIDTokenKeys(ctx)
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
