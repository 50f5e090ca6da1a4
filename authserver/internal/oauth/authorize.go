package oauth

import (
	"context"
	"errors"
	"net/url"
	"slices"
	"strings"

	"github.com/oauthlab/oauthlab/shared/scopes"
)

// maxParamLen bounds every request parameter: nothing legitimate is longer,
// and a bound keeps hostile input out of the database and the pages.
const maxParamLen = 2048

// AuthorizeRequest is a checked authorization request (RFC 6749 §4.1.1).
type AuthorizeRequest struct {
	Client Client
	// RedirectURI is where the response goes; RedirectGiven says whether
	// the request named it (RFC 6749 §4.1.3 then requires it at /token).
	RedirectURI   string
	RedirectGiven bool
	// Verified is true once client_id and redirect_uri are known good: from
	// then on errors are sent to the client by redirect, before that they
	// are shown to the user (RFC 6749 §4.1.2.1).
	Verified      bool
	ResponseType  string
	Scopes        []string
	State         string
	CodeChallenge string
	Prompt        []string
}

// Params returns the request as parameters, to carry it through the login
// and consent pages and check it again when the user answers.
func (r AuthorizeRequest) Params() url.Values {
	v := url.Values{}
	v.Set("client_id", r.Client.ID)
	if r.RedirectGiven {
		v.Set("redirect_uri", r.RedirectURI)
	}
	v.Set("response_type", r.ResponseType)
	v.Set("scope", scopes.Join(r.Scopes))
	if r.State != "" {
		v.Set("state", r.State)
	}
	if r.CodeChallenge != "" {
		v.Set("code_challenge", r.CodeChallenge)
		v.Set("code_challenge_method", PKCEMethodS256)
	}
	if slices.Contains(r.Prompt, "consent") {
		v.Set("prompt", "consent") // still ask after the user signs in
	}
	return v
}

// CheckAuthorize validates an authorization request in the order RFC 6749
// §4.1.2.1 requires: client and redirect URI first, then the rest. When the
// returned request is not Verified, an error must be shown on a page and
// never sent to the (unverified) redirect URI.
func (s *Server) CheckAuthorize(ctx context.Context, q url.Values) (AuthorizeRequest, error) {
	var req AuthorizeRequest

	// RFC 6749 §3.1: request parameters MUST NOT be included more than once.
	// A repeated client_id or redirect_uri cannot be trusted, so it is
	// reported on the page.
	for _, name := range []string{"client_id", "redirect_uri"} {
		if len(q[name]) > 1 {
			return req, ErrInvalidRequest(name + " is repeated")
		}
	}
	clientID := q.Get("client_id")
	if clientID == "" {
		return req, ErrInvalidRequest("client_id is missing")
	}
	if len(clientID) > maxParamLen {
		return req, ErrInvalidRequest("client_id is too long")
	}
	c, err := s.Store.Client(ctx, clientID)
	if errors.Is(err, ErrNotFound) {
		return req, ErrInvalidRequest("unknown client_id")
	}
	if err != nil {
		return req, err
	}
	req.Client = c

	// RFC 9700 §4.1.3: the redirect URI must match a
	// registered one exactly, as a string. It may be omitted only when the
	// client registered exactly one.
	if q.Has("redirect_uri") {
		ru := q.Get("redirect_uri")
		if !slices.Contains(c.RedirectURIs, ru) {
			return req, ErrInvalidRequest("redirect_uri is not registered for this client")
		}
		req.RedirectURI, req.RedirectGiven = ru, true
	} else {
		if len(c.RedirectURIs) != 1 {
			return req, ErrInvalidRequest("redirect_uri is missing")
		}
		req.RedirectURI = c.RedirectURIs[0]
	}
	req.Verified = true

	// From here on the state is echoed in every error redirect (RFC 6749
	// §4.1.2.1), so take it first.
	if len(q["state"]) > 1 {
		return req, ErrInvalidRequest("state is repeated")
	}
	if len(q.Get("state")) > maxParamLen {
		return req, ErrInvalidRequest("state is too long")
	}
	req.State = q.Get("state")
	for name, vals := range q {
		// RFC 6749 §3.1: no parameter may be repeated.
		if len(vals) > 1 {
			return req, ErrInvalidRequest(name + " is repeated")
		}
		if len(vals[0]) > maxParamLen {
			return req, ErrInvalidRequest(name + " is too long")
		}
	}

	// RFC 6749 §4.1.1: response_type is REQUIRED and must be "code".
	switch rt := q.Get("response_type"); {
	case rt == "":
		return req, ErrInvalidRequest("response_type is missing")
	case rt != "code":
		// RFC 9700 §2.1.2: the implicit grant ("token") is not offered.
		return req, ErrUnsupportedResponseType("only response_type=code is supported")
	}
	req.ResponseType = "code"

	// RFC 6749 §4.1.2.1 unauthorized_client: the client did not register
	// the authorization code grant.
	if !c.AllowsGrant(GrantAuthorizationCode) {
		return req, ErrUnauthorizedClient("this client may not use the authorization code grant")
	}

	req.Scopes, err = checkScope(q.Get("scope"), q.Has("scope"), c, true)
	if err != nil {
		return req, err
	}

	// RFC 7636 §4.3 and §4.4.1: the challenge and its method.
	challenge, method := q.Get("code_challenge"), q.Get("code_challenge_method")
	switch {
	case challenge == "" && method != "":
		return req, ErrInvalidRequest("code_challenge_method without code_challenge")
	case challenge == "" && c.Public():
		// RFC 7636 §4.4.1 and RFC 9700 §2.1.1: public clients MUST use PKCE.
		return req, ErrInvalidRequest("code_challenge is required for public clients (PKCE, RFC 7636)")
	case challenge != "" && method != PKCEMethodS256:
		// An absent method means "plain" (RFC 7636 §4.3), which is refused.
		return req, ErrInvalidRequest("code_challenge_method must be S256")
	case challenge != "" && !ValidS256Challenge(challenge):
		return req, ErrInvalidRequest("code_challenge must be 43 base64url characters")
	}
	req.CodeChallenge = challenge

	// prompt (OpenID Connect Core §3.1.2.1, common in plain OAuth): "none"
	// and "consent" are honoured; "login" and "select_account" are ignored.
	req.Prompt = strings.Fields(q.Get("prompt"))
	if slices.Contains(req.Prompt, "none") && len(req.Prompt) > 1 {
		// OpenID Connect Core §3.1.2.1: "none" must stand alone.
		return req, ErrInvalidRequest("prompt=none cannot be combined with other values")
	}
	return req, nil
}

// checkScope parses and checks a requested scope (RFC 6749 §3.3) against
// what the client registered. userGrant is false for client_credentials,
// which never reaches a user's data.
func checkScope(raw string, given bool, c Client, userGrant bool) ([]string, error) {
	var allowed []string
	for _, name := range c.Scopes {
		if sc, ok := scopes.Lookup(name); ok && (userGrant || !sc.UserData) {
			allowed = append(allowed, name)
		}
	}
	if !given || strings.TrimSpace(raw) == "" {
		// RFC 6749 §3.3: with no scope, use a documented default: every
		// scope this client may ask for in this grant.
		if len(allowed) == 0 {
			return nil, ErrInvalidScope("this client has no scope it may be granted here")
		}
		return allowed, nil
	}
	requested := scopes.Parse(raw)
	for _, tok := range requested {
		if !scopes.ValidToken(tok) {
			return nil, ErrInvalidScope("scope contains characters RFC 6749 §3.3 does not allow")
		}
		if _, known := scopes.Lookup(tok); !known {
			return nil, ErrInvalidScope("unknown scope: " + tok)
		}
		if !slices.Contains(allowed, tok) {
			return nil, ErrInvalidScope("this client may not be granted " + tok)
		}
	}
	return requested, nil
}

// ConsentNeeded reports whether the user must see the consent page: when
// asked to (prompt=consent), or when the scopes the user already granted
// this client do not cover the request.
func (s *Server) ConsentNeeded(ctx context.Context, req AuthorizeRequest, userID string) (bool, error) {
	if slices.Contains(req.Prompt, "consent") {
		return true, nil
	}
	c, err := s.Store.Consent(ctx, userID, req.Client.ID)
	if errors.Is(err, ErrNotFound) {
		return true, nil
	}
	if err != nil {
		return false, err
	}
	return !scopes.Covers(c.Scopes, req.Scopes), nil
}

// Approve records the user's consent (adding to what they granted before)
// and issues a code.
func (s *Server) Approve(ctx context.Context, req AuthorizeRequest, userID string) (string, error) {
	granted := req.Scopes
	if old, err := s.Store.Consent(ctx, userID, req.Client.ID); err == nil {
		granted = scopes.Parse(scopes.Join(old.Scopes) + " " + scopes.Join(req.Scopes))
	} else if !errors.Is(err, ErrNotFound) {
		return "", err
	}
	err := s.Store.SaveConsent(ctx, Consent{
		UserID: userID, ClientID: req.Client.ID, Scopes: granted, GrantedAt: s.Now().UTC(),
	})
	if err != nil {
		return "", err
	}
	return s.IssueCode(ctx, req, userID)
}

// IssueCode creates a grant and its authorization code (RFC 6749 §4.1.2):
// random, single use, short-lived, bound to client, redirect URI, user,
// scopes and PKCE challenge.
func (s *Server) IssueCode(ctx context.Context, req AuthorizeRequest, userID string) (string, error) {
	now := s.Now().UTC()
	g := Grant{ID: NewSecret()[:22], UserID: userID, ClientID: req.Client.ID, Scopes: req.Scopes, CreatedAt: now}
	code := NewSecret()
	err := s.Store.CreateGrant(ctx, g, &Code{
		Hash: HashSecret(code), GrantID: g.ID, ClientID: req.Client.ID, UserID: userID,
		Scopes: req.Scopes, RedirectURI: req.RedirectURI, RedirectGiven: req.RedirectGiven,
		CodeChallenge: req.CodeChallenge, ExpiresAt: now.Add(s.CodeTTL),
	})
	if err != nil {
		return "", err
	}
	return code, nil
}

// SuccessRedirect is the authorization response (RFC 6749 §4.1.2) with the
// issuer (RFC 9207 §2) so the client can tell which server answered.
func (s *Server) SuccessRedirect(req AuthorizeRequest, code string) string {
	return addQuery(req.RedirectURI, map[string]string{"code": code, "state": req.State, "iss": s.Issuer})
}

// ErrorRedirect is the error response (RFC 6749 §4.1.2.1, RFC 9207 §2).
func (s *Server) ErrorRedirect(req AuthorizeRequest, e *Error) string {
	return addQuery(req.RedirectURI, map[string]string{
		"error": e.Code, "error_description": e.Description, "state": req.State, "iss": s.Issuer,
	})
}

// addQuery adds parameters to a redirect URI, keeping any query it already
// has (RFC 6749 §3.1.2: the query component MUST be retained).
func addQuery(uri string, params map[string]string) string {
	u, err := url.Parse(uri)
	if err != nil {
		return uri // registered URIs are validated; cannot happen
	}
	q := u.Query()
	for k, v := range params {
		if v != "" {
			q.Set(k, v)
		}
	}
	u.RawQuery = q.Encode()
	return u.String()
}
