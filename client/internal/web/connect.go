package web

import (
	"crypto/rand"
	"net/http"
	"slices"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/labstack/echo/v4"
	"golang.org/x/oauth2"

	"github.com/oauthlab/oauthlab/client/internal/flow"
	"github.com/oauthlab/oauthlab/client/internal/store"
	"github.com/oauthlab/oauthlab/shared/scopes"
)

// handleConnect starts the Authorization Code flow: it remembers a fresh
// state and PKCE verifier in the session and redirects the browser to the
// authorization server (RFC 6749 §4.1.1).
func (a *App) handleConnect(c echo.Context) error {
	form, err := c.FormParams()
	if err != nil {
		return &pageError{Status: http.StatusBadRequest, Title: "Bad request", Message: "The form could not be read."}
	}
	var asked []string
	for _, s := range form["scope"] {
		sc, ok := scopes.Lookup(s)
		if (!ok || !sc.UserData) && !scopes.IsOpenIDConnect(s) {
			return &pageError{Status: http.StatusBadRequest, Title: "Unknown permission",
				Message: "The app does not know the permission " + s + ".", Reconnect: defaultScopes()}
		}
		if !slices.Contains(asked, s) {
			asked = append(asked, s)
		}
	}

	sid, err := a.ensureSession(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	// A new flow, a new timeline.
	if err := a.store.ClearSteps(ctx, sid); err != nil {
		return err
	}

	// RFC 6749 §10.12: a fresh, unguessable state per attempt binds the
	// answer to this browser session. RFC 7636 §4.1: a fresh verifier too.
	state := rand.Text()
	verifier := oauth2.GenerateVerifier()
	// RFC 7636 §4.2-4.3: send only the S256 challenge; the verifier stays here.
	opts := []oauth2.AuthCodeOption{oauth2.S256ChallengeOption(verifier)}
	var nonce string
	if slices.Contains(asked, scopes.OpenID) {
		// OIDC Core §3.1.2.1: a fresh nonce per attempt, kept server-side;
		// the ID token must carry it back (checked at the callback).
		nonce = rand.Text()
		opts = append(opts, oidc.Nonce(nonce))
	}
	dpopOpts, err := a.newDPoPKey(ctx, sid)
	if err != nil {
		return err
	}
	opts = append(opts, dpopOpts...)
	if err := a.store.SaveAttempt(ctx, sid, store.Attempt{
		State: state, Verifier: verifier, Scope: scopes.Join(asked), Nonce: nonce, CreatedAt: a.now(),
	}); err != nil {
		return err
	}

	conf := *a.oauth
	conf.Scopes = asked
	authURL := conf.AuthCodeURL(state, opts...)
	st := flow.AuthorizationRequest(a.now(), authURL, verifier)
	if nonce != "" {
		st.Title += ", and asks it, as OpenID Provider, to sign you in"
		st.Links = append(st.Links, flow.OIDCCoreAuthRequest)
	}
	a.addSteps(c, sid, st)

	if a.cfg.UsePAR {
		// RFC 9126: push the request over the back channel; the browser
		// carries only its reference.
		rctx, rec := a.recording(ctx)
		front, err := a.pushAuthorizationRequest(rctx, authURL)
		for _, x := range rec.Exchanges() {
			a.addSteps(c, sid, flow.PushedRequest(a.now(), x))
		}
		if err != nil {
			return &pageError{Status: http.StatusBadGateway, Title: "The authorization server refused the request",
				Message: err.Error(), Reconnect: asked}
		}
		a.addSteps(c, sid, flow.FrontChannelRequest(a.now(), front))
		authURL = front
	}

	// 303 See Other: the browser follows it with a GET, as /authorize expects.
	return c.Redirect(http.StatusSeeOther, authURL)
}
