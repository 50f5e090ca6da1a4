package web

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/labstack/echo/v4"
	"golang.org/x/oauth2"

	"github.com/oauthlab/oauthlab/client/internal/flow"
	"github.com/oauthlab/oauthlab/client/internal/identity"
	"github.com/oauthlab/oauthlab/client/internal/store"
	"github.com/oauthlab/oauthlab/shared/logging"
	"github.com/oauthlab/oauthlab/shared/scopes"
)

// IdentityStore is the persistence of the OpenID Connect side (store.Store
// in production).
type IdentityStore interface {
	SaveIdentity(ctx context.Context, sessionID string, id store.Identity) error
	Identity(ctx context.Context, sessionID string) (store.Identity, error)
	DeleteIdentity(ctx context.Context, sessionID string) error
	EndSessionsOf(ctx context.Context, subject, providerSID string, step flow.Step) (int, error)
	SaveSignoutState(ctx context.Context, sessionID, state string) error
	UseSignoutState(ctx context.Context, sessionID, state string) error
	identity.ReplayGuard
}

// newVerifier returns the ID and logout token verifier. Its JWKS is fetched
// over the back channel (CLIENT_JWKS_URL), while tokens must name the
// browser-facing issuer: under docker-compose the issuer's URL does not
// reach the authorization server from inside the client's container, which
// is why oidc.NewProvider (discovery at the issuer) is not used.
func newVerifier(a *App) *identity.Verifier {
	ctx := oidc.ClientContext(context.Background(), &http.Client{Timeout: 10 * time.Second})
	return identity.NewVerifier(ctx, a.cfg.Issuer, a.cfg.JWKSURL, a.cfg.ClientID, a.store, a.now)
}

// oidcProblem is the page of a sign-in whose ID token or UserInfo answer was
// refused.
func oidcProblem(status int, title, message string, scope string, links ...flow.Link) *pageError {
	return &pageError{Status: status, Title: title, Message: message,
		Hint:  "The tokens just received were revoked. Connect again; if it keeps failing, the OpenID Provider is misconfigured.",
		Links: links, Reconnect: splitOrDefault(scope)}
}

// signIn is the OpenID Connect half of the callback: it verifies the ID
// token of the token response, asks the UserInfo endpoint for the user's
// claims, and returns who signed in. wanted is true when the request asked
// for openid: the ID token is then required. A nil identity with a nil
// error means a plain OAuth connection.
func (a *App) signIn(ctx context.Context, c echo.Context, tok *oauth2.Token, attempt store.Attempt, granted string) (*store.Identity, []flow.Step, error) {
	raw, _ := tok.Extra("id_token").(string)
	wanted := attempt.Nonce != "" || scopes.Covers(scopes.Parse(attempt.Scope), []string{scopes.OpenID})
	if raw == "" && !wanted {
		return nil, nil, nil
	}
	now := a.now()
	if raw == "" {
		// OIDC Core §3.1.3.3: a token response to an openid request must
		// carry an ID token.
		pe := oidcProblem(http.StatusBadGateway, "No ID token", "The app asked to sign you in (scope openid), but the token response carries no ID token, so the app cannot tell who you are.",
			attempt.Scope, flow.OIDCCoreIDToken)
		return nil, []flow.Step{flow.Failure(now, pe.Title, pe.Message, nil, pe.Links...)}, pe
	}
	idt, err := a.ids.VerifyIDToken(ctx, raw, identity.Expect{Nonce: attempt.Nonce, AccessToken: tok.AccessToken})
	if err != nil {
		var ie *identity.Error
		if !errors.As(err, &ie) {
			return nil, nil, err
		}
		pe := oidcProblem(http.StatusBadGateway, "The ID token was refused",
			"The app checked the ID token and refused it ("+ie.Rule+": "+ie.Reason+"). It will not sign you in with it.",
			attempt.Scope, flow.OIDCCoreValidation)
		st := flow.IDToken(now, flow.DecodeIDToken(raw), []flow.Check{{Name: "ID token verified", OK: false, Detail: ie.Error(), Link: flow.OIDCCoreValidation}})
		steps := []flow.Step{st}
		if ie.Claim == "nonce" {
			steps = append(steps, flow.NonceCheck(now, false))
		}
		return nil, append(steps, flow.Failure(now, pe.Title, pe.Message, nil, pe.Links...)), pe
	}
	checks := []flow.Check{
		{Name: "signature", OK: true, Detail: "RS256, by the key " + kidOf(idt) + " of the provider's JWKS (" + a.cfg.JWKSURL + ").", Link: flow.OIDCCoreValidation},
		{Name: "iss, aud, exp", OK: true, Detail: "Issued by " + a.cfg.Issuer + ", for this app (" + a.cfg.ClientID + "), not expired.", Link: flow.OIDCCoreValidation},
		{Name: "at_hash matches", OK: true, Detail: "The ID token was issued with this very access token.", Link: flow.OIDCCoreAtHash},
	}
	if _, ok := idt.Claims["at_hash"]; !ok {
		checks[2] = flow.Check{Name: "at_hash", OK: true, Link: flow.OIDCCoreAtHash,
			Detail: "No at_hash: optional in the code flow, where the access token comes straight from the token endpoint (OIDC Core §3.1.3.8)."}
	}
	steps := []flow.Step{flow.IDToken(now, flow.DecodeIDToken(raw), checks), flow.NonceCheck(now, true)}

	who := &store.Identity{Subject: idt.Subject, ProviderSID: idt.SessionID, Name: idt.Name, Email: idt.Email, IDToken: raw}
	if !scopes.Covers(scopes.Parse(granted), []string{scopes.OpenID}) {
		return who, steps, nil
	}
	info, x, err := a.userInfo(ctx, tok.AccessToken)
	switch {
	case err != nil:
		pe := oidcProblem(http.StatusBadGateway, "UserInfo failed", "The app could not read your claims from the UserInfo endpoint: "+err.Error()+".",
			attempt.Scope, flow.OIDCCoreUserInfo)
		steps = append(steps, flow.UserInfo(now, x, []flow.Check{{Name: "UserInfo answered", OK: false, Detail: err.Error(), Link: flow.OIDCCoreUserInfo}}),
			flow.Failure(now, pe.Title, pe.Message, nil, pe.Links...))
		return nil, steps, pe
	case info.Subject != idt.Subject:
		// OIDC Core §5.3.2: the UserInfo sub must equal the ID token's, or
		// the claims may be about someone else (token substitution).
		pe := oidcProblem(http.StatusBadGateway, "UserInfo is about someone else",
			"The UserInfo endpoint answered for the user "+info.Subject+", but the ID token names "+idt.Subject+", so neither can be trusted.",
			attempt.Scope, flow.OIDCCoreUserInfoSub)
		steps = append(steps, flow.UserInfo(now, x, []flow.Check{{Name: "sub matches the ID token", OK: false, Detail: pe.Message, Link: flow.OIDCCoreUserInfoSub}}),
			flow.Failure(now, pe.Title, pe.Message, nil, pe.Links...))
		return nil, steps, pe
	}
	steps = append(steps, flow.UserInfo(now, x, []flow.Check{{Name: "sub matches the ID token", OK: true,
		Detail: "sub = " + info.Subject + ", as in the ID token.", Link: flow.OIDCCoreUserInfoSub}}))
	if info.Name != "" {
		who.Name = info.Name
	}
	if info.Email != "" {
		who.Email = info.Email
	}
	return who, steps, nil
}

func kidOf(t *identity.IDToken) string {
	kid, _ := t.Header["kid"].(string)
	return kid
}

// userInfoClaims are the claims the app reads from UserInfo (OIDC Core §5.1).
type userInfoClaims struct {
	Subject string `json:"sub"`
	Name    string `json:"name"`
	Email   string `json:"email"`
}

// userInfo calls the UserInfo endpoint with the access token (OIDC Core
// §5.3.1, RFC 6750 §2.1), recorded like every back-channel call.
func (a *App) userInfo(ctx context.Context, accessToken string) (userInfoClaims, flow.Exchange, error) {
	rctx, rec := a.recording(ctx)
	last := func() flow.Exchange {
		if xs := rec.Exchanges(); len(xs) > 0 {
			return xs[len(xs)-1]
		}
		return flow.Exchange{Method: http.MethodGet, URL: a.cfg.UserInfoURL}
	}
	var claims userInfoClaims
	req, err := http.NewRequestWithContext(rctx, http.MethodGet, a.cfg.UserInfoURL, nil)
	if err != nil {
		return claims, last(), err
	}
	req.Header.Set("Authorization", tokenScheme(ctx)+" "+accessToken)
	resp, err := httpClientFrom(rctx).Do(req)
	if err != nil {
		return claims, last(), errors.New("the endpoint could not be reached")
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if err != nil {
		return claims, last(), errors.New("the answer could not be read")
	}
	if resp.StatusCode != http.StatusOK {
		code, _ := flow.ChallengeError(resp.Header.Get("WWW-Authenticate"))
		return claims, last(), errors.New("it answered " + resp.Status + " " + code)
	}
	if err := json.Unmarshal(body, &claims); err != nil || claims.Subject == "" {
		// OIDC Core §5.3.2: the answer is a JSON object that always has sub.
		return claims, last(), errors.New("the answer is not a JSON object with a sub")
	}
	return claims, last(), nil
}

// revokeReceived revokes the tokens of a sign-in the app refused, so that
// nobody can use what it will not keep (RFC 7009 §2.1).
func (a *App) revokeReceived(ctx context.Context, c echo.Context, tok *oauth2.Token) []flow.Step {
	rctx, rec := a.recording(ctx)
	if tok.RefreshToken != "" {
		a.revoke(rctx, c, tok.RefreshToken, "refresh_token")
	}
	a.revoke(rctx, c, tok.AccessToken, "access_token")
	return a.stepsOf(rec.Exchanges())
}

// signedInAs returns the name of who signed in to the session with OpenID
// Connect, or "".
func (a *App) signedInAs(c echo.Context, sid string) string {
	id, err := a.store.Identity(c.Request().Context(), sid)
	if err != nil {
		if !errors.Is(err, store.ErrNotFound) {
			logging.From(c).Warn("identity lookup failed", "err", err)
		}
		return ""
	}
	if id.Name != "" {
		return id.Name
	}
	if id.Email != "" {
		return id.Email
	}
	return id.Subject
}

// refreshedIdentity checks the ID token that may come with a refreshed
// access token (OIDC Core §12.2) and keeps it as the session's newest ID
// token (the id_token_hint of a later logout). It returns the steps to show.
func (a *App) refreshedIdentity(c echo.Context, sid string, tok *oauth2.Token) []flow.Step {
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		return nil
	}
	ctx := c.Request().Context()
	who, err := a.store.Identity(ctx, sid)
	if err != nil {
		return nil // nobody signed in to this session with OpenID Connect
	}
	now := a.now()
	// OIDC Core §12.2: no nonce this time, and the same sub as at sign-in.
	idt, err := a.ids.VerifyIDToken(ctx, raw, identity.Expect{AccessToken: tok.AccessToken, Subject: who.Subject})
	if err != nil {
		st := flow.IDToken(now, flow.DecodeIDToken(raw), []flow.Check{{Name: "refreshed ID token verified", OK: false, Detail: err.Error(), Link: flow.OIDCCoreRefresh}})
		st.Title = "The refreshed ID token was refused"
		st.Summary = "The app keeps the ID token of the sign-in: a refreshed one must pass the same checks and name the same user (OIDC Core §12.2)."
		return []flow.Step{st}
	}
	who.IDToken, who.ProviderSID = raw, cmp.Or(idt.SessionID, who.ProviderSID)
	if err := a.store.SaveIdentity(ctx, sid, who); err != nil {
		logging.From(c).Warn("save refreshed identity", "err", err)
	}
	st := flow.IDToken(now, flow.DecodeIDToken(raw), []flow.Check{{Name: "same user, no nonce", OK: true,
		Detail: "sub = " + idt.Subject + ", as at sign-in; signature, iss, aud, exp and at_hash checked again.", Link: flow.OIDCCoreRefresh}})
	st.Title = "A fresh ID token with the refreshed access token (OpenID Connect)"
	return []flow.Step{st}
}
