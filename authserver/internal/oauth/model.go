package oauth

import (
	"slices"
	"time"
)

// Grant types (RFC 6749 §4.1.3, §6, §4.4).
const (
	GrantAuthorizationCode = "authorization_code"
	GrantRefreshToken      = "refresh_token"
	GrantClientCredentials = "client_credentials"
)

// Token endpoint authentication methods (RFC 7591 §2).
const (
	AuthSecretBasic = "client_secret_basic"
	AuthSecretPost  = "client_secret_post"
	AuthNone        = "none" // a public client: no secret, PKCE instead
)

// Client is a registered application.
type Client struct {
	ID string
	// SecretHash is the bcrypt hash of the client secret; empty for public
	// clients (RFC 6749 §2.1), which cannot keep a secret.
	SecretHash   string
	Name         string
	RedirectURIs []string
	GrantTypes   []string
	Scopes       []string
	// AuthMethod is the token_endpoint_auth_method the client registered.
	AuthMethod string
	// Source says where the client came from: SourceSeed, SourceCLI or
	// SourceRegistration.
	Source    string
	CreatedAt time.Time

	// PostLogoutRedirectURIs are where /end_session may send the browser
	// (OIDC RP-Initiated Logout §3.1), matched exactly.
	PostLogoutRedirectURIs []string
	// BackchannelLogoutURI receives logout tokens (OIDC Back-Channel Logout
	// §2.2). Only seeded and CLI-added clients have one.
	BackchannelLogoutURI string
	// IDTokenAlg is id_token_signed_response_alg (OIDC Registration §2);
	// empty means RS256.
	IDTokenAlg string
	// DefaultMaxAge applies when a request has no max_age (OIDC
	// Registration §2); zero means none.
	DefaultMaxAge time.Duration
	// RequireAuthTime is require_auth_time (OIDC Registration §2). Every ID
	// token here carries auth_time, so it changes nothing but is kept.
	RequireAuthTime bool

	// PKCEOptional exempts the client from PKCE, which OAuth 2.1 requires
	// of every client. Only the operator can set it (`clients add
	// -allow-no-pkce`), for an old confidential client that cannot send a
	// code_challenge.
	PKCEOptional bool
	// RequirePAR is require_pushed_authorization_requests (RFC 9126 §6):
	// /authorize accepts only a request_uri from /par for this client.
	RequirePAR bool
	// JWKS is the JSON JWK Set of public keys a private_key_jwt client
	// signs its assertions with (RFC 7591 §2 jwks); empty otherwise.
	JWKS string
	// SecretEnc is the client secret of a client_secret_jwt client,
	// encrypted with Server.ClientSecretKey (SealClientSecret): the HMAC
	// key of its assertions. Nil for every other client, whose secret
	// exists only as SecretHash.
	SecretEnc []byte
}

// AssertionAuth reports whether the client authenticates with a JWT
// client_assertion (RFC 7523 §2.2): private_key_jwt or client_secret_jwt.
func (c Client) AssertionAuth() bool {
	return c.AuthMethod == AuthPrivateKeyJWT || c.AuthMethod == AuthSecretJWT
}

// Where a client came from. Seeded and CLI-added clients were set up by
// the operator; registered ones by anyone who can reach POST /register, so
// nothing about them (name, redirect URI) has been checked by a person.
const (
	SourceSeed         = "seed"
	SourceCLI          = "cli"
	SourceRegistration = "registration"
)

// Unverified reports whether the client registered itself (RFC 7591): the
// pages say so, since its name may imitate another app's.
func (c Client) Unverified() bool { return c.Source == SourceRegistration }

// Public reports whether the client has no secret (RFC 6749 §2.1).
func (c Client) Public() bool { return c.AuthMethod == AuthNone }

// ResourceServer reports whether the client is a resource server: it
// registered no grant, so it never gets tokens, it only checks them at the
// introspection endpoint.
func (c Client) ResourceServer() bool { return len(c.GrantTypes) == 0 && !c.Public() }

// AllowsGrant reports whether the client registered the grant type.
func (c Client) AllowsGrant(grant string) bool { return slices.Contains(c.GrantTypes, grant) }

// User is a resource owner.
type User struct {
	// Subject is the stable identifier, the `sub` of the user's tokens.
	Subject      string
	Username     string
	PasswordHash string
	// DisplayName is the short name the pages show.
	DisplayName string
	// Name, Email and EmailVerified are standard claims (OIDC Core §5.1).
	Name          string
	Email         string
	EmailVerified bool
}

// Consent records which scopes a user granted a client, so that the
// consent screen is shown only when a request asks for more.
type Consent struct {
	UserID     string
	ClientID   string
	ClientName string // filled in when listing, for the account page
	Scopes     []string
	GrantedAt  time.Time
}

// Grant ties together everything one authorization produced: the code,
// the refresh-token family and every access token. Revoking the grant
// revokes all of them at once.
type Grant struct {
	ID        string
	UserID    string // empty for client_credentials
	ClientID  string
	Scopes    []string
	CreatedAt time.Time
	RevokedAt time.Time // zero while valid
	// Auth is the sign-in the grant came from; every ID token of the grant
	// carries its auth_time and sid (OIDC Core §12.2).
	Auth Authentication
}

// Authentication is one sign-in of a user at this server: the browser
// session's public id (the `sid` claim, never the cookie value) and when
// the user last entered a password (the `auth_time` claim).
type Authentication struct {
	SID      string
	AuthTime time.Time
}

// Code is an authorization code, stored by the SHA-256 of its value.
type Code struct {
	Hash     string
	GrantID  string
	ClientID string
	UserID   string
	Scopes   []string
	// Resources are the identifiers the authorization was for (RFC 8707).
	Resources []string
	// RedirectURI is the redirect URI the code was sent to; RedirectGiven
	// records whether the authorization request included it, in which case
	// RFC 6749 §4.1.3 requires the token request to repeat it.
	RedirectURI   string
	RedirectGiven bool
	// CodeChallenge is the PKCE S256 challenge (RFC 7636 §4.3), or empty.
	CodeChallenge string
	// Nonce goes into the ID token issued for this code (OIDC Core §3.1.2.1).
	Nonce string
	// DPoPJKT is the dpop_jkt of the authorization request (RFC 9449 §10):
	// the thumbprint of the key the token request's proof must be made
	// with, or empty.
	DPoPJKT   string
	ExpiresAt time.Time
	UsedAt    time.Time // zero until redeemed
}

// RefreshToken is stored by the SHA-256 of its value. Tokens of one grant
// form a family: each rotation marks the presented token used and adds a
// new one.
type RefreshToken struct {
	Hash     string
	GrantID  string
	ClientID string
	UserID   string
	Scopes   []string
	// Resources are the identifiers the grant was for (RFC 8707): a
	// refresh may narrow them for one access token.
	Resources []string
	ExpiresAt time.Time
	UsedAt    time.Time // zero until rotated
	// JKT is the thumbprint of the DPoP key a public client's refresh
	// token is bound to (RFC 9449 §5), or empty.
	JKT string
}

// AccessToken is the record kept of each issued JWT, by its `jti`, so that
// revocation and introspection can answer for it.
type AccessToken struct {
	JTI      string
	GrantID  string
	ClientID string
	UserID   string // empty for client_credentials
	Scopes   []string
	// Resources are the token's audience (RFC 8707); empty on records
	// from before resource indicators, meaning the default audience.
	Resources []string
	IssuedAt  time.Time
	ExpiresAt time.Time
	RevokedAt time.Time
	// JKT is the thumbprint of the DPoP key the token is bound to, its
	// cnf.jkt (RFC 9449 §6), or empty for a Bearer token.
	JKT string
	// Machine marks a client_credentials token, which has no grant and is
	// not stored: its signed claims are its record, and only a revocation
	// is written (MachineTokenStore).
	Machine bool
}

// Issued is what one successful token request stores: always an access
// token, and a refresh token unless the grant is client_credentials.
type Issued struct {
	Access  AccessToken
	Refresh *RefreshToken
}
