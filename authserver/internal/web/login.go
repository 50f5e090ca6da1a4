package web

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/oauthlab/oauthlab/authserver/internal/oauth"
	"github.com/oauthlab/oauthlab/shared/logging"
)

// handleLoginPage shows the sign-in form, for a pending authorization
// request (the `request` parameter) or for the account page.
func handleLoginPage(sess sessions, demo bool) echo.HandlerFunc {
	return func(c echo.Context) error {
		page := map[string]any{"Title": "Sign in", "Demo": demo}
		if rt, ok := returnTo(c.QueryParam("return_to")); ok {
			page["ReturnTo"] = rt
		}
		if id := c.QueryParam(requestField); id != "" {
			req, ok, err := sess.loadPending(c, id)
			if !ok {
				return err
			}
			// OIDC Core §3.1.2.1: login_hint pre-fills the username.
			view := newClientView(req)
			page["RequestID"], page["Client"], page["Username"] = id, &view, req.LoginHint
		}
		return render(c, http.StatusOK, "login", page)
	}
}

// handleLogin checks the username and password. Failures make the next
// attempt from the same address wait longer and longer (see loginThrottle),
// even with the right password, which makes online guessing hopeless.
func handleLogin(s *oauth.Server, sess sessions, limits loginThrottle, demo bool) echo.HandlerFunc {
	return func(c echo.Context) error {
		username := strings.TrimSpace(c.FormValue("username"))
		password := c.FormValue("password")
		requestID := c.FormValue(requestField)
		page := map[string]any{"Title": "Sign in", "Username": username, "Demo": demo}
		back, hasReturn := returnTo(c.FormValue("return_to"))
		if hasReturn {
			page["ReturnTo"] = back
		}
		if requestID != "" {
			// The request must be this browser's before any password is checked.
			req, ok, err := sess.loadPending(c, requestID)
			if !ok {
				return err
			}
			view := newClientView(req)
			page["RequestID"], page["Client"] = requestID, &view
		}
		if len(username) > 100 || len(password) > 200 {
			page["Error"] = "Wrong username or password."
			return render(c, http.StatusUnauthorized, "login", page)
		}
		user, addr := strings.ToLower(username), c.RealIP()
		if wait := limits.wait(user, addr); wait > 0 {
			// RFC 6585 §4: 429 with Retry-After, in whole seconds rounded up.
			secs := int((wait + time.Second - 1) / time.Second)
			c.Response().Header().Set("Retry-After", strconv.Itoa(secs))
			page["Error"] = fmt.Sprintf("Too many failed attempts from this address. Wait %s and try again.", waitText(secs))
			return render(c, http.StatusTooManyRequests, "login", page)
		}
		account, err := s.Login(c.Request().Context(), username, password)
		if errors.Is(err, oauth.ErrBadLogin) {
			limits.fail(user, addr)
			logging.From(c).Info("failed sign-in") // no username: it may be a mistyped password
			page["Error"] = "Wrong username or password."
			return render(c, http.StatusUnauthorized, "login", page)
		}
		if err != nil {
			return err
		}
		limits.succeed(user, addr)
		next, err := sess.signIn(c, account)
		if err != nil {
			return err
		}
		if requestID == "" && hasReturn {
			return c.Redirect(http.StatusSeeOther, back)
		}
		if requestID == "" {
			return c.Redirect(http.StatusSeeOther, "/account")
		}
		// The pending request moves to the new session, marked as signed
		// in during this request (that satisfies prompt=login and max_age).
		err = sess.store.BindPendingRequest(c.Request().Context(), oauth.HashSecret(requestID), next.cookieHash, next.Auth.AuthTime)
		if err != nil {
			return err
		}
		return c.Redirect(http.StatusSeeOther, consentURL(requestID))
	}
}

// returnTo accepts only the pages sign-in may send the browser back to:
// /account and the device page (with a well-formed user code). Anything
// else would make the login form an open redirector.
func returnTo(raw string) (string, bool) {
	if raw == "/account" {
		return raw, true
	}
	u, err := url.Parse(raw)
	if err != nil || u.Path != "/device" || u.Host != "" || u.Scheme != "" {
		return "", false
	}
	want := deviceReturn(u.Query().Get("user_code"))
	return want, want == raw
}

// signIn starts a session for user. Signing in again as the same user
// (prompt=login, max_age) keeps the session's sid and moves auth_time;
// signing in as someone else ends the old session first.
func (s sessions) signIn(c echo.Context, user oauth.User) (session, error) {
	cur, signedIn, err := s.current(c)
	if err != nil {
		return session{}, err
	}
	sid := ""
	if signedIn && cur.User.Subject == user.Subject {
		sid = cur.Auth.SID
		if err := s.drop(c, cur); err != nil {
			return session{}, err
		}
	} else if signedIn {
		if err := s.endSession(c); err != nil {
			return session{}, err
		}
	}
	return s.start(c, user, sid)
}

// handleLogout ends the session.
func handleLogout(sess sessions) echo.HandlerFunc {
	return func(c echo.Context) error {
		if err := sess.endSession(c); err != nil {
			return err
		}
		return c.Redirect(http.StatusSeeOther, "/login")
	}
}

// waitText says how long to wait, in seconds or whole minutes.
func waitText(secs int) string {
	switch {
	case secs == 1:
		return "1 second"
	case secs < 60:
		return strconv.Itoa(secs) + " seconds"
	case secs < 120:
		return "1 minute"
	}
	return strconv.Itoa((secs+59)/60) + " minutes"
}
