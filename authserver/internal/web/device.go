package web

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/oauthlab/oauthlab/authserver/internal/oauth"
	"github.com/oauthlab/oauthlab/authserver/internal/throttle"
)

// handleDeviceAuthorization is the device authorization endpoint (RFC 8628
// §3.1): a device that cannot show a browser asks for a device code and a
// user code, and shows the user code and where to enter it.
func handleDeviceAuthorization(s *oauth.Server, auth clientAuth) echo.HandlerFunc {
	return func(c echo.Context) error {
		client, form, err := auth.authenticate(c)
		if err != nil {
			return err
		}
		resp, err := s.DeviceAuthorize(c.Request().Context(), client, form.Get("scope"), form.Has("scope"), form["resource"])
		if err != nil {
			return err
		}
		noStore(c) // RFC 8628 §3.2: like a token response, never cached
		return c.JSON(http.StatusOK, resp)
	}
}

// deviceGuesses throttles wrong user codes per address (RFC 8628 §5.1):
// after a few free tries, every further guess waits longer. A user code
// has about 34 bits; with these delays, guessing a live one is hopeless.
func deviceGuesses(counter throttle.Counter, now func() time.Time) throttle.Backoff {
	return throttle.Backoff{Counter: counter, Free: 5, Base: time.Second, Max: 5 * time.Minute, Now: now}
}

func deviceGuessKey(addr string) string { return "device\x00" + addr }

// deviceReturn is the one place sign-in may send the browser back to for
// the device flow: /device, with the typed user code if it is well formed.
func deviceReturn(userCode string) string {
	if n := oauth.NormalizeUserCode(userCode); n != "" {
		return "/device?" + url.Values{"user_code": {oauth.FormatUserCode(n)}}.Encode()
	}
	return "/device"
}

// handleDevicePage shows the form where the signed-in user enters the
// code their device shows. The code of verification_uri_complete is
// filled in, never submitted by itself (RFC 8628 §5.4: the user must
// compare it with the device's).
func handleDevicePage(sess sessions) echo.HandlerFunc {
	return func(c echo.Context) error {
		user, signedIn, err := sess.user(c)
		if err != nil {
			return err
		}
		typed := c.QueryParam("user_code")
		if !signedIn {
			return c.Redirect(http.StatusFound, "/login?"+url.Values{"return_to": {deviceReturn(typed)}}.Encode())
		}
		code := ""
		if n := oauth.NormalizeUserCode(typed); n != "" {
			code = oauth.FormatUserCode(n)
		}
		return render(c, http.StatusOK, "device", map[string]any{"Title": "Connect a device", "UserName": user.DisplayName, "UserCode": code})
	}
}

// handleDevice checks the entered code and shows the consent page, which
// always asks (RFC 8628 §5.4: a remembered consent would let a phished
// code through without a look).
func handleDevice(s *oauth.Server, sess sessions, guesses throttle.Backoff) echo.HandlerFunc {
	return func(c echo.Context) error {
		user, signedIn, err := sess.user(c)
		if err != nil {
			return err
		}
		typed := c.FormValue("user_code")
		if !signedIn {
			return c.Redirect(http.StatusSeeOther, "/login?"+url.Values{"return_to": {deviceReturn(typed)}}.Encode())
		}
		page := map[string]any{"Title": "Connect a device", "UserName": user.DisplayName, "UserCode": typed}
		key := deviceGuessKey(c.RealIP())
		if wait := guesses.Wait(key); wait > 0 {
			// RFC 8628 §5.1: wrong user codes are rate-limited; RFC 6585 §4: 429 with Retry-After.
			secs := int((wait + time.Second - 1) / time.Second)
			c.Response().Header().Set("Retry-After", strconv.Itoa(secs))
			page["Error"] = "Too many wrong codes from this address. Wait " + waitText(secs) + " and try again."
			return render(c, http.StatusTooManyRequests, "device", page)
		}
		d, client, err := s.PendingDevice(c.Request().Context(), typed)
		if errors.Is(err, oauth.ErrNotFound) {
			guesses.Fail(key)
			page["Error"] = "That code is not valid (or has expired, or was already used). Check the code on your device."
			return render(c, http.StatusBadRequest, "device", page)
		}
		if err != nil {
			return err
		}
		guesses.Reset(key)
		if c.FormValue("decision") == "" {
			return render(c, http.StatusOK, "device_consent", map[string]any{
				"Title": "Allow the device?", "UserName": user.DisplayName,
				"Client":   clientView{Name: client.Name, ID: client.ID, Unverified: client.Unverified()},
				"Scopes":   describeScopes(s, d.Scopes),
				"UserCode": oauth.FormatUserCode(oauth.NormalizeUserCode(typed)),
			})
		}
		return decideDevice(c, s, sess, typed)
	}
}

// decideDevice records Allow or Deny for the code. Of two answers to the
// same code, only the first counts.
func decideDevice(c echo.Context, s *oauth.Server, sess sessions, typed string) error {
	decision := c.FormValue("decision")
	if decision != "approve" && decision != "deny" {
		return renderError(c, http.StatusBadRequest, "Please choose Allow or Deny.")
	}
	cur, _, err := sess.current(c)
	if err != nil {
		return err
	}
	err = s.DecideDevice(c.Request().Context(), typed, decision == "approve", cur.User.Subject, cur.Auth)
	if errors.Is(err, oauth.ErrAlreadyUsed) {
		return renderError(c, http.StatusBadRequest, "This code was already answered or has expired. Start again on your device.")
	}
	if err != nil {
		return err
	}
	msg := "Done: the device is connected. You can close this page and go back to it."
	if decision == "deny" {
		msg = "Done: the device was not given access."
	}
	return render(c, http.StatusOK, "device", map[string]any{"Title": "Connect a device", "UserName": cur.User.DisplayName, "Done": msg})
}
