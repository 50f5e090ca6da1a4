package flow

// meaning is what an error code says, in plain words, and where it is defined.
type meaning struct {
	text string
	link Link
}

// authorizationErrors are the codes an authorization server may put in the
// redirect back (RFC 6749 §4.1.2.1).
var authorizationErrors = map[string]meaning{
	"invalid_request":           {"The authorization request was malformed: a parameter is missing, repeated or invalid.", RFC6749AuthError},
	"unauthorized_client":       {"This client is not allowed to use the authorization code grant.", RFC6749AuthError},
	"access_denied":             {"The resource owner (or the authorization server) said no: permission was not granted, so there is no code and no token.", RFC6749AuthError},
	"unsupported_response_type": {"The authorization server does not issue codes with this response_type.", RFC6749AuthError},
	"invalid_scope":             {"A requested scope is unknown, malformed, or not allowed for this client.", RFC6749AuthError},
	"server_error":              {"The authorization server hit an unexpected problem (it cannot answer 500 through a redirect, so it sends this code).", RFC6749AuthError},
	"temporarily_unavailable":   {"The authorization server is overloaded or under maintenance; try again later.", RFC6749AuthError},
}

// tokenErrors are the codes of a token endpoint's error response
// (RFC 6749 §5.2), also used by the revocation endpoint (RFC 7009 §2.2.1).
var tokenErrors = map[string]meaning{
	"invalid_request":        {"The token request was malformed: a parameter is missing, repeated or invalid.", RFC6749TokenError},
	"invalid_client":         {"Client authentication failed: unknown client, wrong secret, or an authentication method the server does not accept.", RFC6749TokenError},
	"invalid_grant":          {"The code or refresh token is invalid, expired, already used, revoked, or was issued to another client or redirect URI (or the PKCE verifier does not match).", RFC6749TokenError},
	"unauthorized_client":    {"This client may not use this grant type.", RFC6749TokenError},
	"unsupported_grant_type": {"The authorization server does not support this grant type.", RFC6749TokenError},
	"invalid_scope":          {"The requested scope is invalid, unknown, or exceeds what was granted.", RFC6749TokenError},
	"unsupported_token_type": {"The server cannot revoke this type of token.", RFC7009Response},
}

// resourceErrors are the codes a resource server puts in its
// WWW-Authenticate challenge (RFC 6750 §3.1).
var resourceErrors = map[string]meaning{
	"invalid_request":    {"The API request was malformed (for example, the token was sent in two places at once).", RFC6750Errors},
	"invalid_token":      {"The access token is expired, revoked, malformed, or not meant for this API. A new token is needed.", RFC6750Errors},
	"insufficient_scope": {"The access token is valid but lacks the scope this request needs. Reconnect and ask for that scope.", RFC6750Errors},
}

// Where an error came from, which decides which table explains it.
const (
	FromAuthorization = "authorization"
	FromToken         = "token"
	FromResource      = "resource"
)

// Explain returns an ErrorInfo for an error code received from the given
// endpoint (FromAuthorization, FromToken or FromResource).
func Explain(from, code, description string) *ErrorInfo {
	table := tokenErrors
	fallback := RFC6749TokenError
	switch from {
	case FromAuthorization:
		table, fallback = authorizationErrors, RFC6749AuthError
	case FromResource:
		table, fallback = resourceErrors, RFC6750Errors
	}
	m, ok := table[code]
	if !ok {
		m = meaning{"This error code is not one the specification defines; read its description.", fallback}
	}
	return &ErrorInfo{Code: code, Description: description, Meaning: m.text, Link: m.link}
}
