// Package oauthtest is a stand-in authorization server for tests: it signs
// access tokens the way RFC 9068 describes and serves its public keys as a
// JWK Set over httptest. With it, the forged-token tests can make tokens
// that no real authorization server would ever issue (alg none, wrong typ,
// tampered payloads); the integration tests use the real one.
package oauthtest
