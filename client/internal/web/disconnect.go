package web

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/oauthlab/oauthlab/client/internal/store"
	"github.com/oauthlab/oauthlab/shared/logging"
)

// handleDisconnect revokes the session's tokens at the authorization server
// (RFC 7009) and forgets them.
func (a *App) handleDisconnect(c echo.Context) error {
	sid, ok := a.session(c)
	if !ok {
		return c.Redirect(http.StatusSeeOther, "/")
	}
	release, err := a.claimTokens(c.Request().Context(), sid)
	if err != nil {
		return err
	}
	defer release()

	ctx, rec := a.recording(c.Request().Context())
	tok, _, err := a.store.Token(ctx, sid)
	if errors.Is(err, store.ErrNotFound) {
		return c.Redirect(http.StatusSeeOther, "/inspector")
	}
	if err != nil {
		return err
	}
	// The refresh token first: RFC 7009 §2.1 lets the server drop the access
	// tokens of the same grant with it. Then the access token, in case it
	// does not. A failure is recorded and shown, but the tokens are deleted
	// here anyway: disconnecting must always work.
	if tok.RefreshToken != "" {
		a.revoke(ctx, c, tok.RefreshToken, "refresh_token")
	}
	a.revoke(ctx, c, tok.AccessToken, "access_token")
	if err := a.store.DeleteToken(ctx, sid); err != nil {
		return err
	}
	a.addSteps(c, sid, a.stepsOf(rec.Exchanges())...)
	return c.Redirect(http.StatusSeeOther, "/inspector")
}

// revoke sends one RFC 7009 §2.1 revocation request, authenticated with
// client_secret_basic (RFC 6749 §2.3.1: id and secret form-encoded first).
func (a *App) revoke(ctx context.Context, c echo.Context, token, hint string) {
	form := url.Values{"token": {token}, "token_type_hint": {hint}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, a.cfg.RevocationURL, strings.NewReader(form.Encode()))
	if err != nil {
		logging.From(c).Error("revocation request", "err", err)
		return
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(url.QueryEscape(a.cfg.ClientID), url.QueryEscape(a.cfg.ClientSecret))
	resp, err := httpClientFrom(ctx).Do(req)
	if err != nil {
		logging.From(c).Warn("revocation failed", "err", err)
		return
	}
	resp.Body.Close()
}
