// Package oauth is the authorization server's protocol: the checks that
// RFC 6749 (OAuth 2.0), RFC 7636 (PKCE), RFC 7009 (revocation), RFC 7662
// (introspection), RFC 7591 (registration), RFC 9068 (JWT access tokens) and
// RFC 9700 (security best current practice) ask of it, written once and
// independent of HTTP and of storage.
//
// Handlers in package web turn requests into the plain values this package
// takes, and its Error values into responses. Persistence sits behind the
// Store interface declared here and implemented by package store.
//
// Reading order for a learner: authorize.go (the front channel),
// token.go (the back channel, one function per grant), tokens.go (what an
// access token is), then revoke.go, introspect.go and register.go.
package oauth
