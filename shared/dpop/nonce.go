package dpop

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"time"
)

// NonceSource makes and checks server nonces (RFC 9449 §8) without storing
// them: a nonce is the HMAC of the current time slot under a key, so every
// replica given the same key makes and accepts the same nonces. A nonce is
// accepted during its own slot and the next one, so a client always has at
// least one full slot to use it.
type NonceSource struct {
	key  []byte
	slot time.Duration
	now  func() time.Time
}

// NewNonceSource returns a source keyed with key (at least 32 random
// bytes, shared by replicas), with nonces valid for one to two slots (slot
// <= 0 means 5 minutes). now is the clock (nil means time.Now).
func NewNonceSource(key []byte, slot time.Duration, now func() time.Time) (*NonceSource, error) {
	if len(key) < 32 {
		return nil, errors.New("dpop: a nonce key needs at least 32 bytes")
	}
	if slot <= 0 {
		slot = 5 * time.Minute
	}
	if now == nil {
		now = time.Now
	}
	return &NonceSource{key: append([]byte(nil), key...), slot: slot, now: now}, nil
}

// Nonce is the nonce of the current slot, for the DPoP-Nonce header.
func (s *NonceSource) Nonce() string {
	return s.forSlot(s.currentSlot())
}

// Valid reports whether nonce is the current or the previous slot's.
func (s *NonceSource) Valid(nonce string) bool {
	current := s.currentSlot()
	// hmac.Equal compares in constant time, so timing says nothing of the value.
	return hmac.Equal([]byte(nonce), []byte(s.forSlot(current))) ||
		hmac.Equal([]byte(nonce), []byte(s.forSlot(current-1)))
}

func (s *NonceSource) currentSlot() int64 {
	return s.now().UnixNano() / int64(s.slot)
}

func (s *NonceSource) forSlot(slot int64) string {
	mac := hmac.New(sha256.New, s.key)
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], uint64(slot))
	mac.Write(b[:])
	// 128 bits of MAC are plenty for a value that lives minutes.
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil)[:16])
}
