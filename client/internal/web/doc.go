// Package web is the demo client's web app: echo handlers, one file per
// page, the templates of the pages, and the glue that records every step of
// the OAuth flow for the inspector.
//
// routes.go lists every route. The handlers call golang.org/x/oauth2 with a
// flow.Recorder as their HTTP client, so whatever travels on the back
// channel (token requests, refreshes, API calls, revocations) is shown to
// the learner exactly as it was sent, secrets masked.
//
// The OpenID Connect side (the app as a relying party) is in oidc.go (the
// callback's ID token and UserInfo checks), signout.go (RP-initiated
// logout) and backchannel.go (logout tokens from the provider); the token
// checks themselves are in package identity.
package web
