package oauth

import "strings"

// Request is what a validator needs to know about an incoming request,
// without depending on any HTTP library.
type Request struct {
	// Authorization holds every value of the Authorization header.
	Authorization []string
	// TokenInQuery is true when the URL has an access_token parameter.
	TokenInQuery bool
	// TokenInForm is true when a form-encoded body has an access_token field.
	TokenInForm bool
}

// BearerToken returns the access token of a request.
//
// RFC 6750 §2.1: the token travels in the Authorization header with the
// "Bearer" scheme. The other two methods of RFC 6750 are refused: a token in
// the form body (§2.2) or the query string (§2.3) ends up in server logs,
// browser history and Referer headers, and §2.3 says it SHOULD NOT be used.
func BearerToken(r Request) (string, *Error) {
	// RFC 6750 §2.3 and §5.3: refuse a token in the URL, even next to a
	// header, rather than silently ignore it, so the mistake is seen early.
	if r.TokenInQuery {
		return "", ErrInvalidRequest("access tokens are not accepted in the query string (RFC 6750 §2.3); send them in the Authorization header")
	}
	if r.TokenInForm {
		return "", ErrInvalidRequest("access tokens are not accepted in the request body (RFC 6750 §2.2); send them in the Authorization header")
	}
	if len(r.Authorization) == 0 {
		return "", ErrNoToken()
	}
	// RFC 6750 §3.1: more than one credential is an invalid_request.
	if len(r.Authorization) > 1 {
		return "", ErrInvalidRequest("more than one Authorization header")
	}
	scheme, token, _ := strings.Cut(strings.TrimSpace(r.Authorization[0]), " ")
	// RFC 9110 §11.1: the authentication scheme is case-insensitive. A request
	// that authenticates with another scheme (Basic, say) has no bearer token:
	// answer with the challenge alone.
	if !strings.EqualFold(scheme, "Bearer") {
		return "", ErrNoToken()
	}
	token = strings.TrimLeft(token, " ")
	if token == "" {
		return "", ErrInvalidRequest("the Authorization header has the Bearer scheme but no token")
	}
	// RFC 6750 §2.1: b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
	if !isB64Token(token) {
		return "", ErrInvalidRequest("the bearer token has characters RFC 6750 §2.1 does not allow")
	}
	return token, nil
}

func isB64Token(s string) bool {
	i := 0
	for ; i < len(s); i++ {
		c := s[i]
		if ('A' <= c && c <= 'Z') || ('a' <= c && c <= 'z') || ('0' <= c && c <= '9') ||
			c == '-' || c == '.' || c == '_' || c == '~' || c == '+' || c == '/' {
			continue
		}
		break
	}
	if i == 0 {
		return false
	}
	for ; i < len(s); i++ {
		if s[i] != '=' {
			return false
		}
	}
	return true
}
