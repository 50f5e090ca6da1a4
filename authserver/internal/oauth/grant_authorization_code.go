package oauth

import (
	"context"
	"errors"
)

// authorizationCodeGrant redeems the code /authorize issued (RFC 6749
// §4.1.3), checking PKCE (RFC 7636 §4.6).
type authorizationCodeGrant struct{}

func (authorizationCodeGrant) Name() string { return GrantAuthorizationCode }

// CheckClient: the grant needs somewhere to send the code.
func (authorizationCodeGrant) CheckClient(c Client) error {
	if len(c.RedirectURIs) == 0 {
		return ErrInvalidRedirectURI("redirect_uris is required for the authorization code grant")
	}
	return nil
}

// ResponseTypes: the authorization code grant is what response_type=code
// starts (RFC 6749 §4.1.1).
func (authorizationCodeGrant) ResponseTypes() []string { return []string{"code"} }

// Exchange redeems an authorization code (RFC 6749 §4.1.3).
func (authorizationCodeGrant) Exchange(ctx context.Context, s *Server, req TokenRequest) (TokenResponse, error) {
	if req.Code == "" {
		return TokenResponse{}, ErrInvalidRequest("code is missing")
	}
	code, err := s.Store.Code(ctx, HashSecret(req.Code))
	if errors.Is(err, ErrNotFound) {
		return TokenResponse{}, ErrInvalidGrant("the code is invalid")
	}
	if err != nil {
		return TokenResponse{}, err
	}
	// RFC 6749 §4.1.2: a code used twice is denied, and the tokens already
	// issued from it are revoked: someone other than the client has it.
	if !code.UsedAt.IsZero() {
		if err := s.revokeGrant(ctx, code.GrantID, code.ClientID, "authorization code used twice"); err != nil {
			return TokenResponse{}, err
		}
		return TokenResponse{}, ErrInvalidGrant("the code was already used; tokens issued from it are revoked")
	}
	// RFC 6749 §4.1.3: the code was issued to this client ...
	if code.ClientID != req.Client.ID {
		return TokenResponse{}, ErrInvalidGrant("the code was issued to another client")
	}
	// RFC 6749 §4.1.2: ... is short-lived ...
	if !s.now().Before(code.ExpiresAt) {
		return TokenResponse{}, ErrInvalidGrant("the code has expired")
	}
	// ... and redirect_uri is required, and identical, when the
	// authorization request included it.
	if code.RedirectGiven && (!req.RedirectGiven || req.RedirectURI != code.RedirectURI) {
		return TokenResponse{}, ErrInvalidGrant("redirect_uri does not match the authorization request")
	}
	if !code.RedirectGiven && req.RedirectGiven && req.RedirectURI != code.RedirectURI {
		return TokenResponse{}, ErrInvalidGrant("redirect_uri does not match the authorization request")
	}
	// RFC 7636 §4.6: the verifier must hash to the challenge. RFC 9700
	// §2.1.1: a verifier for a code issued without a challenge is a
	// downgrade attempt and is refused too.
	switch {
	case code.CodeChallenge != "" && req.CodeVerifier == "":
		return TokenResponse{}, ErrInvalidGrant("code_verifier is missing")
	case code.CodeChallenge == "" && req.CodeVerifier != "":
		return TokenResponse{}, ErrInvalidGrant("code_verifier given but the authorization request had no code_challenge")
	case code.CodeChallenge != "" && !ValidVerifier(req.CodeVerifier):
		return TokenResponse{}, ErrInvalidGrant("code_verifier must be 43 to 128 unreserved characters (RFC 7636 section 4.1)")
	case code.CodeChallenge != "" && !VerifyS256(req.CodeVerifier, code.CodeChallenge):
		return TokenResponse{}, ErrInvalidGrant("code_verifier does not match the code_challenge")
	}
	// The user may have revoked the app between the redirect and now.
	g, ok, err := s.activeGrant(ctx, code.GrantID)
	if err != nil || !ok {
		return TokenResponse{}, firstErr(err, ErrInvalidGrant("the authorization was revoked"))
	}
	if err := checkCodeDPoP(code, req); err != nil {
		return TokenResponse{}, err
	}
	if code.CodeChallenge == "" && (req.Client.Public() || !req.Client.PKCEOptional) {
		// Cannot happen (refused at /authorize), but a client that was not
		// exempted (and never a public one) gets no tokens without proof of
		// possession.
		return TokenResponse{}, ErrInvalidGrant("this client must use PKCE")
	}

	resources, accessScopes, err := s.narrowGrant(req.Resources, code.Resources, code.Scopes)
	if err != nil {
		return TokenResponse{}, err
	}
	issued, resp, err := s.issue(ctx, issuance{
		grantID: code.GrantID, client: req.Client, userID: code.UserID,
		accessScopes: accessScopes, refreshScopes: code.Scopes,
		resources:   grantResources{access: resources, refresh: code.Resources},
		withRefresh: true, idToken: &idTokenInfo{nonce: code.Nonce, auth: g.Auth}, jkt: req.DPoPJKT,
	})
	if err != nil {
		return TokenResponse{}, err
	}
	// Single use even under races: the store marks the code used only if
	// nobody did first, in the same transaction that stores the tokens.
	err = s.Store.RedeemCode(ctx, code.Hash, s.now(), issued)
	if errors.Is(err, ErrAlreadyUsed) {
		if err := s.revokeGrant(ctx, code.GrantID, code.ClientID, "authorization code used twice"); err != nil {
			return TokenResponse{}, err
		}
		return TokenResponse{}, ErrInvalidGrant("the code was already used; tokens issued from it are revoked")
	}
	if err != nil {
		return TokenResponse{}, err
	}
	return resp, nil
}
