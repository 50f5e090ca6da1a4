// Package web is the authorization server's HTTP layer, built on echo.
// routes.go lists every endpoint; each endpoint has its own file. Handlers
// turn requests into the plain values package oauth takes and write what
// it returns; errors.go turns its errors into RFC 6749 §5.2 responses.
//
// Pages (login, consent, account) are server-rendered from the embedded
// templates/, need no JavaScript, carry a CSRF token in every form and
// cannot be framed (clickjacking, RFC 6749 §10.13).
package web
