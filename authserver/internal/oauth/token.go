package oauth

import (
	"context"
	"net/url"
	"slices"
	"strings"

	"github.com/oauthlab/oauthlab/shared/scopes"
)

// TokenRequest is a request to the token endpoint (RFC 6749 §3.2) from an
// already authenticated (or, if public, identified) client.
type TokenRequest struct {
	Client    Client
	GrantType string
	// authorization_code (RFC 6749 §4.1.3, RFC 7636 §4.5)
	Code          string
	RedirectURI   string
	RedirectGiven bool
	CodeVerifier  string
	// refresh_token (RFC 6749 §6)
	RefreshToken string
	// refresh_token and client_credentials
	Scope      string
	ScopeGiven bool
	// DPoPJKT is the thumbprint of the key of the request's checked DPoP
	// proof (RFC 9449 §5), or empty when the request has none.
	DPoPJKT string
	// Resources are the `resource` parameters (RFC 8707 §2), each grant.
	Resources []string
	// device_code (RFC 8628 §3.4)
	DeviceCode string
	// Params is the whole request body, for a grant with parameters of its
	// own (a later device_code grant reads device_code from it).
	Params url.Values
}

// TokenResponse is the successful response (RFC 6749 §5.1).
type TokenResponse struct {
	AccessToken  string `json:"access_token"`
	TokenType    string `json:"token_type"`
	ExpiresIn    int64  `json:"expires_in"`
	RefreshToken string `json:"refresh_token,omitempty"`
	Scope        string `json:"scope"`
	// IDToken is sent when openid was granted (OIDC Core §3.1.3.3).
	IDToken string `json:"id_token,omitempty"`
}

// Token runs the grant the request names, as listed in Grants.
func (s *Server) Token(ctx context.Context, req TokenRequest) (TokenResponse, error) {
	if req.GrantType == "" {
		return TokenResponse{}, ErrInvalidRequest("grant_type is missing")
	}
	grant, ok := LookupGrant(req.GrantType)
	if !ok {
		// RFC 6749 §5.2: unsupported_grant_type for a grant this server does not offer.
		return TokenResponse{}, ErrUnsupportedGrantType("grant_type must be one of: " + strings.Join(GrantNames(), ", "))
	}
	// RFC 6749 §5.2 unauthorized_client: the client did not register this grant.
	if !req.Client.AllowsGrant(req.GrantType) {
		return TokenResponse{}, ErrUnauthorizedClient("this client may not use the " + req.GrantType + " grant")
	}
	return grant.Exchange(ctx, s, req)
}

// issuance is what one token response is made of: whose it is, what each
// token carries, and which of the optional parts it has.
type issuance struct {
	// grantID is the grant the tokens belong to; empty for a machine token.
	grantID string
	client  Client
	userID  string // empty for a machine token
	// machine: client_credentials, a token for the client itself. Nothing
	// of it is stored (see clientCredentialsGrant), so it has no grant.
	machine bool
	// accessScopes go into the access token; refreshScopes stay with the
	// refresh token, which may be narrowed again on each refresh.
	accessScopes, refreshScopes []string
	resources                   grantResources
	withRefresh                 bool         // a refresh token, if the client may have one
	idToken                     *idTokenInfo // nil: no ID token
	jkt                         string       // DPoP key thumbprint: bind the tokens to it
}

// issue mints an access token, a refresh token if withRefresh, and an ID
// token when openid is among the access scopes and idToken is not nil. With
// a DPoP key (jkt not empty) the access token, and a public client's
// refresh token, are bound to it. It returns both the records to store and
// the response to send.
func (s *Server) issue(ctx context.Context, in issuance) (Issued, TokenResponse, error) {
	c := in.client
	at := s.newAccessToken(in.grantID, c.ID, in.userID, in.accessScopes)
	at.Machine = in.machine
	at.Resources = slices.Clone(in.resources.access)
	at.JKT = in.jkt
	signed, err := s.mintAccessToken(ctx, at)
	if err != nil {
		return Issued{}, TokenResponse{}, err
	}
	resp := TokenResponse{
		AccessToken: signed,
		TokenType:   accessTokenType(at),
		ExpiresIn:   int64(s.AccessTTL.Seconds()),
		Scope:       scopes.Join(in.accessScopes), // RFC 6749 §5.1: always say what was granted
	}
	issued := Issued{Access: at}
	if in.idToken != nil && in.userID != "" && wantsIDToken(in.accessScopes) {
		if resp.IDToken, err = s.mintIDToken(ctx, c, in.userID, *in.idToken, signed); err != nil {
			return Issued{}, TokenResponse{}, err
		}
	}
	withRefresh := in.withRefresh
	// OIDC Core §11: for an OpenID Connect grant, a refresh token only when
	// offline_access was granted. A plain OAuth grant keeps RFC 6749 §6.
	if wantsIDToken(in.refreshScopes) && !slices.Contains(in.refreshScopes, scopes.OfflineAccess) {
		withRefresh = false
	}
	if withRefresh && c.AllowsGrant(GrantRefreshToken) {
		raw := NewSecret()
		issued.Refresh = &RefreshToken{
			Hash: HashSecret(raw), GrantID: in.grantID, ClientID: c.ID, UserID: in.userID,
			Scopes: slices.Clone(in.refreshScopes), Resources: slices.Clone(in.resources.refresh), ExpiresAt: s.now().Add(s.RefreshTTL),
			JKT: refreshTokenJKT(c, in.jkt),
		}
		resp.RefreshToken = raw
	}
	return issued, resp, nil
}

// grantResources are the resources of one issue: the access token's
// audience, and what the refresh token keeps for later narrowing.
type grantResources struct{ access, refresh []string }

// narrowGrant picks the audience of one access token from the resources
// granted (RFC 8707 §2) and keeps the scopes that are for it.
func (s *Server) narrowGrant(asked, granted, grantedScopes []string) ([]string, []string, error) {
	resources, err := s.narrowResources(asked, granted)
	if err != nil {
		return nil, nil, err
	}
	accessScopes := s.scopesFor(grantedScopes, resources)
	if len(slices.DeleteFunc(slices.Clone(accessScopes), scopes.IsOpenIDConnect)) == 0 && len(asked) > 0 {
		// RFC 8707 §2: a token for that resource would carry no scope of it.
		return nil, nil, ErrInvalidTarget("no scope that was granted is for the requested resource")
	}
	return resources, accessScopes, nil
}

// firstErr returns err if it is not nil, otherwise fallback.
func firstErr(err error, fallback *Error) error {
	if err != nil {
		return err
	}
	return fallback
}

// revokeGrant revokes a grant because of a suspected attack and says so in
// the log (ids only: never a code or a token), so an operator can see it.
func (s *Server) revokeGrant(ctx context.Context, grantID, clientID, why string) error {
	if s.Logger != nil {
		s.Logger.WarnContext(ctx, "grant revoked: "+why, "grant_id", grantID, "client_id", clientID)
	}
	return s.Store.RevokeGrant(ctx, grantID, s.now())
}
