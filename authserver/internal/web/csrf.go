package web

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"net/url"

	"github.com/labstack/echo/v4"

	"github.com/oauthlab/oauthlab/authserver/internal/oauth"
)

// csrfGuard protects every form of the server (sign-in, consent, sign-out,
// revoke) against cross-site and same-site request forgery.
//
// A plain double-submit cookie is not enough: a page on another port of
// the same host, or on a sibling subdomain, can plant the cookie itself
// ("cookie tossing") and post the same value. So the form token is not a
// cookie's copy but an HMAC, under a key only the server knows, of the
// server-side session id, or before sign-in of a random pre-session
// cookie. A planted cookie comes with no valid token, and the attacker
// cannot compute one. The key is stored in the database, so every replica
// and every restart agree on it.
//
// On top of the token, the browser's own word is checked: Fetch Metadata
// (Sec-Fetch-Site) and Origin must say the post came from this origin.
type csrfGuard struct {
	key []byte
	// origin is the issuer's origin (scheme://host:port), the only one our
	// forms are posted from.
	origin  string
	cookies cookieNames
	secure  bool
}

// cookieNames are the names of the server's cookies: with the __Host-
// prefix when the issuer is https, so that no other host or port, not even
// a sibling subdomain, can set them (RFC 6265bis §4.1.3.2).
type cookieNames struct{ session, preSession string }

func newCookieNames(hostPrefix bool) cookieNames {
	if hostPrefix {
		return cookieNames{session: "__Host-as_session", preSession: "__Host-as_presession"}
	}
	return cookieNames{session: "as_session", preSession: "as_presession"}
}

func newCSRFGuard(key []byte, issuer string, cookies cookieNames, secure bool) csrfGuard {
	origin := issuer
	if u, err := url.Parse(issuer); err == nil {
		origin = u.Scheme + "://" + u.Host
	}
	return csrfGuard{key: key, origin: origin, cookies: cookies, secure: secure}
}

// token is the form token for a session id (kind "session") or a
// pre-session cookie (kind "pre"); the kind keeps the two apart.
func (g csrfGuard) token(kind, value string) string {
	mac := hmac.New(sha256.New, g.key)
	mac.Write([]byte(kind + "\x00" + value))
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

// binding returns what the token of this request is bound to: the session
// cookie when there is one, or else the pre-session cookie, which it sets
// when missing (fresh reports that: a post cannot carry a valid token then).
func (g csrfGuard) binding(c echo.Context) (kind, value string, fresh bool) {
	if ck, err := c.Cookie(g.cookies.session); err == nil && ck.Value != "" && len(ck.Value) <= 100 {
		return "session", ck.Value, false
	}
	if ck, err := c.Cookie(g.cookies.preSession); err == nil && ck.Value != "" && len(ck.Value) <= 100 {
		c.Set(preSessionKey, ck.Value)
		return "pre", ck.Value, false
	}
	value = oauth.NewSecret()
	c.SetCookie(&http.Cookie{
		Name: g.cookies.preSession, Value: value, Path: "/", MaxAge: int(sessionTTL.Seconds()),
		HttpOnly: true, Secure: g.secure, SameSite: http.SameSiteLaxMode,
	})
	c.Set(preSessionKey, value)
	return "pre", value, true
}

// preSessionKey holds, in the request's context, the pre-session cookie's
// value as the CSRF guard found or set it, so that a pending request
// created in the same response binds to the same value.
const preSessionKey = "web.presession"

// preSession returns this browser's pre-session value: the one the CSRF
// guard found or set for this request, else the cookie itself.
func preSession(c echo.Context, names cookieNames) string {
	if v, ok := c.Get(preSessionKey).(string); ok && v != "" {
		return v
	}
	if ck, err := c.Cookie(names.preSession); err == nil && ck.Value != "" && len(ck.Value) <= 100 {
		return ck.Value
	}
	return ""
}

// middleware puts the form token in the context for render, and refuses
// any state-changing request that did not come from one of our own pages.
func (g csrfGuard) middleware(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		kind, value, fresh := g.binding(c)
		want := g.token(kind, value)
		c.Set(csrfKey, want)
		r := c.Request()
		if r.Method == http.MethodGet || r.Method == http.MethodHead {
			return next(c)
		}
		switch r.Header.Get("Sec-Fetch-Site") {
		case "same-site", "cross-site":
			// RFC 9700 §4.7: the browser says another site sent this form.
			return forbidden(c)
		}
		if origins := r.Header.Values(echo.HeaderOrigin); len(origins) > 0 && (len(origins) > 1 || origins[0] != g.origin) {
			// RFC 9700 §4.7: a form from another origin, or an opaque one ("null"), is refused.
			return forbidden(c)
		}
		// RFC 6749 §10.12: the token binds the post to this user agent's session.
		if fresh || !hmac.Equal([]byte(c.FormValue(csrfField)), []byte(want)) {
			return forbidden(c)
		}
		return next(c)
	}
}

func forbidden(c echo.Context) error {
	return renderError(c, http.StatusForbidden,
		"This form did not come from this server's own page (it may have expired, or another site sent it). Nothing was changed. Go back, reload the page and try again.")
}
