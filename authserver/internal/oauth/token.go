package oauth

import (
	"context"
	"errors"
	"slices"

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

// Token runs the grant the request names.
func (s *Server) Token(ctx context.Context, req TokenRequest) (TokenResponse, error) {
	switch req.GrantType {
	case "":
		return TokenResponse{}, ErrInvalidRequest("grant_type is missing")
	case GrantAuthorizationCode, GrantRefreshToken, GrantClientCredentials:
	default:
		return TokenResponse{}, ErrUnsupportedGrantType("grant_type must be authorization_code, refresh_token or client_credentials")
	}
	// RFC 6749 §5.2 unauthorized_client: the client did not register this grant.
	if !req.Client.AllowsGrant(req.GrantType) {
		return TokenResponse{}, ErrUnauthorizedClient("this client may not use the " + req.GrantType + " grant")
	}
	switch req.GrantType {
	case GrantAuthorizationCode:
		return s.exchangeCode(ctx, req)
	case GrantRefreshToken:
		return s.refresh(ctx, req)
	default:
		return s.clientCredentials(ctx, req)
	}
}

// exchangeCode redeems an authorization code (RFC 6749 §4.1.3).
func (s *Server) exchangeCode(ctx context.Context, req TokenRequest) (TokenResponse, error) {
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
	if code.CodeChallenge == "" && req.Client.Public() {
		// Cannot happen (refused at /authorize), but a public client must
		// never get tokens without proof of possession.
		return TokenResponse{}, ErrInvalidGrant("public clients must use PKCE")
	}

	issued, resp, err := s.issue(ctx, code.GrantID, req.Client, code.UserID, code.Scopes, code.Scopes, true,
		&idTokenInfo{nonce: code.Nonce, auth: g.Auth})
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

// refresh rotates a refresh token (RFC 6749 §6, RFC 9700 §4.14.2).
func (s *Server) refresh(ctx context.Context, req TokenRequest) (TokenResponse, error) {
	if req.RefreshToken == "" {
		return TokenResponse{}, ErrInvalidRequest("refresh_token is missing")
	}
	rt, err := s.Store.RefreshToken(ctx, HashSecret(req.RefreshToken))
	if errors.Is(err, ErrNotFound) {
		return TokenResponse{}, ErrInvalidGrant("the refresh token is invalid")
	}
	if err != nil {
		return TokenResponse{}, err
	}
	// RFC 6749 §6: the refresh token was issued to this client.
	if rt.ClientID != req.Client.ID {
		return TokenResponse{}, ErrInvalidGrant("the refresh token was issued to another client")
	}
	// RFC 9700 §4.14.2: a rotated token presented again means two parties
	// hold the family; revoke all of it.
	if !rt.UsedAt.IsZero() {
		if err := s.revokeGrant(ctx, rt.GrantID, rt.ClientID, "rotated refresh token used again"); err != nil {
			return TokenResponse{}, err
		}
		return TokenResponse{}, ErrInvalidGrant("the refresh token was already used; its whole family is revoked")
	}
	g, ok, err := s.activeGrant(ctx, rt.GrantID)
	if err != nil || !ok {
		return TokenResponse{}, firstErr(err, ErrInvalidGrant("the refresh token was revoked"))
	}
	if !s.now().Before(rt.ExpiresAt) {
		return TokenResponse{}, ErrInvalidGrant("the refresh token has expired")
	}
	// RFC 6749 §6: the scope may narrow, never widen beyond what the
	// refresh token carries.
	accessScopes := rt.Scopes
	if req.ScopeGiven {
		requested := scopes.Parse(req.Scope)
		for _, tok := range requested {
			if !scopes.ValidToken(tok) {
				return TokenResponse{}, ErrInvalidScope("scope contains characters RFC 6749 section 3.3 does not allow")
			}
		}
		if len(requested) == 0 || !scopes.Covers(rt.Scopes, requested) {
			return TokenResponse{}, ErrInvalidScope("the scope may only narrow what was granted")
		}
		accessScopes = requested
	}
	// The new refresh token keeps the original scope (RFC 6749 §6: "the
	// refresh token scope MUST be identical to that of the refresh token
	// included by the client").
	// OIDC Core §12.2: a refreshed ID token keeps sub and auth_time and has
	// no nonce.
	issued, resp, err := s.issue(ctx, rt.GrantID, req.Client, rt.UserID, accessScopes, rt.Scopes, true,
		&idTokenInfo{auth: g.Auth})
	if err != nil {
		return TokenResponse{}, err
	}
	err = s.Store.RotateRefreshToken(ctx, rt.Hash, s.now(), issued)
	if errors.Is(err, ErrAlreadyUsed) {
		if err := s.revokeGrant(ctx, rt.GrantID, rt.ClientID, "rotated refresh token used again"); err != nil {
			return TokenResponse{}, err
		}
		return TokenResponse{}, ErrInvalidGrant("the refresh token was already used; its whole family is revoked")
	}
	if err != nil {
		return TokenResponse{}, err
	}
	return resp, nil
}

// clientCredentials issues a token to a client acting for itself
// (RFC 6749 §4.4).
func (s *Server) clientCredentials(ctx context.Context, req TokenRequest) (TokenResponse, error) {
	// RFC 6749 §4.4: only confidential clients may use this grant.
	if req.Client.Public() {
		return TokenResponse{}, ErrUnauthorizedClient("public clients may not use client_credentials")
	}
	// User-data scopes are never granted without a user.
	granted, err := checkScope(req.Scope, req.ScopeGiven, req.Client, false)
	if err != nil {
		return TokenResponse{}, err
	}
	g := Grant{ID: NewSecret()[:22], ClientID: req.Client.ID, Scopes: granted, CreatedAt: s.now()}
	// RFC 6749 §4.4.3: a refresh token SHOULD NOT be included.
	issued, resp, err := s.issue(ctx, g.ID, req.Client, "", granted, nil, false, nil)
	if err != nil {
		return TokenResponse{}, err
	}
	if err := storeMachineGrant(ctx, s.Store, g, issued.Access); err != nil {
		return TokenResponse{}, err
	}
	return resp, nil
}

// storeMachineGrant stores a client_credentials grant and its access
// token: in one transaction when the store can (one commit instead of two,
// which the profile of the token endpoint shows is most of its cost on
// SQLite's single writer), else in two steps.
func storeMachineGrant(ctx context.Context, st Store, g Grant, t AccessToken) error {
	if one, ok := st.(MachineGrantStore); ok {
		return one.CreateGrantWithToken(ctx, g, t)
	}
	if err := st.CreateGrant(ctx, g, nil); err != nil {
		return err
	}
	return st.StoreAccessToken(ctx, t)
}

// issue mints an access token, a refresh token if withRefresh, and an ID
// token when openid is among the access scopes and idt is not nil. It
// returns both the records to store and the response to send.
func (s *Server) issue(ctx context.Context, grantID string, c Client, userID string, accessScopes, refreshScopes []string, withRefresh bool, idt *idTokenInfo) (Issued, TokenResponse, error) {
	at := s.newAccessToken(grantID, c.ID, userID, accessScopes)
	signed, err := s.mintAccessToken(ctx, at)
	if err != nil {
		return Issued{}, TokenResponse{}, err
	}
	resp := TokenResponse{
		AccessToken: signed,
		TokenType:   "Bearer", // RFC 6750
		ExpiresIn:   int64(s.AccessTTL.Seconds()),
		Scope:       scopes.Join(accessScopes), // RFC 6749 §5.1: always say what was granted
	}
	issued := Issued{Access: at}
	if idt != nil && userID != "" && wantsIDToken(accessScopes) {
		if resp.IDToken, err = s.mintIDToken(ctx, c, userID, *idt, signed); err != nil {
			return Issued{}, TokenResponse{}, err
		}
	}
	// OIDC Core §11: for an OpenID Connect grant, a refresh token only when
	// offline_access was granted. A plain OAuth grant keeps RFC 6749 §6.
	if wantsIDToken(refreshScopes) && !slices.Contains(refreshScopes, scopes.OfflineAccess) {
		withRefresh = false
	}
	if withRefresh && c.AllowsGrant(GrantRefreshToken) {
		raw := NewSecret()
		issued.Refresh = &RefreshToken{
			Hash: HashSecret(raw), GrantID: grantID, ClientID: c.ID, UserID: userID,
			Scopes: slices.Clone(refreshScopes), ExpiresAt: s.now().Add(s.RefreshTTL),
		}
		resp.RefreshToken = raw
	}
	return issued, resp, nil
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
