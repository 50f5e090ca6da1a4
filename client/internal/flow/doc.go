// Package flow is the protocol side of the demo client and the vocabulary of
// its flow inspector.
//
// It knows how an OAuth 2.0 Authorization Code flow looks from the client's
// seat: the parameters of the authorization request and what each one is for,
// the checks a redirect back must pass (state, RFC 6749 §10.12; iss, RFC 9207),
// what every error code means, and how to show a token or a wire message to a
// learner without leaking a secret. Every step it describes is a Step; a
// session's Steps are its timeline, and Layout turns them into a sequence
// diagram of the four parties.
//
// oidc.go adds the OpenID Connect steps (ID token, UserInfo, both logouts)
// and links to the OpenID specifications; Step.Protocol labels each step
// OAuth 2.0 or OpenID Connect.
//
// It imports neither echo nor database/sql: the web package records steps
// with it, the store package keeps them.
package flow
