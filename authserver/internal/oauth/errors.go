package oauth

import (
	"errors"
	"net/http"
	"strings"
)

// Error is an OAuth error response (RFC 6749 §4.1.2.1 and §5.2, RFC 7009
// §2.2.1, RFC 7591 §3.2.2). Protocol code returns it; the web package writes
// it: as JSON on the back channel, as a redirect or a page on /authorize.
type Error struct {
	// Code is the registered error code, e.g. "invalid_grant".
	Code string
	// Description is human-readable ASCII for the client developer
	// (error_description). It never contains a secret or a token.
	Description string
	// Status is the HTTP status for back-channel responses.
	Status int
}

func (e *Error) Error() string { return e.Code + ": " + e.Description }

// maxDescription bounds error_description: it is a hint for a developer,
// and it travels in a redirect URL.
const maxDescription = 300

// SafeDescription is Description as it may be sent in error_description:
// every writer (JSON body, redirect) uses it, so that no description,
// whatever it quotes, can break the rule. Characters outside the allowed
// set become '?', and "§" reads "section".
func (e *Error) SafeDescription() string {
	d := strings.ReplaceAll(e.Description, "§", "section ")
	d = strings.Map(func(r rune) rune {
		// RFC 6749 §5.2: error_description is limited to %x20-21 / %x23-5B / %x5D-7E.
		if r >= 0x20 && r <= 0x7e && r != '"' && r != '\\' {
			return r
		}
		return '?'
	}, d)
	if len(d) > maxDescription {
		d = d[:maxDescription-3] + "..."
	}
	return d
}

// knownParams are the request parameter names this server defines or
// reads. ParamName names only these in an error description.
var knownParams = map[string]bool{
	"client_id": true, "client_secret": true, "redirect_uri": true, "response_type": true, "scope": true,
	"state": true, "code_challenge": true, "code_challenge_method": true, "prompt": true, "grant_type": true,
	"code": true, "code_verifier": true, "refresh_token": true, "token": true, "token_type_hint": true,
	"nonce": true, "dpop_jkt": true, "response_mode": true, "login_hint": true, "max_age": true, "id_token_hint": true,
	"request_uri": true, "client_assertion": true, "client_assertion_type": true,
}

// ParamName is a request parameter's name as an error description may
// quote it: the name itself when it is one we know, otherwise "a
// parameter", so that an attacker-chosen name is never echoed back.
func ParamName(name string) string {
	if knownParams[name] {
		return name
	}
	return "a parameter"
}

// AsError reports whether err is (or wraps) an *Error and returns it.
func AsError(err error) (*Error, bool) {
	var oe *Error
	ok := errors.As(err, &oe)
	return oe, ok
}

func newError(code string, status int, desc string) *Error {
	return &Error{Code: code, Description: desc, Status: status}
}

// RFC 6749 §5.2 (token endpoint) and §4.1.2.1 (authorization endpoint) codes.

// ErrInvalidRequest: a parameter is missing, repeated, malformed or unsupported.
func ErrInvalidRequest(desc string) *Error {
	return newError("invalid_request", http.StatusBadRequest, desc)
}

// ErrInvalidClient: client authentication failed (RFC 6749 §5.2). Always 401;
// the web layer adds WWW-Authenticate.
func ErrInvalidClient(desc string) *Error {
	return newError("invalid_client", http.StatusUnauthorized, desc)
}

// ErrInvalidGrant: the code or refresh token is invalid, expired, revoked,
// used, or bound to another client or redirect URI (RFC 6749 §5.2).
func ErrInvalidGrant(desc string) *Error {
	return newError("invalid_grant", http.StatusBadRequest, desc)
}

// ErrUnauthorizedClient: the client may not use this grant or response type.
func ErrUnauthorizedClient(desc string) *Error {
	return newError("unauthorized_client", http.StatusBadRequest, desc)
}

// ErrUnsupportedGrantType: the server does not know the grant_type.
func ErrUnsupportedGrantType(desc string) *Error {
	return newError("unsupported_grant_type", http.StatusBadRequest, desc)
}

// ErrUnsupportedResponseType: the server does not know the response_type.
func ErrUnsupportedResponseType(desc string) *Error {
	return newError("unsupported_response_type", http.StatusBadRequest, desc)
}

// ErrInvalidTarget: the resource is unknown, malformed or beyond what was
// granted (RFC 8707 §2).
func ErrInvalidTarget(desc string) *Error {
	return newError("invalid_target", http.StatusBadRequest, desc)
}

// ErrInvalidScope: the scope is unknown, malformed or beyond what is allowed.
func ErrInvalidScope(desc string) *Error {
	return newError("invalid_scope", http.StatusBadRequest, desc)
}

// ErrAccessDenied: the resource owner denied the request (RFC 6749 §4.1.2.1).
func ErrAccessDenied(desc string) *Error {
	return newError("access_denied", http.StatusForbidden, desc)
}

// ErrServer is the RFC 6749 §4.1.2.1 server_error, for redirects when the
// server failed; on the back channel a plain 500 is written instead.
func ErrServer(desc string) *Error {
	return newError("server_error", http.StatusInternalServerError, desc)
}

// ErrLoginRequired and ErrConsentRequired answer prompt=none (OpenID Connect
// Core §3.1.2.6, widely used with plain OAuth).
func ErrLoginRequired() *Error {
	return newError("login_required", http.StatusBadRequest, "the user is not signed in")
}

// ErrConsentRequired: prompt=none, but the user has not granted these scopes.
func ErrConsentRequired() *Error {
	return newError("consent_required", http.StatusBadRequest, "the user has not approved this client for these scopes")
}

// ErrInvalidRedirectURI is RFC 7591 §3.2.2 invalid_redirect_uri.
func ErrInvalidRedirectURI(desc string) *Error {
	return newError("invalid_redirect_uri", http.StatusBadRequest, desc)
}

// ErrInvalidClientMetadata is RFC 7591 §3.2.2 invalid_client_metadata.
func ErrInvalidClientMetadata(desc string) *Error {
	return newError("invalid_client_metadata", http.StatusBadRequest, desc)
}

// ErrInvalidToken is RFC 6750 §3.1 invalid_token: the initial access token
// of RFC 7591 §3 is missing or wrong.
func ErrInvalidToken(desc string) *Error {
	return newError("invalid_token", http.StatusUnauthorized, desc)
}

// ErrNotFound is returned by a Store when a row does not exist.
var ErrNotFound = errors.New("not found")

// ErrAlreadyUsed is returned by a Store when a single-use value (code,
// refresh token) was consumed by someone else first.
var ErrAlreadyUsed = errors.New("already used")
