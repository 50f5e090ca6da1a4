// Package oauth is the resource server's side of OAuth 2.0: it takes the
// bearer token out of a request, decides whether the token is valid, and
// describes what is wrong when it is not.
//
// Two validators share one interface, Validator:
//
//   - JWTValidator checks a JWT access token (RFC 9068) locally, with the
//     authorization server's public keys fetched from its JWKS. No network
//     call per request; a revoked token keeps working until it expires.
//   - Introspector asks the authorization server about every token (RFC 7662).
//     A revoked token stops working within the short cache time; every new
//     token costs a network round trip.
//
// Errors are RFC 6750 §3 errors (Error), which the web package turns into a
// 401, 403 or 400 with a WWW-Authenticate challenge. The package imports
// neither echo nor database/sql.
package oauth
