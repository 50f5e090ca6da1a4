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

// safeReturnTo accepts only our own pages as a place to go after sign-in,
// so the login form cannot be used as an open redirector.
func safeReturnTo(s string) string {
	if strings.HasPrefix(s, "/authorize?") || s == "/account" {
		return s
	}
	return "/account"
}

// clientOf describes the client a return_to authorization request is for,
// or returns nil when there is none (or it is not valid).
func clientOf(c echo.Context, s *oauth.Server, returnTo string) *clientView {
	_, query, ok := strings.Cut(returnTo, "?")
	if !ok {
		return nil
	}
	q, err := url.ParseQuery(query)
	if err != nil {
		return nil
	}
	req, _ := s.CheckAuthorize(c.Request().Context(), q)
	if !req.Verified {
		return nil
	}
	v := newClientView(req)
	return &v
}

func handleLoginPage(s *oauth.Server, demo bool) echo.HandlerFunc {
	return func(c echo.Context) error {
		returnTo := safeReturnTo(c.QueryParam("return_to"))
		return render(c, http.StatusOK, "login", map[string]any{
			"Title": "Sign in", "ReturnTo": returnTo, "Client": clientOf(c, s, returnTo), "Demo": demo,
		})
	}
}

// handleLogin checks the username and password. Failures make the next
// attempt from the same address wait longer and longer (see loginThrottle),
// even with the right password, which makes online guessing hopeless.
func handleLogin(s *oauth.Server, sess sessions, limits loginThrottle, demo bool) echo.HandlerFunc {
	return func(c echo.Context) error {
		username := strings.TrimSpace(c.FormValue("username"))
		password := c.FormValue("password")
		returnTo := safeReturnTo(c.FormValue("return_to"))
		page := map[string]any{
			"Title": "Sign in", "ReturnTo": returnTo, "Username": username,
			"Client": clientOf(c, s, returnTo), "Demo": demo,
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
		if err := sess.start(c, account); err != nil {
			return err
		}
		return c.Redirect(http.StatusSeeOther, returnTo)
	}
}

// handleLogout ends the session.
func handleLogout(sess sessions) echo.HandlerFunc {
	return func(c echo.Context) error {
		if err := sess.end(c); err != nil {
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
