package web

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/oauthlab/oauthlab/authserver/internal/oauth"
	"github.com/oauthlab/oauthlab/authserver/internal/throttle"
	"github.com/oauthlab/oauthlab/shared/logging"
)

// handleLoginPage shows the sign-in form, for a pending authorization
// request (the `request` parameter) or for the account page.
func handleLoginPage(sess sessions, demo bool) echo.HandlerFunc {
	return func(c echo.Context) error {
		page := map[string]any{"Title": "Sign in", "Demo": demo}
		if id := c.QueryParam(requestField); id != "" {
			req, ok, err := sess.loadPending(c, id)
			if !ok {
				return err
			}
			// OIDC Core §3.1.2.1: login_hint pre-fills the username.
			page["RequestID"], page["ClientName"], page["Username"] = id, req.Client.Name, req.LoginHint
		}
		return render(c, http.StatusOK, "login", page)
	}
}

// handleLogin checks the username and password. Failures are counted per
// username and per address; past the limit, sign-in is refused for a while
// even with the right password, which makes online guessing hopeless.
func handleLogin(s *oauth.Server, sess sessions, perUser, perAddr *throttle.Limiter, demo bool) echo.HandlerFunc {
	return func(c echo.Context) error {
		username := strings.TrimSpace(c.FormValue("username"))
		password := c.FormValue("password")
		requestID := c.FormValue(requestField)
		page := map[string]any{"Title": "Sign in", "Username": username, "Demo": demo}
		if requestID != "" {
			// The request must be this browser's before any password is checked.
			req, ok, err := sess.loadPending(c, requestID)
			if !ok {
				return err
			}
			page["RequestID"], page["ClientName"] = requestID, req.Client.Name
		}
		if len(username) > 100 || len(password) > 200 {
			page["Error"] = "Wrong username or password."
			return render(c, http.StatusUnauthorized, "login", page)
		}
		userKey, addrKey := strings.ToLower(username), c.RealIP()
		okUser, waitUser := perUser.Allowed(userKey)
		okAddr, waitAddr := perAddr.Allowed(addrKey)
		if !okUser || !okAddr {
			wait := max(waitUser, waitAddr)
			c.Response().Header().Set("Retry-After", fmt.Sprint(int(wait.Seconds())+1))
			page["Error"] = fmt.Sprintf("Too many failed attempts. Try again in %d minutes.", int(wait.Minutes())+1)
			return render(c, http.StatusTooManyRequests, "login", page)
		}
		user, err := s.Login(c.Request().Context(), username, password)
		if errors.Is(err, oauth.ErrBadLogin) {
			perUser.Fail(userKey)
			perAddr.Fail(addrKey)
			logging.From(c).Info("failed sign-in") // no username: it may be a mistyped password
			page["Error"] = "Wrong username or password."
			return render(c, http.StatusUnauthorized, "login", page)
		}
		if err != nil {
			return err
		}
		perUser.Reset(userKey)
		next, err := sess.signIn(c, user)
		if err != nil {
			return err
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
