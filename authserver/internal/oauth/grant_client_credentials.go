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
	g := Grant{ID: NewRecordID(), ClientID: req.Client.ID, Scopes: granted, CreatedAt: s.now()}
	// RFC 6749 §4.4.3: a refresh token SHOULD NOT be included.
	issued, resp, err := s.issue(ctx, g.ID, req.Client, "", granted, nil, grantResources{access: resources}, false, nil, req.DPoPJKT)
	if err != nil {
		return TokenResponse{}, err
	}
	// The grant and its token in one write where the store can (one commit
	// per token on the single SQLite writer, see storeMachineGrant).
	if err := storeMachineGrant(ctx, s.Store, g, issued.Access); err != nil {
		return TokenResponse{}, err
	}
	return resp, nil
}
