package web

import (
	"crypto/rand"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/oauthlab/oauthlab/client/internal/store"
	"github.com/oauthlab/oauthlab/shared/logging"
)

// sessionCookie holds only a random id; the session's tokens stay in the
// client's database. The name starts with client_ because every actor shares
// the host localhost, and browsers ignore the port when they send cookies.
const sessionCookie = "client_session"

// sessionKey caches the session lookup on the request's context.
const sessionKey = "client.session"

// session returns the id of the browser's session, if it has a live one.
func (a *App) session(c echo.Context) (string, bool) {
	if id, ok := c.Get(sessionKey).(string); ok {
		return id, id != ""
	}
	id, ok := a.lookupSession(c)
	c.Set(sessionKey, id)
	return id, ok
}

func (a *App) lookupSession(c echo.Context) (string, bool) {
	id := a.cookieValue(c, sessionCookie)
	if id == "" {
		return "", false
	}
	ok, err := a.store.TouchSession(c.Request().Context(), id)
	if err != nil {
		logging.From(c).Warn("session lookup failed", "err", err)
		return "", false
	}
	return id, ok
}

// ensureSession returns the browser's session, starting one if needed.
func (a *App) ensureSession(c echo.Context) (string, error) {
	if id, ok := a.session(c); ok {
		return id, nil
	}
	id := rand.Text() // 128 bits from crypto/rand
	if err := a.store.CreateSession(c.Request().Context(), id); err != nil {
		return "", err
	}
	a.setSessionCookie(c, id)
	return id, nil
}

// rotateSession gives the session a new id (and cookie) once it holds
// tokens: an id planted in the browser, or seen, before the sign-in is then
// worthless (session fixation).
func (a *App) rotateSession(c echo.Context, oldID string) (string, error) {
	id := rand.Text()
	if err := a.store.RotateSession(c.Request().Context(), oldID, id); err != nil {
		return "", err
	}
	a.setSessionCookie(c, id)
	return id, nil
}

func (a *App) setSessionCookie(c echo.Context, id string) {
	c.Set(sessionKey, id)
	c.SetCookie(&http.Cookie{
		Name:     a.cookieName(sessionCookie),
		Value:    id,
		Path:     "/",
		MaxAge:   int(store.SessionTTL.Seconds()),
		HttpOnly: true, // scripts never see it
		Secure:   a.cfg.SecureCookies(),
		// Lax: the cookie comes along when the authorization server
		// redirects the browser back to /callback (a top-level GET), but not
		// on cross-site POSTs.
		SameSite: http.SameSiteLaxMode,
	})
}

// basePage fills the parts of a page that depend on the session.
func (a *App) basePage(c echo.Context, title, nav string) (page, string) {
	p := page{Title: title, Nav: nav, Now: a.now()}
	sid, ok := a.session(c)
	if !ok {
		return p, ""
	}
	if _, scope, err := a.store.Token(c.Request().Context(), sid); err == nil {
		p.Connected, p.Scope = true, scope
	}
	p.User = a.signedInAs(c, sid)
	return p, sid
}
