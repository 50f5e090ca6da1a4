// Package throttle limits failed attempts per key (a username, an address)
// within a time window. The login page uses it so that passwords cannot be
// guessed at speed (RFC 6819 §5.1.4.2.3 and §5.2.3.3 discuss online
// guessing).
//
// The counts live in memory: they reset when the server restarts, and each
// server instance counts on its own. That is enough for this project; a
// deployment with several instances would keep them in a shared store.
package throttle
