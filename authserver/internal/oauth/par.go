package oauth

import (
	"context"
	"net/url"
	"strings"
	"time"
)

// Pushed authorization requests (RFC 9126): the client sends the
// authorization request's parameters to /par over the back channel,
// authenticated as at /token, and the browser carries only a short
// request_uri. The parameters never pass through the browser, where they
// could be read or changed.

// RequestURIPrefix begins every request_uri this server issues
// (RFC 9126 §2.2).
const RequestURIPrefix = "urn:ietf:params:oauth:request_uri:"

// PushedRequestTTL is how long a request_uri lives: long enough for one
// redirect, short enough that a leaked one is soon worthless (RFC 9126
// §2.2 suggests 5 to 600 seconds).
const PushedRequestTTL = 60 * time.Second

// ErrInvalidRequestURI is for a request_uri that is unknown, expired, used
// or another client's (RFC 9126 §4, RFC 9101 §7).
func ErrInvalidRequestURI(desc string) *Error {
	return newError("invalid_request_uri", 400, desc)
}

// RequiresPAR reports whether the client's authorization requests must
// come through /par: the server-wide switch or the client's
// require_pushed_authorization_requests (RFC 9126 §6).
func (s *Server) RequiresPAR(c Client) bool { return s.RequirePAR || c.RequirePAR }

// CheckPushedRequest checks the parameters a client pushed to /par as
// /authorize would check them (RFC 9126 §2.1), for the client that
// authenticated the push.
func (s *Server) CheckPushedRequest(ctx context.Context, client Client, form url.Values) (AuthorizeRequest, error) {
	// RFC 9126 §2.1: a pushed request must not itself name a request_uri.
	if form.Has("request_uri") {
		return AuthorizeRequest{}, ErrInvalidRequest("request_uri is not allowed in a pushed authorization request")
	}
	// RFC 9126 §2.1: the client_id, when sent, must be the authenticated client's.
	if form.Has("client_id") && form.Get("client_id") != client.ID {
		return AuthorizeRequest{}, ErrInvalidRequest("client_id differs from the authenticated client")
	}
	q := url.Values{}
	for name, vals := range form {
		// The client's credentials are not part of the authorization request.
		if name == "client_secret" || strings.HasPrefix(name, "client_assertion") {
			continue
		}
		q[name] = vals
	}
	q.Set("client_id", client.ID)
	req, err := s.checkAuthorize(ctx, q, true)
	if err != nil {
		return AuthorizeRequest{}, err
	}
	return req, nil
}

// PushedRequestID takes the random id out of a request_uri, or returns
// false for one this server did not issue.
func PushedRequestID(requestURI string) (string, bool) {
	id, ok := strings.CutPrefix(requestURI, RequestURIPrefix)
	if !ok || id == "" || len(id) > 100 {
		return "", false
	}
	return id, true
}
