package web

import (
	"net/http"
	"net/url"
	"slices"

	"github.com/labstack/echo/v4"

	"github.com/oauthlab/oauthlab/authserver/internal/oauth"
	"github.com/oauthlab/oauthlab/shared/logging"
	"github.com/oauthlab/oauthlab/shared/scopes"
)

// handleAuthorize is the authorization endpoint (RFC 6749 §3.1, §4.1.1,
// OIDC Core §3.1.2): check the request once, and either answer it at once
// (signed in, consent already given) or keep it on the server as a pending
// request and send the browser to sign in or to the consent page with only
// its id.
func handleAuthorize(s *oauth.Server, sess sessions) echo.HandlerFunc {
	return func(c echo.Context) error {
		ctx := c.Request().Context()
		check := func() (oauth.AuthorizeRequest, error) { return s.CheckAuthorize(ctx, c.QueryParams()) }
		if c.QueryParams().Has("request_uri") {
			// RFC 9126 §4: the request was pushed to /par.
			check = func() (oauth.AuthorizeRequest, error) { return pushedRequest(c, s, sess.store) }
		}
		req, err := check()
		if err != nil {
			return authorizeError(c, s, req, err, http.StatusFound)
		}
		cur, signedIn, err := sess.current(c)
		if err != nil {
			return authorizeError(c, s, req, err, http.StatusFound)
		}
		promptNone := slices.Contains(req.Prompt, "none")
		loginNeeded := s.LoginNeeded(req, signedIn, cur.User.Subject, cur.Auth.AuthTime)
		if loginNeeded && promptNone {
			// OIDC Core §3.1.2.6: prompt=none shows no page; the user would
			// have to sign in (or as another user, for an id_token_hint).
			return authorizeError(c, s, req, oauth.ErrLoginRequired(), http.StatusFound)
		}
		if !loginNeeded {
			need, err := s.ConsentNeeded(ctx, req, cur.User.Subject)
			if err != nil {
				return authorizeError(c, s, req, err, http.StatusFound)
			}
			if !need {
				// The user already granted these scopes: no second consent screen.
				return completeAuthorization(c, s, sess, req, cur, false, http.StatusFound)
			}
			if promptNone {
				// OIDC Core §3.1.2.6: consent would have to be asked.
				return authorizeError(c, s, req, oauth.ErrConsentRequired(), http.StatusFound)
			}
		}
		id, err := sess.savePending(c, req, cur, signedIn)
		if err != nil {
			return authorizeError(c, s, req, err, http.StatusFound)
		}
		if loginNeeded {
			return c.Redirect(http.StatusFound, loginURL(id))
		}
		return renderConsent(c, s, req, cur.User, id)
	}
}

// loginURL sends the user to sign in for a pending request.
func loginURL(requestID string) string {
	return "/login?" + url.Values{requestField: {requestID}}.Encode()
}

// consentURL continues a pending request after sign-in.
func consentURL(requestID string) string {
	return "/consent?" + url.Values{requestField: {requestID}}.Encode()
}

// completeAuthorization issues the code (recording consent when approved)
// and redirects to the client. A code for an OpenID Connect request also
// records that the session signed in to the client, for back-channel
// logout.
func completeAuthorization(c echo.Context, s *oauth.Server, sess sessions, req oauth.AuthorizeRequest, cur session, approved bool, status int) error {
	ctx := c.Request().Context()
	issue := s.IssueCode
	if approved {
		issue = s.Approve
	}
	code, err := issue(ctx, req, cur.User.Subject, cur.Auth)
	if err != nil {
		return authorizeError(c, s, req, err, status)
	}
	if req.OpenID() {
		err := sess.store.AddSessionClient(ctx, cur.Auth.SID, req.Client.ID, cur.User.Subject, s.Now().Add(sessionTTL))
		if err != nil {
			return authorizeError(c, s, req, err, status)
		}
	}
	return c.Redirect(status, s.SuccessRedirect(req, code))
}

// authorizeError answers an authorization request that failed. RFC 6749
// §4.1.2.1: if the client or redirect URI is wrong, tell the user and do
// not redirect (an attacker could otherwise use this server as an open
// redirector); after that, send the error to the client.
func authorizeError(c echo.Context, s *oauth.Server, req oauth.AuthorizeRequest, err error, redirectStatus int) error {
	oe, ok := oauth.AsError(err)
	if !ok {
		logging.From(c).Error("authorize", "err", err)
		oe = oauth.ErrServer("the authorization server failed; try again")
	}
	if !req.Verified {
		status := oe.Status
		if status != http.StatusInternalServerError {
			status = http.StatusBadRequest
		}
		return renderError(c, status, "This app sent an invalid request: "+oe.Description+".")
	}
	if req.ErrorsWaitForSignIn() && !signedIn(c) {
		// RFC 9700 §4.11.2: an unverified client's error goes to its redirect URI only after the user authenticated.
		return renderError(c, http.StatusBadRequest, "The app \""+req.Client.Name+"\" is unverified (anyone can register an app here) and sent an invalid request: "+
			oe.Description+". You were not sent on to "+oauth.RedirectHost(req.RedirectURI)+".")
	}
	return c.Redirect(redirectStatus, s.ErrorRedirect(req, oe))
}

type scopeView struct {
	Name, Description string
	// API is the name of the protected resource the scope is for (empty
	// for OpenID Connect scopes).
	API string
	// OpenIDConnect marks the scopes that are about signing in and the
	// user's identity rather than the music API.
	OpenIDConnect bool
}

func describeScopes(s *oauth.Server, list []string) []scopeView {
	out := make([]scopeView, 0, len(list))
	for _, name := range list {
		sc, ok := s.LookupScope(name)
		if !ok {
			sc = scopes.Scope{Name: name, Description: name}
		}
		res, _ := s.ScopeResource(name)
		out = append(out, scopeView{Name: sc.Name, Description: sc.Description, API: res.Name, OpenIDConnect: scopes.IsOpenIDConnect(name)})
	}
	return out
}

// clientView is what the sign-in and consent pages show of the client:
// its name, whether anyone could have chosen that name (a client that
// registered itself may call itself "Music Stats (demo client)"), and the
// host the user will be sent to, which no name can fake.
type clientView struct {
	Name, ID, RedirectHost string
	Unverified             bool
}

func newClientView(req oauth.AuthorizeRequest) clientView {
	host := req.RedirectURI
	if u, err := url.Parse(req.RedirectURI); err == nil {
		host = u.Host
	}
	return clientView{Name: req.Client.Name, ID: req.Client.ID, RedirectHost: host, Unverified: req.Client.Unverified()}
}

func renderConsent(c echo.Context, s *oauth.Server, req oauth.AuthorizeRequest, user oauth.User, requestID string) error {
	return render(c, http.StatusOK, "consent", map[string]any{
		"Title":     "Allow access?",
		"Client":    newClientView(req),
		"UserName":  user.DisplayName,
		"Scopes":    describeScopes(s, req.Scopes),
		"RequestID": requestID,
	})
}

// signedIn reports whether the request comes from a signed-in user; a
// failed look-up counts as not signed in.
func signedIn(c echo.Context) bool {
	sess, ok := c.Get(sessionsKey).(sessions)
	if !ok {
		return false
	}
	_, in, err := sess.user(c)
	return in && err == nil
}
