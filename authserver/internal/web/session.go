package web

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/oauthlab/oauthlab/authserver/internal/oauth"
)

// SessionStore keeps sign-in sessions server-side, by the SHA-256 of the
// random id in the cookie: the cookie alone means nothing, and a leaked
// database yields no usable session.
type SessionStore interface {
	CreateSession(ctx context.Context, idHash, userID string, now, expires time.Time) error
	SessionUser(ctx context.Context, idHash string, now time.Time) (oauth.User, error)
	DeleteSession(ctx context.Context, idHash string, now time.Time) error
}

const sessionTTL = 12 * time.Hour

type sessions struct {
	store  SessionStore
	secure bool
	now    func() time.Time
	// name is the session cookie's name (see cookieNames).
	name string
}

// user returns the signed-in user, if any.
func (s sessions) user(c echo.Context) (oauth.User, bool, error) {
	ck, err := c.Cookie(s.name)
	if err != nil || ck.Value == "" || len(ck.Value) > 100 {
		return oauth.User{}, false, nil
	}
	u, err := s.store.SessionUser(c.Request().Context(), oauth.HashSecret(ck.Value), s.now())
	if errors.Is(err, oauth.ErrNotFound) {
		return oauth.User{}, false, nil
	}
	if err != nil {
		return oauth.User{}, false, err
	}
	return u, true, nil
}

// start signs the user in with a fresh session id (a new id at every
// sign-in prevents session fixation).
func (s sessions) start(c echo.Context, u oauth.User) error {
	id := oauth.NewSecret()
	now := s.now()
	if err := s.store.CreateSession(c.Request().Context(), oauth.HashSecret(id), u.Subject, now, now.Add(sessionTTL)); err != nil {
		return err
	}
	c.SetCookie(s.cookie(id, int(sessionTTL.Seconds())))
	return nil
}

// end signs the user out.
func (s sessions) end(c echo.Context) error {
	if ck, err := c.Cookie(s.name); err == nil && len(ck.Value) <= 100 {
		if err := s.store.DeleteSession(c.Request().Context(), oauth.HashSecret(ck.Value), s.now()); err != nil {
			return err
		}
	}
	c.SetCookie(s.cookie("", -1))
	return nil
}

func (s sessions) cookie(value string, maxAge int) *http.Cookie {
	return &http.Cookie{
		Name: s.name, Value: value, Path: "/", MaxAge: maxAge,
		HttpOnly: true, Secure: s.secure,
		// Lax: the cookie comes along when the client redirects the browser
		// here (a top-level GET), but not on cross-site form posts.
		SameSite: http.SameSiteLaxMode,
	}
}
