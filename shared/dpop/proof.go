package dpop

import (
	"crypto"
	"encoding/json"
	"math"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Proof is a DPoP proof JWT taken apart: what Verify returns after every
// check passed, and what Decode returns for display (the client's
// inspector).
type Proof struct {
	Raw        string           // the compact JWS as sent in the DPoP header
	Header     Header           // the JOSE header
	Claims     Claims           // the payload
	Thumbprint string           // RFC 7638 thumbprint of Header.JWK: the jkt to bind tokens to
	PublicKey  crypto.PublicKey // Header.JWK as a Go key
}

// Header is the JOSE header of a proof (RFC 9449 §4.2).
type Header struct {
	Typ string `json:"typ"` // always dpop+jwt
	Alg string `json:"alg"` // the signature algorithm
	JWK JWK    `json:"jwk"` // the public key the proof was signed with
}

// Claims is the payload of a proof (RFC 9449 §4.2).
type Claims struct {
	JTI   string `json:"jti"`             // unique id, for replay detection
	HTM   string `json:"htm"`             // the HTTP method of the request
	HTU   string `json:"htu"`             // the request URI without query and fragment
	IAT   int64  `json:"iat"`             // creation time, seconds since 1970 (fraction dropped)
	ATH   string `json:"ath,omitempty"`   // base64url SHA-256 of the access token, at resource servers
	Nonce string `json:"nonce,omitempty"` // the server's last DPoP-Nonce, when it asks for one
}

// IssuedAt is IAT as a time.
func (c Claims) IssuedAt() time.Time { return time.Unix(c.IAT, 0) }

// maxJTI bounds the jti the replay cache must remember.
const maxJTI = 256

// parsedHeader is a header that passed every header check, with its key
// ready for use; headerCache keeps these per header text.
type parsedHeader struct {
	header     Header
	key        crypto.PublicKey
	thumbprint string
}

// headerCache remembers checked headers by their base64url text. A client
// sends the same header (typ, alg, jwk) with every proof, so a hit skips the
// base64 and JSON decoding, the key parsing (for EC, a point check) and the
// thumbprint. Only the signature, which covers the payload, is checked anew.
type headerCache struct {
	mu      sync.RWMutex
	entries map[string]*parsedHeader
}

// headerCacheSize bounds the cache; when it is full it is emptied, which is
// cheap and keeps a flood of one-off keys from growing memory.
const headerCacheSize = 1024

func (c *headerCache) get(b64 string) *parsedHeader {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.entries[b64]
}

func (c *headerCache) put(b64 string, h *parsedHeader) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entries == nil || len(c.entries) >= headerCacheSize {
		c.entries = make(map[string]*parsedHeader, 64)
	}
	c.entries[b64] = h
}

// rawHeader is the header as sent; crit is decoded only to be refused.
type rawHeader struct {
	Typ  string          `json:"typ"`
	Alg  string          `json:"alg"`
	JWK  json.RawMessage `json:"jwk"`
	Crit json.RawMessage `json:"crit"`
}

// rawClaims is the payload as sent; iat is kept raw to accept RFC 7519 §2
// NumericDate fractions while refusing strings (which json.Number allows).
type rawClaims struct {
	JTI   string          `json:"jti"`
	HTM   string          `json:"htm"`
	HTU   string          `json:"htu"`
	IAT   json.RawMessage `json:"iat"`
	ATH   string          `json:"ath"`
	Nonce string          `json:"nonce"`
}

// parser holds the request-independent policy: the allowed algorithms,
// the size limit and the header cache.
type parser struct {
	algs     map[string]bool
	maxBytes int
	cache    headerCache
}

// parse runs the checks that depend on the proof alone: size, syntax,
// header, key and signature, and the presence of the required claims.
func (p *parser) parse(raw string) (Proof, error) {
	// RFC 9449 §4.3: a size limit keeps decoding cost bounded before any check (RFC 9449 §11.1 denial of service).
	if len(raw) > p.maxBytes {
		return Proof{}, fail(CheckSize, "the DPoP proof is too large")
	}
	// RFC 9449 §4.3: the header value is a single well-formed JWT, a JWS in compact form of exactly three parts (RFC 7515 §7.1).
	first := strings.IndexByte(raw, '.')
	last := strings.LastIndexByte(raw, '.')
	if first < 0 || first == last || strings.IndexByte(raw[first+1:last], '.') >= 0 {
		return Proof{}, fail(CheckSyntax, "the DPoP proof is not a JWS of three parts")
	}
	headerB64, payloadB64, sigB64 := raw[:first], raw[first+1:last], raw[last+1:]

	h := p.cache.get(headerB64)
	if h == nil {
		var err error
		if h, err = p.parseHeader(headerB64); err != nil {
			return Proof{}, err
		}
		p.cache.put(headerB64, h)
	}

	// RFC 9449 §4.3: the JWT is well-formed: every part strict base64url (RFC 7515 §2, no padding, no stray characters).
	sig, ok := decodeB64(sigB64)
	if !ok {
		return Proof{}, fail(CheckSyntax, "the DPoP proof signature is not base64url")
	}
	payload, ok := decodeB64(payloadB64)
	if !ok {
		return Proof{}, fail(CheckSyntax, "the DPoP proof payload is not base64url")
	}
	// RFC 9449 §4.3: the signature verifies with the public key in the jwk header.
	if !verifySignature(h.header.Alg, h.key, raw[:last], sig) {
		return Proof{}, fail(CheckSignature, "the DPoP proof signature does not verify with its jwk")
	}

	var rc rawClaims
	if err := json.Unmarshal(payload, &rc); err != nil || !isJSONObject(payload) {
		return Proof{}, fail(CheckSyntax, "the DPoP proof payload is not a JSON object of the expected types")
	}
	// RFC 9449 §4.3: all claims RFC 9449 §4.2 requires are present (jti, htm, htu, iat).
	if rc.JTI == "" || rc.HTM == "" || rc.HTU == "" || rc.IAT == nil || string(rc.IAT) == "null" {
		return Proof{}, fail(CheckClaims, "the DPoP proof lacks one of jti, htm, htu, iat")
	}
	// RFC 9449 §11.1: the jti is remembered for replay detection, so its size is bounded.
	if len(rc.JTI) > maxJTI {
		return Proof{}, fail(CheckClaims, "the DPoP proof jti is too long")
	}
	iat, ok := numericDate(rc.IAT)
	if !ok {
		return Proof{}, fail(CheckClaims, "the DPoP proof iat is not a NumericDate")
	}
	return Proof{
		Raw:    raw,
		Header: h.header,
		Claims: Claims{
			JTI: rc.JTI, HTM: rc.HTM, HTU: rc.HTU, IAT: iat, ATH: rc.ATH, Nonce: rc.Nonce,
		},
		Thumbprint: h.thumbprint,
		PublicKey:  h.key,
	}, nil
}

func (p *parser) parseHeader(headerB64 string) (*parsedHeader, error) {
	headerJSON, ok := decodeB64(headerB64)
	if !ok {
		return nil, fail(CheckSyntax, "the DPoP proof header is not base64url")
	}
	var rh rawHeader
	if err := json.Unmarshal(headerJSON, &rh); err != nil || !isJSONObject(headerJSON) {
		return nil, fail(CheckSyntax, "the DPoP proof header is not a JSON object of the expected types")
	}
	// RFC 9449 §4.3: typ is dpop+jwt, so no other kind of JWT (an ID token, an access token) passes as a proof.
	if rh.Typ != "dpop+jwt" {
		return nil, fail(CheckTyp, "the DPoP proof typ is not dpop+jwt")
	}
	// RFC 7515 §4.1.11: a crit header lists extensions the verifier must understand; we understand none.
	if rh.Crit != nil {
		return nil, fail(CheckCrit, "the DPoP proof has a crit header")
	}
	// RFC 9449 §4.3: alg is an asymmetric signature algorithm acceptable per local policy, never none or a MAC.
	if !p.algs[rh.Alg] {
		return nil, fail(CheckAlg, "the DPoP proof alg is not one of the accepted algorithms")
	}
	// RFC 9449 §4.2: the header carries the public key in jwk.
	if len(rh.JWK) == 0 || string(rh.JWK) == "null" {
		return nil, fail(CheckJWK, "the DPoP proof has no jwk header")
	}
	var hj headerJWK
	if err := json.Unmarshal(rh.JWK, &hj); err != nil {
		return nil, fail(CheckJWK, "the DPoP proof jwk is not a JSON object of the expected types")
	}
	// RFC 9449 §4.3: the jwk header does not contain a private key.
	if hj.hasPrivateMembers() {
		return nil, fail(CheckJWK, "the DPoP proof jwk contains a private key")
	}
	// RFC 7518 §3.1: each alg names one key type (and for EC one curve).
	if !keyFitsAlg(rh.Alg, hj.JWK) {
		return nil, fail(CheckJWK, "the DPoP proof jwk does not fit its alg")
	}
	key, err := hj.JWK.publicKey()
	if err != nil {
		return nil, fail(CheckJWK, "the DPoP proof jwk is malformed or of an unaccepted size")
	}
	thumbprint, err := Thumbprint(hj.JWK)
	if err != nil {
		return nil, fail(CheckJWK, "the DPoP proof jwk is malformed")
	}
	return &parsedHeader{
		header:     Header{Typ: rh.Typ, Alg: rh.Alg, JWK: hj.JWK},
		key:        key,
		thumbprint: thumbprint,
	}, nil
}

// isJSONObject reports whether b, which json.Unmarshal accepted into a
// struct, is an object and not null (which it accepts too).
func isJSONObject(b []byte) bool {
	for _, c := range b {
		switch c {
		case ' ', '\t', '\r', '\n':
			continue
		}
		return c == '{'
	}
	return false
}

// numericDate reads an RFC 7519 §2 NumericDate, dropping any fraction. A
// JSON string is refused: the claim is a number.
func numericDate(n json.RawMessage) (int64, bool) {
	if i, err := strconv.ParseInt(string(n), 10, 64); err == nil {
		return i, true
	}
	f, err := strconv.ParseFloat(string(n), 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || math.Abs(f) > 1<<53 {
		return 0, false
	}
	return int64(math.Floor(f)), true
}

// defaultParser backs Decode.
var defaultParser = newParser(DefaultAlgs, DefaultMaxProofBytes)

func newParser(algs []string, maxBytes int) *parser {
	p := &parser{algs: make(map[string]bool, len(algs)), maxBytes: maxBytes}
	for _, a := range algs {
		p.algs[a] = true
	}
	return p
}

// Decode checks a proof's form, header and signature, with the default
// algorithms, and returns it taken apart. It does NOT check the proof
// against any request (method, URI, time, replay): it is for showing a
// proof, never for accepting one; servers call Verifier.Verify.
func Decode(raw string) (Proof, error) {
	return defaultParser.parse(raw)
}
