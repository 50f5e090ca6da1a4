package oauth

import "context"

// clientCredentialsGrant issues tokens to a client acting for itself
// (RFC 6749 §4.4).
type clientCredentialsGrant struct{}

func (clientCredentialsGrant) Name() string { return GrantClientCredentials }

// CheckClient: only a client that can authenticate may act for itself.
func (clientCredentialsGrant) CheckClient(c Client) error {
	// RFC 6749 §4.4: the client credentials grant is for confidential clients only.
	if c.Public() {
		return ErrInvalidClientMetadata("client_credentials requires a confidential client")
	}
	return nil
}

func (clientCredentialsGrant) ResponseTypes() []string { return nil }

// Exchange issues a token to a client acting for itself
// (RFC 6749 §4.4).
func (clientCredentialsGrant) Exchange(ctx context.Context, s *Server, req TokenRequest) (TokenResponse, error) {
	// RFC 6749 §4.4: only confidential clients may use this grant.
	if req.Client.Public() {
		return TokenResponse{}, ErrUnauthorizedClient("public clients may not use client_credentials")
	}
	resources, err := s.checkResources(req.Resources)
	if err != nil {
		return TokenResponse{}, err
	}
	// User-data scopes are never granted without a user.
	granted, err := s.checkScope(req.Scope, req.ScopeGiven, req.Client, resources, false)
	if err != nil {
		return TokenResponse{}, err
	}
	// RFC 6749 §4.4.3: a refresh token SHOULD NOT be included.
	_, resp, err := s.issue(ctx, issuance{
		client: req.Client, machine: true, accessScopes: granted,
		resources: grantResources{access: resources}, withRefresh: false, jkt: req.DPoPJKT,
	})
	if err != nil {
		return TokenResponse{}, err
	}
	// Nothing is stored. A machine token has no user, no refresh token
	// and no grant to revoke as a family, so the signed JWT (RFC 9068)
	// holds everything introspection reports. Writing a row per token was
	// the largest cost left on the token endpoint: SQLite has one writer,
	// and every row is a durable commit. Revoking the token writes its
	// jti instead (RFC 7009 §2.1, see Revoke).
	return resp, nil
}
