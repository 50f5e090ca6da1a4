// Package store keeps the authorization server's state in SQLite: users,
// clients, consents, grants, codes, refresh tokens, access-token records,
// signing keys and sessions. It implements oauth.Store and oauth.KeyStore.
//
// SQLite runs in WAL mode with foreign keys on and a busy timeout. Writes go
// through a single connection, so they never contend for the database lock
// ("database is locked" cannot happen between our own writers), while reads
// use a pool and proceed in parallel. The schema lives in migrations/ and is
// applied at start.
package store
