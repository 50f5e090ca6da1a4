package logging

import (
	"crypto/rand"
	"encoding/hex"
)

// randomID returns 16 random bytes in hex: unique enough to find one
// request's lines among millions.
func randomID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return hex.EncodeToString(b)
}
