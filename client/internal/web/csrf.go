package web

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"net/http"

	"github.com/labstack/echo/v4"
)

// csrfField is the hidden form field that carries the form token.
const csrfField = "csrf_token"

// preSessionCookie binds the form token of a browser that has no session yet
// (the first "Connect" or "Get charts" click). It is random and secret-free:
// the token is an HMAC of it under a key only the server knows.
const preSessionCookie = "client_presession"

// cookieName gives a cookie its __Host- prefix when the client is served
// over https: a browser then accepts the cookie only from a secure origin,
// with Path=/ and no Domain, so no sibling subdomain can plant one.
func (a *App) cookieName(name string) string {
	if a.cfg.SecureCookies() {
		return "__Host-" + name
	}
	return name
}

// csrfToken is the token every form of the page carries. It is an
// HMAC-SHA256 of the server-side session id, or of the pre-session cookie
// (set here when missing) for a browser without a session. Another site can
// neither read it nor compute it, and a token seen in one session is worth
// nothing in another.
func (a *App) csrfToken(c echo.Context) string {
	if sid, ok := a.session(c); ok {
		return a.csrfMAC("session", sid)
	}
	pre := a.cookieValue(c, preSessionCookie)
	if pre == "" {
		pre = rand.Text()
		c.SetCookie(&http.Cookie{
			Name: a.cookieName(preSessionCookie), Value: pre, Path: "/",
			HttpOnly: true, Secure: a.cfg.SecureCookies(), SameSite: http.SameSiteLaxMode,
		})
		c.Request().AddCookie(&http.Cookie{Name: a.cookieName(preSessionCookie), Value: pre})
	}
	return a.csrfMAC("presession", pre)
}

func (a *App) csrfMAC(kind, id string) string {
	m := hmac.New(sha256.New, a.csrfKey)
	m.Write([]byte(kind + "\x00" + id))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// cookieValue returns the value of one of the client's cookies, or "".
func (a *App) cookieValue(c echo.Context, name string) string {
	ck, err := c.Request().Cookie(a.cookieName(name))
	if err != nil || len(ck.Value) > 100 {
		return ""
	}
	return ck.Value
}

// backChannelLogoutPath is the one POST that is not a browser form.
const backChannelLogoutPath = "/backchannel-logout"

// csrfProtect guards every request against forged forms and planted
// cookies, and answers a refusal with a page that says why.
func (a *App) csrfProtect(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		req := c.Request()
		if req.Method == http.MethodPost && req.URL.Path == backChannelLogoutPath {
			// The OpenID Provider posts here server to server: no browser, no
			// cookie, nothing a forged form could ride on. The signed logout
			// token authenticates the request instead (backchannel.go).
			return next(c)
		}
		// RFC 9700 §4.7: two cookies of one name mean a second origin on the
		// same host planted its own (cookie tossing, e.g. with a narrower
		// Path, sent first); the server cannot tell which is the browser's.
		for _, name := range []string{sessionCookie, preSessionCookie} {
			if len(req.CookiesNamed(a.cookieName(name))) > 1 {
				return &pageError{Status: http.StatusBadRequest, Title: "Refused: two session cookies",
					Message: "Your browser sent two cookies named " + a.cookieName(name) + ". Another site on this host may have planted one (cookie tossing), so the app will not guess which session is yours.",
					Hint:    "Delete this site's cookies in your browser (cookies of localhost), then start again from the home page."}
			}
		}
		switch req.Method {
		case http.MethodGet, http.MethodHead, http.MethodOptions:
			return next(c)
		}
		refused := &pageError{Status: http.StatusForbidden, Title: "Refused: the form did not come from this app",
			Message: "This app only accepts its forms from its own pages, so that another site, even one on the same host, cannot act in your name (cross-site request forgery)."}
		switch req.Header.Get("Sec-Fetch-Site") {
		case "same-site", "cross-site":
			// RFC 9700 §4.7: a same-site page (another port of this host) is
			// another origin, and may not post this app's forms.
			return refused
		case "":
			// RFC 6749 §10.12: without Sec-Fetch-Site, an Origin that is not
			// this app's own (or is "null") marks a forged cross-origin form.
			if origin := req.Header.Get("Origin"); origin != "" && origin != a.cfg.URL {
				return refused
			}
		}
		// A request with no cookie of this app acts in nobody's name. Any
		// other must carry the token bound to the session it acts in.
		var want string
		if sid, ok := a.session(c); ok {
			want = a.csrfMAC("session", sid)
		} else if pre := a.cookieValue(c, preSessionCookie); pre != "" {
			want = a.csrfMAC("presession", pre)
		} else if a.cookieValue(c, sessionCookie) == "" {
			return next(c)
		}
		// RFC 6749 §10.12: the form token binds the request to this
		// browser's session, so a forged form cannot name it.
		if got := c.FormValue(csrfField); want == "" || !hmac.Equal([]byte(got), []byte(want)) {
			refused.Message = "The form's token does not belong to your session: the page is old (your session changed), or the form was forged (cross-site request forgery)."
			refused.Hint = "Go back, reload the page, and try again."
			return refused
		}
		return next(c)
	}
}
