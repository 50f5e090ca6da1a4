package web

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/oauthlab/oauthlab/authserver/internal/oauth"
)

// PendingStore keeps checked authorization requests on the server while
// the user signs in and answers the consent page. The browser carries only
// the request's random id (the `request` form field), stored as its
// SHA-256; the row is bound to the browser by the hash of one of its
// cookies, so an id copied into another browser is useless.
type PendingStore interface {
	SavePendingRequest(ctx context.Context, idHash, binding string, r oauth.AuthorizeRequest, now, expires time.Time) error
	// PendingRequest returns ErrNotFound when the request does not exist,
	// expired or was already answered.
	PendingRequest(ctx context.Context, idHash string, now time.Time) (oauth.AuthorizeRequest, string, error)
	BindPendingRequest(ctx context.Context, idHash, binding string, signedInAt time.Time) error
	// ConsumePendingRequest returns ErrAlreadyUsed when another call
	// consumed the request first.
	ConsumePendingRequest(ctx context.Context, idHash string, now time.Time) error
}

// pendingTTL is how long the user has to sign in and answer.
const pendingTTL = 10 * time.Minute

// requestField is the form field (and query parameter) with the pending
// request's id.
const requestField = "request"

// savePending stores req for this browser and returns its id.
func (s sessions) savePending(c echo.Context, req oauth.AuthorizeRequest, sess session, signedIn bool) (string, error) {
	id := oauth.NewSecret()
	now := s.now()
	binding := s.binding(c, sess, signedIn)
	if err := s.store.SavePendingRequest(c.Request().Context(), oauth.HashSecret(id), binding, req, now, now.Add(pendingTTL)); err != nil {
		return "", err
	}
	return id, nil
}

// loadPending finds this browser's pending request. When it is missing,
// expired, answered or bound to another browser, it renders a page that
// says so and returns ok false with the render's error.
func (s sessions) loadPending(c echo.Context, id string) (req oauth.AuthorizeRequest, ok bool, err error) {
	if id == "" || len(id) > 100 {
		return req, false, renderError(c, http.StatusBadRequest, "This page needs a sign-in request. Go back to the app and start again.")
	}
	req, binding, err := s.store.PendingRequest(c.Request().Context(), oauth.HashSecret(id), s.now())
	if errors.Is(err, oauth.ErrNotFound) {
		return req, false, renderError(c, http.StatusBadRequest,
			"This sign-in request has expired or was already answered. Go back to the app and start again.")
	}
	if err != nil {
		return req, false, err
	}
	if !slices.Contains(s.bindings(c), binding) {
		// The id was made for another browser: someone may be trying to
		// have this user answer their request.
		return req, false, renderError(c, http.StatusForbidden,
			"This sign-in request was started in another browser. Go back to the app in this browser and start again.")
	}
	return req, true, nil
}
