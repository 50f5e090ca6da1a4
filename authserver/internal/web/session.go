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
	CreateSession(ctx context.Context, idHash, userID string, auth oauth.Authentication, now, expires time.Time) error
	// SessionUser returns ErrNotFound when the session does not exist or expired.
	SessionUser(ctx context.Context, idHash string, now time.Time) (oauth.User, oauth.Authentication, error)
	DeleteSession(ctx context.Context, idHash string, now time.Time) error

	// AddSessionClient records a client the session signed in to with
	// OpenID Connect; TakeSessionClients returns and forgets them when the
	// session ends (OIDC Back-Channel Logout §2.7).
	AddSessionClient(ctx context.Context, sid, clientID, userID string, expires time.Time) error
	TakeSessionClients(ctx context.Context, sid string) ([]string, error)

	PendingStore
}

const sessionTTL = 12 * time.Hour

type sessions struct {
	store  SessionStore
	secure bool
	now    func() time.Time
	// names are the cookie names (see cookieNames): the session cookie,
	// and the pre-session cookie that binds form tokens and pending
	// authorization requests to a browser that has not signed in yet.
	names cookieNames
	// logout tells clients when a session ends (back-channel logout).
	logout *backchannel
}

// session is the browser's current sign-in.
type session struct {
	User oauth.User
	Auth oauth.Authentication
	// cookieHash is the SHA-256 of the session cookie.
	cookieHash string
}

// current returns the browser's session, if it has a live one.
func (s sessions) current(c echo.Context) (session, bool, error) {
	ck, err := c.Cookie(s.names.session)
	if err != nil || ck.Value == "" || len(ck.Value) > 100 {
		return session{}, false, nil
	}
	h := oauth.HashSecret(ck.Value)
	u, auth, err := s.store.SessionUser(c.Request().Context(), h, s.now())
	if errors.Is(err, oauth.ErrNotFound) {
		return session{}, false, nil
	}
	if err != nil {
		return session{}, false, err
	}
	if auth.SID == "" {
		// A session from before OpenID Connect has no sid or auth_time:
		// sign in again rather than issue ID tokens without them.
		return session{}, false, nil
	}
	return session{User: u, Auth: auth, cookieHash: h}, true, nil
}

// user returns the signed-in user, if any.
func (s sessions) user(c echo.Context) (oauth.User, bool, error) {
	sess, ok, err := s.current(c)
	return sess.User, ok, err
}

// start signs the user in with a fresh session id (a new id at every
// sign-in prevents session fixation). sid is the session's public id:
// kept when the same user signs in again (prompt=login, max_age), new
// otherwise. It returns the new session.
func (s sessions) start(c echo.Context, u oauth.User, sid string) (session, error) {
	id := oauth.NewSecret()
	now := s.now()
	if sid == "" {
		sid = oauth.NewSecret()[:22]
	}
	auth := oauth.Authentication{SID: sid, AuthTime: now.UTC().Truncate(time.Second)}
	h := oauth.HashSecret(id)
	if err := s.store.CreateSession(c.Request().Context(), h, u.Subject, auth, now, now.Add(sessionTTL)); err != nil {
		return session{}, err
	}
	c.SetCookie(s.cookie(id, int(sessionTTL.Seconds())))
	return session{User: u, Auth: auth, cookieHash: h}, nil
}

// end signs the user out and returns the session that ended, if any.
func (s sessions) end(c echo.Context) (session, bool, error) {
	sess, ok, err := s.current(c)
	if err != nil {
		return session{}, false, err
	}
	if ck, err := c.Cookie(s.names.session); err == nil && len(ck.Value) <= 100 {
		if err := s.store.DeleteSession(c.Request().Context(), oauth.HashSecret(ck.Value), s.now()); err != nil {
			return session{}, false, err
		}
	}
	c.SetCookie(s.cookie("", -1))
	return sess, ok, nil
}

// drop deletes one session row without ending the sign-in it belongs to
// (its sid lives on in the session that replaced it).
func (s sessions) drop(c echo.Context, old session) error {
	return s.store.DeleteSession(c.Request().Context(), old.cookieHash, s.now())
}

// bindings returns the hashes a pending request of this browser may be
// bound to: its session cookie and its pre-session cookie.
func (s sessions) bindings(c echo.Context) []string {
	var out []string
	if ck, err := c.Cookie(s.names.session); err == nil && ck.Value != "" && len(ck.Value) <= 100 {
		out = append(out, oauth.HashSecret(ck.Value))
	}
	if pre := preSession(c, s.names); pre != "" {
		out = append(out, oauth.HashSecret(pre))
	}
	return out
}

// binding returns the hash a new pending request is bound to: the live
// session's cookie, or else a pre-session cookie (set now if missing).
func (s sessions) binding(c echo.Context, sess session, signedIn bool) string {
	if signedIn {
		return sess.cookieHash
	}
	// The CSRF guard (csrf.go) has already read or set the pre-session
	// cookie for this request: one cookie binds both the form tokens and
	// the pending requests, and it is kept, so that requests open in other
	// tabs stay valid.
	id := preSession(c, s.names)
	if id == "" {
		id = oauth.NewSecret()
		ck := s.cookie(id, int(sessionTTL.Seconds()))
		ck.Name = s.names.preSession
		c.SetCookie(ck)
	}
	return oauth.HashSecret(id)
}

func (s sessions) cookie(value string, maxAge int) *http.Cookie {
	return &http.Cookie{
		Name: s.names.session, Value: value, Path: "/", MaxAge: maxAge,
		HttpOnly: true, Secure: s.secure,
		// Lax: the cookie comes along when the client redirects the browser
		// here (a top-level GET), but not on cross-site form posts.
		SameSite: http.SameSiteLaxMode,
	}
}
