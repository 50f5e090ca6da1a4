package oauth

import (
	"context"
	"errors"
	"net"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/oauthlab/oauthlab/shared/scopes"
)

// maxParamLen bounds every request parameter: nothing legitimate is longer,
// and a bound keeps hostile input out of the database and the pages.
const maxParamLen = 2048

// AuthorizeRequest is a checked authorization request (RFC 6749 §4.1.1,
// OIDC Core §3.1.2.1). /authorize checks it once and keeps it on the server
// as a pending request while the user signs in and answers the consent
// page; the browser holds only its random id. Later extensions (a pushed
// request's request_uri, a device grant's user code) belong here too.
type AuthorizeRequest struct {
	Client Client
	// RedirectURI is where the response goes; RedirectGiven says whether
	// the request named it (RFC 6749 §4.1.3 then requires it at /token).
	RedirectURI   string
	RedirectGiven bool
	// Verified is true once client_id and redirect_uri are known good: from
	// then on errors are sent to the client by redirect, before that they
	// are shown to the user (RFC 6749 §4.1.2.1).
	Verified     bool
	ResponseType string
	Scopes       []string
	// Resources are the identifiers of the protected resources the token
	// is for (RFC 8707 §2): the `resource` parameters, or the music API.
	Resources     []string
	State         string
	CodeChallenge string
	Prompt        []string

	// OpenID Connect (OIDC Core §3.1.2.1).
	Nonce string
	// MaxAge is the longest time since the user last signed in that the
	// client accepts; negative when there is no limit.
	MaxAge time.Duration
	// LoginHint pre-fills the username on the login page.
	LoginHint string
	// HintSubject is the `sub` of a valid id_token_hint, or empty.
	HintSubject string
	// SignedInAt is set when the user signed in during this request: that
	// sign-in satisfies prompt=login and max_age.
	SignedInAt time.Time

	// DPoPJKT is the dpop_jkt parameter (RFC 9449 §10): the thumbprint of
	// the key the code must be redeemed with, or empty.
	DPoPJKT string
}

// OpenID reports whether the request is an OpenID Connect authentication
// request (OIDC Core §3.1.2.1: the scope contains openid).
func (r AuthorizeRequest) OpenID() bool { return slices.Contains(r.Scopes, scopes.OpenID) }

// CheckAuthorize validates an authorization request in the order RFC 6749
// §4.1.2.1 requires: client and redirect URI first, then the rest. When the
// returned request is not Verified, an error must be shown on a page and
// never sent to the (unverified) redirect URI.
func (s *Server) CheckAuthorize(ctx context.Context, q url.Values) (AuthorizeRequest, error) {
	return s.checkAuthorize(ctx, q, false)
}

// checkAuthorize is CheckAuthorize; pushed is true for a request that came
// through /par (RFC 9126 §2.1), which a client may be required to use.
func (s *Server) checkAuthorize(ctx context.Context, q url.Values, pushed bool) (AuthorizeRequest, error) {
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
		if !slices.Contains(c.RedirectURIs, ru) && !loopbackPortMatch(c, ru) {
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
	// RFC 9126 §6: a client (or server) that requires PAR has its plain authorization requests refused.
	if !pushed && s.RequiresPAR(c) {
		return req, ErrInvalidRequest("this client must push its authorization request to the pushed_authorization_request_endpoint first")
	}

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
		// RFC 8707 §2: except resource, which may name several resources.
		if len(vals) > 1 && name != "resource" {
			return req, ErrInvalidRequest(ParamName(name) + " is repeated")
		}
		if len(vals[0]) > maxParamLen && name != "resource" {
			return req, ErrInvalidRequest(ParamName(name) + " is too long")
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

	if req.Resources, err = s.checkResources(q["resource"]); err != nil {
		return req, err
	}
	req.Scopes, err = s.checkScope(q.Get("scope"), q.Has("scope"), c, req.Resources, true)
	if err != nil {
		return req, err
	}

	// RFC 7636 §4.3 and §4.4.1: the challenge and its method.
	challenge, method := q.Get("code_challenge"), q.Get("code_challenge_method")
	switch {
	case challenge == "" && method != "":
		return req, ErrInvalidRequest("code_challenge_method without code_challenge")
	case challenge == "" && (c.Public() || !c.PKCEOptional):
		// RFC 9700 §2.1.1: PKCE for every client, confidential ones too, as OAuth 2.1 requires; only an operator's exemption skips it.
		return req, ErrInvalidRequest("code_challenge is required for every client (PKCE, RFC 7636)")
	case challenge != "" && method != PKCEMethodS256:
		// An absent method means "plain" (RFC 7636 §4.3), which is refused.
		return req, ErrInvalidRequest("code_challenge_method must be S256")
	case challenge != "" && !ValidS256Challenge(challenge):
		return req, ErrInvalidRequest("code_challenge must be 43 base64url characters")
	}
	req.CodeChallenge = challenge

	// prompt (OIDC Core §3.1.2.1, common in plain OAuth too): none, login
	// and consent are honoured; select_account is ignored (one account per
	// browser).
	req.Prompt = strings.Fields(q.Get("prompt"))
	if slices.Contains(req.Prompt, "none") && len(req.Prompt) > 1 {
		// OIDC Core §3.1.2.1: "none" must stand alone.
		return req, ErrInvalidRequest("prompt=none cannot be combined with other values")
	}
	if err := checkDPoPJKT(q, &req); err != nil {
		return req, err
	}
	return req, s.checkOpenIDParams(ctx, q, &req)
}

// checkOpenIDParams reads the OpenID Connect parameters of an
// authorization request (OIDC Core §3.1.2.1).
func (s *Server) checkOpenIDParams(ctx context.Context, q url.Values, req *AuthorizeRequest) error {
	req.Nonce = q.Get("nonce")
	req.LoginHint = strings.TrimSpace(q.Get("login_hint"))
	if len(req.LoginHint) > 100 {
		req.LoginHint = "" // only a hint: no username is that long
	}
	req.MaxAge = -1
	if raw := q.Get("max_age"); raw != "" {
		n, err := strconv.ParseInt(raw, 10, 32)
		// OIDC Core §3.1.2.1: max_age is a number of seconds, 0 or more.
		if err != nil || n < 0 {
			return ErrInvalidRequest("max_age must be a non-negative number of seconds")
		}
		req.MaxAge = time.Duration(n) * time.Second
	} else if req.Client.DefaultMaxAge > 0 {
		// OIDC Registration §2: default_max_age applies when the request
		// has no max_age.
		req.MaxAge = req.Client.DefaultMaxAge
	}
	if hint := q.Get("id_token_hint"); hint != "" {
		// OIDC Core §3.1.2.1: the hint is an ID token this server issued.
		// Anything else, an access token or an expired ID token included, is
		// refused (only logout takes expired hints).
		claims, err := s.VerifyIDToken(ctx, hint, false)
		if err != nil {
			return ErrInvalidRequest("id_token_hint is not an ID token issued by this server")
		}
		req.HintSubject = claims.Subject
	}
	return nil
}

// LoginNeeded reports whether the user must sign in (again) before the
// request can be answered. signedIn, userID and authTime describe the
// browser's current session.
func (s *Server) LoginNeeded(req AuthorizeRequest, signedIn bool, userID string, authTime time.Time) bool {
	switch {
	case !signedIn:
		return true
	case !req.SignedInAt.IsZero():
		// Signed in during this very request: prompt=login and max_age
		// are satisfied.
		return false
	case slices.Contains(req.Prompt, "login"):
		// OIDC Core §3.1.2.1: prompt=login asks for a fresh sign-in even
		// with a session.
		return true
	case req.MaxAge >= 0 && s.now().Sub(authTime) >= req.MaxAge:
		// OIDC Core §3.1.2.1: past max_age the user must authenticate again.
		return true
	case req.HintSubject != "" && req.HintSubject != userID:
		// OIDC Core §3.1.2.1: the hint names another user than the
		// session's; with prompt=none this becomes login_required.
		return true
	}
	return false
}

// checkScope parses and checks a requested scope (RFC 6749 §3.3) against
// what the client registered and the resources the token is for.
// userGrant is false for client_credentials, which never reaches a user's
// data.
func (s *Server) checkScope(raw string, given bool, c Client, resources []string, userGrant bool) ([]string, error) {
	reg := s.registry()
	var allowed []string
	for _, name := range c.Scopes {
		if sc, _, ok := reg.scope(name); ok && (userGrant || !sc.UserData) {
			allowed = append(allowed, name)
		}
	}
	if !given || strings.TrimSpace(raw) == "" {
		// RFC 6749 §3.3: with no scope, use a documented default: every
		// scope of the requested resources this client may ask for in this
		// grant. OIDC Core §3.1.2.1: openid is never implied; it must be
		// asked for.
		allowed = slices.DeleteFunc(s.scopesFor(allowed, resources), scopes.IsOpenIDConnect)
		if len(allowed) == 0 {
			return nil, ErrInvalidScope("this client has no scope it may be granted here")
		}
		return allowed, nil
	}
	requested := scopes.Parse(raw)
	for _, tok := range requested {
		if !scopes.ValidToken(tok) {
			return nil, ErrInvalidScope("scope contains characters RFC 6749 section 3.3 does not allow")
		}
		_, owner, known := reg.scope(tok)
		if !known {
			return nil, ErrInvalidScope("unknown scope: " + tok)
		}
		if !slices.Contains(allowed, tok) {
			return nil, ErrInvalidScope("this client may not be granted " + tok)
		}
		// RFC 8707 §2: the scope must be one of the requested resources', or the token could be used where it was not meant to be.
		if owner != "" && !slices.Contains(resources, owner) {
			return nil, ErrInvalidScope(tok + " is a scope of " + owner + ", which the request does not name as resource")
		}
	}
	return requested, nil
}

// ConsentNeeded reports whether the user must see the consent page: when
// asked to (prompt=consent), or when the scopes the user already granted
// this client do not cover the request.
func (s *Server) ConsentNeeded(ctx context.Context, req AuthorizeRequest, userID string) (bool, error) {
	if slices.Contains(req.Prompt, "consent") {
		// OIDC Core §3.1.2.1: prompt=consent always asks.
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
func (s *Server) Approve(ctx context.Context, req AuthorizeRequest, userID string, auth Authentication) (string, error) {
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
	return s.IssueCode(ctx, req, userID, auth)
}

// IssueCode creates a grant and its authorization code (RFC 6749 §4.1.2):
// random, single use, short-lived, bound to client, redirect URI, user,
// scopes and PKCE challenge. auth is the sign-in the ID tokens of the
// grant will name.
func (s *Server) IssueCode(ctx context.Context, req AuthorizeRequest, userID string, auth Authentication) (string, error) {
	now := s.Now().UTC()
	g := Grant{ID: NewRecordID(), UserID: userID, ClientID: req.Client.ID, Scopes: req.Scopes, CreatedAt: now, Auth: auth}
	code := NewSecret()
	err := s.Store.CreateGrant(ctx, g, &Code{
		Hash: HashSecret(code), GrantID: g.ID, ClientID: req.Client.ID, UserID: userID,
		Scopes: req.Scopes, Resources: req.Resources, RedirectURI: req.RedirectURI, RedirectGiven: req.RedirectGiven,
		CodeChallenge: req.CodeChallenge, Nonce: req.Nonce, DPoPJKT: req.DPoPJKT, ExpiresAt: now.Add(s.CodeTTL),
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
		"error": e.Code, "error_description": e.SafeDescription(), "state": req.State, "iss": s.Issuer,
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

// ErrorsWaitForSignIn reports whether errors found after the redirect URI
// was validated must wait until the user has signed in before they are
// sent to it. Anyone can register a client with any https redirect URI and
// then send deliberately bad requests: redirecting their errors at once
// would make this server an open redirector to the attacker's site.
// Operator-added clients and loopback IP redirect URIs (which only reach
// the user's own machine) keep immediate error redirects.
func (r AuthorizeRequest) ErrorsWaitForSignIn() bool {
	// RFC 9700 §4.11.2: only redirect errors of an unverified client to an authenticated user.
	return r.Client.Unverified() && !IsLoopbackIP(RedirectHost(r.RedirectURI))
}

// RedirectHost is the host name (without port) a redirect URI points to.
func RedirectHost(uri string) string {
	u, err := url.Parse(uri)
	if err != nil {
		return ""
	}
	return u.Hostname()
}

// IsLoopbackIP reports whether host is a loopback IP literal (127.0.0.1,
// ::1). The name "localhost" is not: RFC 8252 §8.3 notes it may resolve
// elsewhere.
func IsLoopbackIP(host string) bool {
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// loopbackPortMatch reports whether ru is one of a public client's
// registered loopback IP redirect URIs with only the port changed. A
// native app listens on whatever port the system gives it at the time, so
// it cannot register that port in advance.
func loopbackPortMatch(c Client, ru string) bool {
	// RFC 8252 §7.3: any port for a native app's loopback IP redirect; "localhost" and confidential clients match exactly.
	if !c.Public() {
		return false
	}
	want, ok := withoutLoopbackPort(ru)
	if !ok {
		return false
	}
	for _, reg := range c.RedirectURIs {
		// RFC 9700 §2.1: apart from the port, the match stays exact.
		if got, ok := withoutLoopbackPort(reg); ok && got == want {
			return true
		}
	}
	return false
}

// withoutLoopbackPort returns an http URI on a loopback IP literal
// (127.0.0.1 or [::1]) with its port removed, and false for any other URI.
func withoutLoopbackPort(raw string) (string, bool) {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "http" || u.User != nil || u.Fragment != "" || strings.Contains(raw, "#") {
		return "", false
	}
	host := u.Hostname()
	if !IsLoopbackIP(host) {
		return "", false
	}
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	u.Host = host
	return u.String(), true
}
