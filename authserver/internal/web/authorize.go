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

// handleAuthorize is the authorization endpoint (RFC 6749 §3.1, §4.1.1):
// check the request, make sure the user is signed in, ask for consent when
// needed, and send the browser back to the client with a code.
func handleAuthorize(s *oauth.Server, sess sessions) echo.HandlerFunc {
	return func(c echo.Context) error {
		ctx := c.Request().Context()
		req, err := s.CheckAuthorize(ctx, c.QueryParams())
		if err != nil {
			return authorizeError(c, s, req, err, http.StatusFound)
		}
		user, signedIn, err := sess.user(c)
		if err != nil {
			return authorizeError(c, s, req, err, http.StatusFound)
		}
		if !signedIn {
			if slices.Contains(req.Prompt, "none") {
				return authorizeError(c, s, req, oauth.ErrLoginRequired(), http.StatusFound)
			}
			return c.Redirect(http.StatusFound, loginURL(req))
		}
		need, err := s.ConsentNeeded(ctx, req, user.Subject)
		if err != nil {
			return authorizeError(c, s, req, err, http.StatusFound)
		}
		if !need {
			// The user already granted these scopes: no second consent screen.
			code, err := s.IssueCode(ctx, req, user.Subject)
			if err != nil {
				return authorizeError(c, s, req, err, http.StatusFound)
			}
			return c.Redirect(http.StatusFound, s.SuccessRedirect(req, code))
		}
		if slices.Contains(req.Prompt, "none") {
			return authorizeError(c, s, req, oauth.ErrConsentRequired(), http.StatusFound)
		}
		return renderConsent(c, req, user)
	}
}

// loginURL sends the user to sign in, then back to the same request.
func loginURL(req oauth.AuthorizeRequest) string {
	return "/login?" + url.Values{"return_to": {"/authorize?" + req.Params().Encode()}}.Encode()
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

type scopeView struct{ Name, Description string }

func describeScopes(list []string) []scopeView {
	out := make([]scopeView, 0, len(list))
	for _, name := range list {
		sc, ok := scopes.Lookup(name)
		if !ok {
			sc = scopes.Scope{Name: name, Description: name}
		}
		out = append(out, scopeView{sc.Name, sc.Description})
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

func renderConsent(c echo.Context, req oauth.AuthorizeRequest, user oauth.User) error {
	return render(c, http.StatusOK, "consent", map[string]any{
		"Title":    "Allow access?",
		"Client":   newClientView(req),
		"UserName": user.DisplayName,
		"Scopes":   describeScopes(req.Scopes),
		"Params":   req.Params(),
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
