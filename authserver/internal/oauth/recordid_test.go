package oauth

import (
	"bytes"
	"crypto/rand"
	"regexp"
	"testing"
	"time"
)

// An id made later sorts after one made earlier, as text: what keeps new
// rows at the end of their indexes.
func TestRecordIDsSortByTime(t *testing.T) {
	earlier := NewRecordID()
	time.Sleep(2 * time.Millisecond)
	later := NewRecordID()
	if !(earlier < later) {
		t.Fatalf("%q made first, %q after it: want the first to sort before", earlier, later)
	}
	urlSafe := regexp.MustCompile(`^[A-Za-z0-9_-]{22}$`)
	seen := map[string]bool{}
	for range 10000 {
		id := NewRecordID()
		if !urlSafe.MatchString(id) || seen[id] {
			t.Fatalf("%q: want 22 URL-safe characters, never the same twice", id)
		}
		seen[id] = true
	}
}

// The alphabet is in ASCII order, so the text order is the byte order.
func TestRecordIDEncodingKeepsByteOrder(t *testing.T) {
	for range 10000 {
		var a, b [16]byte
		_, _ = rand.Read(a[:])
		_, _ = rand.Read(b[:])
		textOrder := recordIDEncoding.EncodeToString(a[:]) < recordIDEncoding.EncodeToString(b[:])
		if byteOrder := bytes.Compare(a[:], b[:]) < 0; textOrder != byteOrder {
			t.Fatalf("%x and %x: text order %v, byte order %v", a, b, textOrder, byteOrder)
		}
	}
}
