package oauth

import (
	"fmt"
	"net/http"
	"strings"
)

// Error codes of RFC 6750 §3.1.
const (
	CodeInvalidRequest    = "invalid_request"
	CodeInvalidToken      = "invalid_token"
	CodeInsufficientScope = "insufficient_scope"
)

// Error is a bearer token problem (RFC 6750 §3). Code is empty when the
// request carried no token at all: RFC 6750 §3.1 says the challenge then has
// no error code, only the realm.
type Error struct {
	Code        string
	Description string
	// Scope lists the scopes the request needs; set for insufficient_scope
	// (RFC 6750 §3: the "scope" attribute of the challenge).
	Scope []string
}

func (e *Error) Error() string {
	if e.Code == "" {
		return "no access token: " + e.Description
	}
	return e.Code + ": " + e.Description
}

// Status is the HTTP status RFC 6750 §3.1 names for the error code.
func (e *Error) Status() int {
	switch e.Code {
	case CodeInvalidRequest:
		return http.StatusBadRequest
	case CodeInsufficientScope:
		return http.StatusForbidden
	default: // invalid_token, or no token at all
		return http.StatusUnauthorized
	}
}

// ErrNoToken is a request without bearer credentials.
func ErrNoToken() *Error {
	return &Error{Description: "this endpoint needs an access token, sent in the Authorization header with the Bearer scheme"}
}

// ErrInvalidRequest is a malformed request (RFC 6750 §3.1 invalid_request).
func ErrInvalidRequest(format string, args ...any) *Error {
	return &Error{Code: CodeInvalidRequest, Description: fmt.Sprintf(format, args...)}
}

// ErrInvalidToken is an expired, revoked, malformed or otherwise unusable
// token (RFC 6750 §3.1 invalid_token).
func ErrInvalidToken(format string, args ...any) *Error {
	return &Error{Code: CodeInvalidToken, Description: fmt.Sprintf(format, args...)}
}

// ErrInsufficientScope is a valid token that lacks a scope the request needs
// (RFC 6750 §3.1 insufficient_scope). anyOf lists the scopes that would each
// be enough, preferred first. The challenge's scope attribute names only the
// first: RFC 6750 §3 reads a space-delimited list as scopes all required, and
// a client asking for that one scope will get through.
func ErrInsufficientScope(anyOf []string) *Error {
	desc := "the access token lacks the scope this request needs: " + anyOf[0]
	if len(anyOf) > 1 {
		desc = "the access token lacks a scope this request needs: one of " + strings.Join(anyOf, ", ")
	}
	return &Error{Code: CodeInsufficientScope, Description: desc, Scope: anyOf[:1]}
}

// Challenge is the value of the WWW-Authenticate header for err (RFC 6750
// §3). realm names the protected space; metadataURL is the URL of the
// protected resource metadata, announced per RFC 9728 §5.1 so that a client
// can discover which authorization server to ask for a token.
func Challenge(realm, metadataURL string, err *Error) string {
	var b strings.Builder
	b.WriteString("Bearer ")
	param(&b, "realm", realm)
	if err != nil && err.Code != "" {
		// RFC 6750 §3.1: no error code when the request lacked a token.
		param(&b, "error", err.Code)
		if err.Description != "" {
			param(&b, "error_description", err.Description)
		}
		if len(err.Scope) > 0 {
			param(&b, "scope", strings.Join(err.Scope, " "))
		}
	}
	param(&b, "resource_metadata", metadataURL)
	return b.String()
}

func param(b *strings.Builder, name, value string) {
	if b.Len() > len("Bearer ") {
		b.WriteString(", ")
	}
	b.WriteString(name)
	b.WriteString(`="`)
	b.WriteString(quotable(value))
	b.WriteByte('"')
}

// quotable keeps only the characters RFC 6750 §3 allows in the error,
// error_description and scope attributes (%x20-21 / %x23-5B / %x5D-7E):
// printable ASCII without the double quote and the backslash, so a value can
// never break out of its quoted string.
func quotable(s string) string {
	s = strings.ReplaceAll(s, "§", "section ")
	ok := true
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\\' {
			ok = false
			break
		}
	}
	if ok {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"':
			b.WriteByte('\'')
		case c < 0x20 || c > 0x7e || c == '\\':
			b.WriteByte(' ')
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}
