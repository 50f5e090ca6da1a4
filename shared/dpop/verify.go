package dpop

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"time"
)

// Defaults of VerifierConfig.
const (
	// DefaultWindow is how far iat may be from the server's clock, either way.
	DefaultWindow = 60 * time.Second
	// DefaultMaxProofBytes is the size limit of a proof: an RSA-4096 proof
	// with every claim is about 2.5 KB.
	DefaultMaxProofBytes = 8 << 10
)

// VerifierConfig is the server's DPoP policy. The zero value is usable.
type VerifierConfig struct {
	// Algs is the allow-list of signature algorithms (nil means
	// DefaultAlgs); each must be in DefaultAlgs.
	Algs []string
	// Window is how far iat may be from now, either way (0 means
	// DefaultWindow).
	Window time.Duration
	// MaxProofBytes is the largest proof accepted (0 means
	// DefaultMaxProofBytes).
	MaxProofBytes int
	// Replay remembers accepted proofs (nil means a new
	// MemoryReplayCache, right for one replica only).
	Replay ReplayCache
	// Nonces, when set, makes every proof carry a nonce from it (RFC 9449
	// §8); a proof without one fails with CheckNonce and a fresh nonce.
	Nonces *NonceSource
	// Now is the clock (nil means time.Now).
	Now func() time.Time
}

// Verifier checks DPoP proofs against the requests that carry them. It is
// safe for concurrent use; make one per server and keep it.
type Verifier struct {
	parser *parser
	algs   []string
	window time.Duration
	replay ReplayCache
	nonces *NonceSource
	now    func() time.Time
}

// NewVerifier checks cfg and fills in its defaults.
func NewVerifier(cfg VerifierConfig) (*Verifier, error) {
	algs := cfg.Algs
	if algs == nil {
		algs = DefaultAlgs
	}
	if len(algs) == 0 {
		return nil, errors.New("dpop: no algorithm allowed")
	}
	for _, a := range algs {
		if !supportedAlg(a) {
			return nil, fmt.Errorf("dpop: algorithm %q is not supported (supported: %v)", a, DefaultAlgs)
		}
	}
	v := &Verifier{
		algs:   append([]string(nil), algs...),
		window: cfg.Window,
		replay: cfg.Replay,
		nonces: cfg.Nonces,
		now:    cfg.Now,
	}
	if v.window <= 0 {
		v.window = DefaultWindow
	}
	maxBytes := cfg.MaxProofBytes
	if maxBytes <= 0 {
		maxBytes = DefaultMaxProofBytes
	}
	if v.now == nil {
		v.now = time.Now
	}
	if v.replay == nil {
		v.replay = NewMemoryReplayCache(0, v.now)
	}
	v.parser = newParser(v.algs, maxBytes)
	return v, nil
}

// Algs is the verifier's allow-list, for the algs parameter of a
// WWW-Authenticate challenge and dpop_signing_alg_values_supported in
// metadata (RFC 9449 §5.1).
func (v *Verifier) Algs() []string { return append([]string(nil), v.algs...) }

// Challenge is Challenge(err, v.Algs()).
func (v *Verifier) Challenge(err error) string { return Challenge(err, v.algs) }

// VerifyRequest is the request a proof came with.
type VerifyRequest struct {
	// Proofs is every DPoP header value: r.Header.Values("DPoP").
	Proofs []string
	// Method is the request method: r.Method.
	Method string
	// URL is the absolute URI the client used, as this server is known
	// from outside (its configured public base URL plus r.URL.Path);
	// query and fragment are ignored.
	URL string
	// AccessToken, when not empty, is the DPoP access token the request
	// carries; the proof's ath must be its hash (RFC 9449 §4.3, §7).
	AccessToken string
	// ExpectedJKT, when not empty, is the thumbprint the proof key must
	// have: the access token's cnf.jkt, the code's dpop_jkt (§10), or the
	// refresh token's binding (§5).
	ExpectedJKT string
}

// Verify runs every RFC 9449 §4.3 check of the one proof in r and returns
// it. A failed check is an *Error; any other error is a server fault (the
// replay cache failed, r.URL is malformed) and the proof must be refused
// with a 500.
func (v *Verifier) Verify(ctx context.Context, r VerifyRequest) (Proof, error) {
	// RFC 9449 §4.3: there is exactly one DPoP header field, so a proxy or attacker cannot slip in a second proof.
	if len(r.Proofs) != 1 {
		if len(r.Proofs) == 0 {
			return Proof{}, fail(CheckHeaderCount, "the request has no DPoP header")
		}
		return Proof{}, fail(CheckHeaderCount, "the request has more than one DPoP header")
	}
	p, err := v.parser.parse(r.Proofs[0])
	if err != nil {
		return Proof{}, err
	}

	// RFC 9449 §4.3: htm is the method of this request, so a proof for a GET cannot authorise a DELETE.
	if p.Claims.HTM != r.Method {
		return Proof{}, fail(CheckHTM, "the DPoP proof htm does not match the request method")
	}
	want, err := NormalizeHTU(r.URL)
	if err != nil {
		return Proof{}, fmt.Errorf("dpop: the server's request URL %q: %w", r.URL, err)
	}
	// RFC 9449 §4.3: htu is the URI of this request without query and fragment, normalised on both sides (RFC 3986 §6.2.2, §6.2.3), so a proof is good for one endpoint only.
	if got, err := NormalizeHTU(p.Claims.HTU); err != nil || got != want {
		return Proof{}, fail(CheckHTU, "the DPoP proof htu does not match the request URI")
	}
	// RFC 9449 §4.3: if the server gave out a nonce, the proof carries a current one (RFC 9449 §8), which proves it was made after the nonce.
	if v.nonces != nil && (p.Claims.Nonce == "" || !v.nonces.Valid(p.Claims.Nonce)) {
		e := fail(CheckNonce, "the authorization server requires a DPoP nonce")
		if p.Claims.Nonce != "" {
			e.Description = "the DPoP nonce is stale or unknown"
		}
		e.Nonce = v.nonces.Nonce()
		return Proof{}, e
	}
	now := v.now()
	issued := p.Claims.IssuedAt()
	// RFC 9449 §4.3: the proof was created within an acceptable window (RFC 9449 §11.1), which bounds how long its jti must be remembered.
	if issued.Before(now.Add(-v.window)) {
		return Proof{}, fail(CheckIAT, "the DPoP proof iat is too old")
	}
	// RFC 9449 §4.3: a proof from the future is refused too, or a thief holding a pre-made proof could use it later.
	if issued.After(now.Add(v.window)) {
		return Proof{}, fail(CheckIAT, "the DPoP proof iat is in the future")
	}
	// RFC 9449 §4.3: with an access token, ath is its hash, so the proof is for this token and no other.
	if r.AccessToken != "" && subtle.ConstantTimeCompare([]byte(p.Claims.ATH), []byte(AccessTokenHash(r.AccessToken))) != 1 {
		return Proof{}, fail(CheckATH, "the DPoP proof ath does not match the access token")
	}
	// RFC 9449 §4.3: the key the token (or code) is bound to is the key that signed the proof; this is what a thief without the private key fails.
	if r.ExpectedJKT != "" && subtle.ConstantTimeCompare([]byte(p.Thumbprint), []byte(r.ExpectedJKT)) != 1 {
		return Proof{}, fail(CheckJKT, "the DPoP proof key is not the key the token is bound to")
	}
	// RFC 9449 §11.1: each proof is accepted once; remembering its jti until it leaves the iat window is enough. Last, so a refused proof does not burn its jti.
	seen, err := v.replay.Seen(ctx, replayKey(p), issued.Add(v.window))
	if err != nil {
		// RFC 9449 §11.1: without an answer from the replay cache the proof may be a replay: fail closed.
		return Proof{}, fmt.Errorf("dpop: replay cache: %w", err)
	}
	if seen {
		return Proof{}, fail(CheckReplay, "the DPoP proof was already used")
	}
	return p, nil
}

// replayKey names a proof in the replay cache: its key's thumbprint and its
// jti, hashed to a fixed size for stores. With the thumbprint in it, one
// client's jti can never block another's.
func replayKey(p Proof) string {
	h := sha256.New()
	h.Write([]byte(p.Thumbprint))
	h.Write([]byte{0})
	h.Write([]byte(p.Claims.JTI))
	var sum [sha256.Size]byte
	return base64.RawURLEncoding.EncodeToString(h.Sum(sum[:0]))
}

// AccessTokenHash is the ath of an access token: base64url of its SHA-256
// over the ASCII text (RFC 9449 §4.2).
func AccessTokenHash(accessToken string) string {
	sum := sha256.Sum256([]byte(accessToken))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}
