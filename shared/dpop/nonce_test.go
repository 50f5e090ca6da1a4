package dpop

import (
	"strings"
	"testing"
	"time"
)

func TestNonceSourceSharedKey(t *testing.T) {
	key := []byte(strings.Repeat("s", 32))
	clock := testNow
	now := func() time.Time { return clock }
	a, _ := NewNonceSource(key, time.Minute, now)
	b, _ := NewNonceSource(key, time.Minute, now)
	other, _ := NewNonceSource([]byte(strings.Repeat("o", 32)), time.Minute, now)
	n := a.Nonce()
	if !b.Valid(n) {
		t.Fatal("a replica with the same key refuses the nonce")
	}
	if other.Valid(n) {
		t.Fatal("a server with another key accepts the nonce")
	}
	clock = clock.Add(time.Minute)
	if !b.Valid(n) || b.Nonce() == n {
		t.Fatal("in the next slot the old nonce must stay valid and a new one be made")
	}
	clock = clock.Add(time.Minute)
	if b.Valid(n) {
		t.Fatal("a nonce two slots old is accepted")
	}
	if a.Valid("") {
		t.Fatal("empty nonce accepted")
	}
	if _, err := NewNonceSource([]byte("short"), 0, nil); err == nil {
		t.Fatal("short key accepted")
	}
}
