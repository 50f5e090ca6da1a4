// Package store keeps the client's server-side session state in SQLite:
// sessions, pending authorization attempts (state and PKCE verifier), the
// tokens of each session, and the steps of its flow inspector.
//
// Tokens never reach the browser: the browser holds only a random session id
// in the client_session cookie, and the database keys sessions by the SHA-256
// of that id, so a copy of the database does not give anyone a live session.
package store
