package web

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/oauthlab/oauthlab/authserver/internal/oauth"
	"github.com/oauthlab/oauthlab/authserver/internal/throttle"
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

// clientNameOf names the client a return_to authorization request is for.
func clientNameOf(c echo.Context, s *oauth.Server, returnTo string) string {
	_, query, ok := strings.Cut(returnTo, "?")
	if !ok {
		return ""
	}
	q, err := url.ParseQuery(query)
	if err != nil {
		return ""
	}
	cl, err := s.Store.Client(c.Request().Context(), q.Get("client_id"))
	if err != nil {
		return ""
	}
	return cl.Name
}

func handleLoginPage(s *oauth.Server, demo bool) echo.HandlerFunc {
	return func(c echo.Context) error {
		returnTo := safeReturnTo(c.QueryParam("return_to"))
		return render(c, http.StatusOK, "login", map[string]any{
			"Title": "Sign in", "ReturnTo": returnTo, "ClientName": clientNameOf(c, s, returnTo), "Demo": demo,
		})
	}
}

// handleLogin checks the username and password. Failures are counted per
// username and per address; past the limit, sign-in is refused for a while
// even with the right password, which makes online guessing hopeless.
func handleLogin(s *oauth.Server, sess sessions, perUser, perAddr *throttle.Limiter, demo bool) echo.HandlerFunc {
	return func(c echo.Context) error {
		username := strings.TrimSpace(c.FormValue("username"))
		password := c.FormValue("password")
		returnTo := safeReturnTo(c.FormValue("return_to"))
		page := map[string]any{
			"Title": "Sign in", "ReturnTo": returnTo, "Username": username,
			"ClientName": clientNameOf(c, s, returnTo), "Demo": demo,
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
		if err := sess.start(c, user); err != nil {
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
