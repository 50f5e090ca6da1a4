// Package identity is the OpenID Connect side of the demo client, the
// relying party: it verifies the ID tokens that tell the client who the user
// is (OIDC Core §3.1.3.7) and the logout tokens that tell it a user signed
// out at the OpenID Provider (OIDC Back-Channel Logout §2.6).
//
// Signature, issuer, audience and expiry are checked by
// github.com/coreos/go-oidc; this package adds the checks that depend on the
// flow (nonce, at_hash, auth_time) and on the token's kind (typ), each with
// the spec section it enforces. It imports neither echo nor database/sql.
//
// An ID token is for the client: it says who signed in. An access token is
// for the resource API: it says what the bearer may do. The client never
// sends the ID token to the API, and the API refuses one (its typ is JWT,
// not at+jwt, and its audience is the client, not the API).
package identity
