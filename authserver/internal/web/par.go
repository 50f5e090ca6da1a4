package web

import (
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/oauthlab/oauthlab/authserver/internal/oauth"
)

// pushedBinding is the binding of a pushed request until /authorize takes
// it: it matches no browser's cookie hash, so a request_uri's id can never
// be used as a pending request's `request` field.
const pushedBinding = "pushed"

// parResponse is the pushed authorization response (RFC 9126 §2.2).
type parResponse struct {
	RequestURI string `json:"request_uri"`
	ExpiresIn  int64  `json:"expires_in"`
}

// handlePAR is the pushed authorization request endpoint (RFC 9126 §2):
// the client authenticates as at /token, the request is checked as
// /authorize checks it, and it is kept (hashed id, 60 s, single use) for
// the browser to bring back by its request_uri. A DPoP proof sent with the
// push binds the code to the proof's key (RFC 9449 §10.1).
func handlePAR(s *oauth.Server, auth clientAuth, pending PendingStore, dp *dpopCheck) echo.HandlerFunc {
	return func(c echo.Context) error {
		client, form, err := auth.authenticate(c)
		if err != nil {
			return err
		}
		ctx := c.Request().Context()
		req, err := s.CheckPushedRequest(ctx, client, form)
		if err != nil {
			return err
		}
		jkt, err := dp.proofKey(c, "/par")
		if err != nil {
			return err
		}
		if jkt != "" {
			// RFC 9449 §10.1: a proof at /par binds the code to its key, like dpop_jkt; both must name the same key.
			if req.DPoPJKT != "" && req.DPoPJKT != jkt {
				return oauth.ErrInvalidDPoPProof("dpop_jkt does not match the key of the DPoP proof")
			}
			req.DPoPJKT = jkt
		}
		id := oauth.NewSecret()
		now := s.Now()
		if err := pending.SavePendingRequest(ctx, oauth.HashSecret(id), pushedBinding, req, now, now.Add(oauth.PushedRequestTTL)); err != nil {
			return err
		}
		noStore(c) // RFC 9126 §2.2: like a token response, never cached
		return c.JSON(http.StatusCreated, parResponse{
			RequestURI: oauth.RequestURIPrefix + id,
			ExpiresIn:  int64(oauth.PushedRequestTTL.Seconds()),
		})
	}
}

// pushedRequest takes the pushed request an /authorize?request_uri=...
// names: once, before it expires, and only for the client that pushed it
// (RFC 9126 §4). Every other parameter of the front-channel request is
// ignored. Errors leave the request unverified, so they are shown on a
// page: the redirect URI is not known until the request is.
func pushedRequest(c echo.Context, s *oauth.Server, pending PendingStore) (oauth.AuthorizeRequest, error) {
	q := c.QueryParams()
	for _, name := range []string{"client_id", "request_uri"} {
		// RFC 6749 §3.1: request parameters MUST NOT be included more than once.
		if len(q[name]) > 1 {
			return oauth.AuthorizeRequest{}, oauth.ErrInvalidRequest(name + " is repeated")
		}
	}
	// RFC 9126 §4: client_id is still required beside the request_uri.
	clientID := q.Get("client_id")
	if clientID == "" {
		return oauth.AuthorizeRequest{}, oauth.ErrInvalidRequest("client_id is missing")
	}
	id, ok := oauth.PushedRequestID(q.Get("request_uri"))
	if !ok {
		return oauth.AuthorizeRequest{}, oauth.ErrInvalidRequestURI("request_uri was not issued by this server")
	}
	ctx := c.Request().Context()
	hash := oauth.HashSecret(id)
	req, binding, err := pending.PendingRequest(ctx, hash, s.Now())
	if errors.Is(err, oauth.ErrNotFound) {
		return oauth.AuthorizeRequest{}, oauth.ErrInvalidRequestURI("request_uri is unknown, expired or already used")
	}
	if err != nil {
		return oauth.AuthorizeRequest{}, err
	}
	// RFC 9126 §4: the request_uri is bound to the client that pushed it.
	if binding != pushedBinding || req.Client.ID != clientID {
		return oauth.AuthorizeRequest{}, oauth.ErrInvalidRequestURI("request_uri is unknown, expired or already used")
	}
	// RFC 9126 §4: a request_uri is used once, even under races.
	if err := pending.ConsumePendingRequest(ctx, hash, s.Now()); err != nil {
		if errors.Is(err, oauth.ErrAlreadyUsed) {
			return oauth.AuthorizeRequest{}, oauth.ErrInvalidRequestURI("request_uri is unknown, expired or already used")
		}
		return oauth.AuthorizeRequest{}, err
	}
	return req, nil
}
