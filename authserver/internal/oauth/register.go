package oauth

import (
	"context"
	"encoding/json"
	"net"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/oauthlab/oauthlab/shared/scopes"
)

// ClientMetadata is the registration request (RFC 7591 §2). Fields this
// server does not use are accepted and ignored (RFC 7591 §2: "The
// authorization server MUST ignore any client metadata ... it does not
// understand").
// RFC 7591 §5: URLs such as logo_uri are dropped, never fetched (no SSRF); jwks_uri is refused.
type ClientMetadata struct {
	RedirectURIs            []string `json:"redirect_uris,omitempty"`
	TokenEndpointAuthMethod string   `json:"token_endpoint_auth_method,omitempty"`
	GrantTypes              []string `json:"grant_types,omitempty"`
	ResponseTypes           []string `json:"response_types,omitempty"`
	ClientName              string   `json:"client_name,omitempty"`
	Scope                   string   `json:"scope,omitempty"`

	// OIDC RP-Initiated Logout §3.1.
	PostLogoutRedirectURIs []string `json:"post_logout_redirect_uris,omitempty"`
	// OIDC Registration §2.
	IDTokenSignedResponseAlg string `json:"id_token_signed_response_alg,omitempty"`
	DefaultMaxAge            int64  `json:"default_max_age,omitempty"`
	RequireAuthTime          bool   `json:"require_auth_time,omitempty"`
	// RFC 9126 §6.
	RequirePushedAuthorizationRequests bool `json:"require_pushed_authorization_requests,omitempty"`
	// JWKS holds a private_key_jwt client's public keys (RFC 7591 §2);
	// JWKSURI is refused (see NewClient).
	JWKS    json.RawMessage `json:"jwks,omitempty"`
	JWKSURI string          `json:"jwks_uri,omitempty"`
	// BackchannelLogoutURI (OIDC Back-Channel Logout §2.2) is refused at
	// registration: see NewClient.
	BackchannelLogoutURI string `json:"backchannel_logout_uri,omitempty"`
}

// RegisteredClient is the registration response (RFC 7591 §3.2.1).
type RegisteredClient struct {
	ClientID              string `json:"client_id"`
	ClientSecret          string `json:"client_secret,omitempty"`
	ClientIDIssuedAt      int64  `json:"client_id_issued_at"`
	ClientSecretExpiresAt *int64 `json:"client_secret_expires_at,omitempty"`
	ClientMetadata
}

// Register validates client metadata and creates the client. The secret
// (for confidential clients) is returned once and stored only hashed.
func (s *Server) Register(ctx context.Context, m ClientMetadata) (RegisteredClient, error) {
	c, err := s.NewClient(m, "")
	if err != nil {
		return RegisteredClient{}, err
	}
	c.Source = SourceRegistration
	secret := ""
	if c.AuthMethod == AuthSecretBasic || c.AuthMethod == AuthSecretPost || c.AuthMethod == AuthSecretJWT {
		secret = NewSecret()
		if err := s.SetClientSecret(&c, secret); err != nil {
			return RegisteredClient{}, err
		}
	}
	if err := s.Store.CreateClient(ctx, c); err != nil {
		return RegisteredClient{}, err
	}
	out := RegisteredClient{ClientID: c.ID, ClientSecret: secret, ClientIDIssuedAt: c.CreatedAt.Unix()}
	if secret != "" {
		never := int64(0) // RFC 7591 §3.2.1: 0 means the secret does not expire
		out.ClientSecretExpiresAt = &never
	}
	out.RedirectURIs = c.RedirectURIs
	out.TokenEndpointAuthMethod = c.AuthMethod
	out.GrantTypes = c.GrantTypes
	if c.AllowsGrant(GrantAuthorizationCode) {
		out.ResponseTypes = []string{"code"}
	}
	out.ClientName = c.Name
	out.Scope = scopes.Join(c.Scopes)
	out.PostLogoutRedirectURIs = c.PostLogoutRedirectURIs
	out.IDTokenSignedResponseAlg = idTokenAlg(c)
	out.DefaultMaxAge = int64(c.DefaultMaxAge / time.Second)
	out.RequireAuthTime = c.RequireAuthTime
	out.RequirePushedAuthorizationRequests = c.RequirePAR
	if c.JWKS != "" {
		out.JWKS = json.RawMessage(c.JWKS)
	}
	return out, nil
}

// NewClient turns metadata into a client after the checks of RFC 7591 §2
// and RFC 9700 §2.1, applying the documented defaults. id may be empty for
// a random one. The secret hash is left for the caller.
func (s *Server) NewClient(m ClientMetadata, id string) (Client, error) {
	if id == "" {
		id = NewSecret()[:22]
	}
	c := Client{ID: id, Name: strings.TrimSpace(m.ClientName), AuthMethod: m.TokenEndpointAuthMethod, CreatedAt: s.now()}
	if len(c.Name) > 200 {
		return Client{}, ErrInvalidClientMetadata("client_name is too long")
	}
	if c.Name == "" {
		c.Name = id
	}
	// RFC 7591 §2: the default auth method is client_secret_basic.
	switch c.AuthMethod {
	case "":
		c.AuthMethod = AuthSecretBasic
	case AuthSecretBasic, AuthSecretPost, AuthNone, AuthPrivateKeyJWT, AuthSecretJWT:
	default:
		return Client{}, ErrInvalidClientMetadata("token_endpoint_auth_method must be client_secret_basic, client_secret_post, client_secret_jwt, private_key_jwt or none")
	}
	// RFC 7591 §5: jwks_uri would make the server fetch an address a registrant names (SSRF); send the keys as jwks.
	if m.JWKSURI != "" {
		return Client{}, ErrInvalidClientMetadata("jwks_uri is not accepted: register the public keys as jwks")
	}
	if c.AuthMethod == AuthPrivateKeyJWT {
		jwks, err := CheckClientJWKS(m.JWKS)
		if err != nil {
			return Client{}, err
		}
		c.JWKS = jwks
	} else if len(m.JWKS) > 0 {
		return Client{}, ErrInvalidClientMetadata("jwks is only for token_endpoint_auth_method private_key_jwt")
	}
	// RFC 7591 §2: the default grant is authorization_code.
	c.GrantTypes = slices.Compact(slices.Sorted(slices.Values(m.GrantTypes)))
	if len(c.GrantTypes) == 0 {
		c.GrantTypes = []string{GrantAuthorizationCode}
	}
	for _, name := range c.GrantTypes {
		if _, ok := LookupGrant(name); !ok {
			return Client{}, ErrInvalidClientMetadata("unsupported grant type: " + name)
		}
	}
	// RFC 7591 §2.1: response_types and grant_types must agree.
	rts := m.ResponseTypes
	if len(rts) == 0 && c.AllowsGrant(GrantAuthorizationCode) {
		rts = []string{"code"}
	}
	for _, rt := range rts {
		// RFC 9700 §2.1.2: only the response types of Grants; the implicit grant's "token" is not one.
		if !slices.Contains(ResponseTypes(), rt) {
			return Client{}, ErrInvalidClientMetadata("only response type code is supported")
		}
	}
	if slices.Contains(rts, "code") != c.AllowsGrant(GrantAuthorizationCode) {
		return Client{}, ErrInvalidClientMetadata("response_types code and grant type authorization_code go together")
	}

	for _, ru := range m.RedirectURIs {
		if err := checkRedirectURI(ru); err != nil {
			return Client{}, err
		}
	}
	c.RedirectURIs = slices.Compact(slices.Clone(m.RedirectURIs))
	// Each grant refuses metadata it cannot work with.
	for _, name := range c.GrantTypes {
		g, _ := LookupGrant(name)
		if err := g.CheckClient(c); err != nil {
			return Client{}, err
		}
	}

	// OIDC RP-Initiated Logout §3.1: post-logout redirect URIs are held to
	// the rules of redirect URIs, and matched exactly too.
	for _, ru := range m.PostLogoutRedirectURIs {
		if err := checkRedirectURI(ru); err != nil {
			return Client{}, ErrInvalidClientMetadata("post_logout_redirect_uris: " + err.(*Error).Description)
		}
	}
	c.PostLogoutRedirectURIs = slices.Compact(slices.Clone(m.PostLogoutRedirectURIs))
	// OIDC Back-Channel Logout §2.2: refused although defined, because for
	// a client anyone can register the server would POST to any address a
	// stranger names (server-side request forgery). Only the operator sets it.
	if m.BackchannelLogoutURI != "" {
		return Client{}, ErrInvalidClientMetadata("backchannel_logout_uri is not accepted at registration; ask the operator")
	}
	// OIDC Registration §2: id_token_signed_response_alg names a JWS
	// algorithm; "none" is never allowed here.
	if m.IDTokenSignedResponseAlg != "" && !slices.Contains(IDTokenAlgs, m.IDTokenSignedResponseAlg) {
		return Client{}, ErrInvalidClientMetadata("id_token_signed_response_alg must be one of RS256, EdDSA, ES256, PS256")
	}
	c.IDTokenAlg = m.IDTokenSignedResponseAlg
	// OIDC Registration §2: default_max_age is a number of seconds.
	if m.DefaultMaxAge < 0 || m.DefaultMaxAge > 1<<31 {
		return Client{}, ErrInvalidClientMetadata("default_max_age must be a non-negative number of seconds")
	}
	c.DefaultMaxAge = time.Duration(m.DefaultMaxAge) * time.Second
	c.RequireAuthTime = m.RequireAuthTime
	// A pushed request is an authorization request: it needs the code grant.
	if m.RequirePushedAuthorizationRequests && !c.AllowsGrant(GrantAuthorizationCode) {
		return Client{}, ErrInvalidClientMetadata("require_pushed_authorization_requests needs the authorization_code grant")
	}
	c.RequirePAR = m.RequirePushedAuthorizationRequests

	// Scopes: the requested ones, or by default every scope the grants
	// allow (user-data scopes only with authorization_code).
	userGrant := c.AllowsGrant(GrantAuthorizationCode) || c.AllowsGrant(GrantDeviceCode)
	if strings.TrimSpace(m.Scope) == "" {
		for _, name := range s.SupportedScopes() {
			sc, _ := s.LookupScope(name)
			if sc.UserData == userGrant || (!sc.UserData && c.AllowsGrant(GrantClientCredentials)) {
				c.Scopes = append(c.Scopes, sc.Name)
			}
		}
	} else {
		for _, tok := range scopes.Parse(m.Scope) {
			sc, ok := s.LookupScope(tok)
			if !ok {
				return Client{}, ErrInvalidClientMetadata("unknown scope: " + tok)
			}
			if sc.UserData && !userGrant {
				return Client{}, ErrInvalidClientMetadata(tok + " needs a user: register authorization_code or the device grant")
			}
			c.Scopes = append(c.Scopes, tok)
		}
	}
	return c, nil
}

// checkRedirectURI enforces RFC 6749 §3.1.2 (absolute, no fragment) and
// RFC 9700 §2.6 / §4.1 (https, except http on loopback for development and
// native apps per RFC 8252 §7.3).
func checkRedirectURI(raw string) error {
	if len(raw) > maxParamLen {
		return ErrInvalidRedirectURI("redirect URI is too long")
	}
	u, err := url.Parse(raw)
	if err != nil || !u.IsAbs() || u.Host == "" {
		return ErrInvalidRedirectURI("redirect URI must be absolute: " + raw)
	}
	if u.Fragment != "" || strings.Contains(raw, "#") {
		return ErrInvalidRedirectURI("redirect URI must not have a fragment (RFC 6749 section 3.1.2)")
	}
	if u.User != nil {
		return ErrInvalidRedirectURI("redirect URI must not contain user information")
	}
	switch u.Scheme {
	case "https":
		return nil
	case "http":
		if isLoopback(u.Hostname()) {
			return nil
		}
		return ErrInvalidRedirectURI("redirect URI must use https, except on localhost: " + raw)
	}
	return ErrInvalidRedirectURI("redirect URI must use http(s): " + raw)
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// CheckBackchannelLogoutURI checks a backchannel_logout_uri (OIDC
// Back-Channel Logout §2.2): absolute, no fragment, https except on
// loopback, like a redirect URI.
func CheckBackchannelLogoutURI(raw string) error {
	if err := checkRedirectURI(raw); err != nil {
		return ErrInvalidClientMetadata("backchannel_logout_uri: " + err.(*Error).Description)
	}
	return nil
}
