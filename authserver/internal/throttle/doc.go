// Package throttle slows down repeated failures. The sign-in page uses
// Backoff, growing delays per (username, address), per address and per
// username, so that passwords cannot be guessed at speed (RFC 6819
// §5.1.4.2.3 and §5.2.3.3 discuss online guessing) while nobody can lock
// another person out. Limiter, a fixed number per window, caps failed
// client authentications and registrations.
//
// The counts live in memory behind the Counter interface: they reset when
// the server restarts, and each server instance counts on its own. A
// deployment with several instances would give Backoff a Counter backed by
// a shared store.
package throttle
