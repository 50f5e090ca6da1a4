package oauth

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"time"
)

// recordIDEncoding is base64 without padding over an alphabet in ASCII
// order (and URL-safe), so that sorting the text sorts the bytes.
var recordIDEncoding = base64.NewEncoding("-0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz").WithPadding(base64.NoPadding)

// NewRecordID returns the identifier of a new stored record that is not a
// credential (a grant's id, an access token's jti): 22 characters holding
// the time in milliseconds (48 bits) and then 80 random bits.
//
// Why the time first: each one is the key of a B-tree index, and a new
// key that sorts after all older ones lands on the last page of the index.
// The tokens issued together, which SQLite commits together (group
// commit), then change a few pages instead of one random page each, and a
// commit's cost is the pages it writes. PostgreSQL's indexes gain the same.
//
// Why this is safe: these ids are not secrets (a jti is in the token
// anyone holding it can read, next to its iat; a grant's id is never
// shown), and 80 random bits keep them unique (RFC 7519 §4.1.7) even for
// millions issued in one millisecond. Codes, refresh tokens and secrets
// stay wholly random (NewSecret).
func NewRecordID() string {
	var b [16]byte
	ms := uint64(time.Now().UnixMilli())
	binary.BigEndian.PutUint16(b[0:2], uint16(ms>>32))
	binary.BigEndian.PutUint32(b[2:6], uint32(ms))
	_, _ = rand.Read(b[6:]) // crypto/rand.Read never fails (Go 1.24+)
	return recordIDEncoding.EncodeToString(b[:])
}
