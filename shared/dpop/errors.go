package dpop

import (
	"errors"
	"strings"
)

// The error codes RFC 9449 defines, and the one RFC 6750 lends it.
const (
	// CodeInvalidProof is RFC 9449 §5 and §7.1's invalid_dpop_proof: the
	// DPoP header is missing, malformed, or fails one of the §4.3 checks.
	CodeInvalidProof = "invalid_dpop_proof"
	// CodeUseNonce is RFC 9449 §8's use_dpop_nonce: the server wants a
	// nonce in the proof; the DPoP-Nonce response header carries a fresh one.
	CodeUseNonce = "use_dpop_nonce"
	// CodeInvalidToken is RFC 6750 §3.1's invalid_token, which a resource
	// server uses when the proof is fine but the token is bound to another
	// key (RFC 9449 §7.1, Figure 15).
	CodeInvalidToken = "invalid_token"
)

// Check names the RFC 9449 §4.3 check a proof failed, so that callers,
// logs and tests can tell the failures apart.
type Check string

// The checks, in the order Verify runs them.
const (
	CheckHeaderCount Check = "header_count" // not exactly one DPoP header value
	CheckSize        Check = "size"         // the proof is larger than the limit
	CheckSyntax      Check = "syntax"       // not three strict base64url parts of JSON objects
	CheckTyp         Check = "typ"          // typ is not dpop+jwt
	CheckCrit        Check = "crit"         // a crit header names extensions we do not understand
	CheckAlg         Check = "alg"          // alg is not an allowed asymmetric algorithm
	CheckJWK         Check = "jwk"          // jwk is missing, private, malformed, or does not fit alg
	CheckSignature   Check = "signature"    // the signature does not verify with jwk
	CheckClaims      Check = "claims"       // a required claim is missing or has the wrong type
	CheckHTM         Check = "htm"          // htm is not the request method
	CheckHTU         Check = "htu"          // htu is not the request URI
	CheckNonce       Check = "nonce"        // the server's nonce is missing or stale
	CheckIAT         Check = "iat"          // iat is outside the accepted window
	CheckATH         Check = "ath"          // ath is not the hash of the access token
	CheckJKT         Check = "jkt"          // the proof key is not the key the token or code is bound to
	CheckReplay      Check = "replay"       // the jti was already used
)

// Error is a proof that failed a check. Protocol code returns it; the HTTP
// layer turns it into a response with ASCode or RSCode (see doc.go).
// Verify returns other errors (a replay cache failure, a malformed request
// URL) for server faults, which callers must answer with a 500 and never
// treat as a passed check.
type Error struct {
	Check       Check  // which check failed
	Description string // safe to send as error_description
	// Nonce is set for CheckNonce: the fresh value to send in the DPoP-Nonce
	// response header (RFC 9449 §8).
	Nonce string
}

func (e *Error) Error() string {
	return "dpop: " + string(e.Check) + ": " + e.Description
}

// ASCode is the error code for an authorization server response (/token,
// /par), always sent with status 400 (RFC 9449 §5, §8).
func (e *Error) ASCode() string {
	if e.Check == CheckNonce {
		return CodeUseNonce
	}
	return CodeInvalidProof
}

// RSCode is the error code for a resource server response, always sent
// with status 401 and a WWW-Authenticate: DPoP challenge (RFC 9449 §7.1,
// §9).
func (e *Error) RSCode() string {
	switch e.Check {
	case CheckNonce:
		return CodeUseNonce
	case CheckJKT:
		// RFC 9449 §7.1: a token bound to another key is a token problem, not a proof problem.
		return CodeInvalidToken
	}
	return CodeInvalidProof
}

func fail(check Check, description string) *Error {
	return &Error{Check: check, Description: description}
}

// Challenge is the value of the WWW-Authenticate header a resource server
// sends with a 401 (RFC 9449 §7.1): err's code and description when err is
// an *Error, and always the algorithms it accepts, so a client can pick one.
// With err nil (no credentials at all) it carries no error code, as RFC 6750
// §3.1 asks.
func Challenge(err error, algs []string) string {
	var b strings.Builder
	b.WriteString("DPoP ")
	var e *Error
	if errors.As(err, &e) {
		b.WriteString(`error="` + e.RSCode() + `", error_description="` + quoteSafe(e.Description) + `", `)
	}
	b.WriteString(`algs="` + strings.Join(algs, " ") + `"`)
	return b.String()
}

// quoteSafe keeps a description inside its quoted-string: RFC 6750 §3
// allows only %x20-21 / %x23-5B / %x5D-7E there.
func quoteSafe(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r > 0x7e || r == '"' || r == '\\' {
			return '?'
		}
		return r
	}, s)
}
