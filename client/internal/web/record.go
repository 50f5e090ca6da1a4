package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
	"golang.org/x/oauth2"

	"github.com/oauthlab/oauthlab/client/internal/flow"
	"github.com/oauthlab/oauthlab/client/internal/music"
	"github.com/oauthlab/oauthlab/client/internal/store"
	"github.com/oauthlab/oauthlab/shared/dpop"
	"github.com/oauthlab/oauthlab/shared/logging"
)

// recording returns a context whose back-channel calls, made by x/oauth2 or
// by the API client, go through a fresh recorder.
func (a *App) recording(ctx context.Context) (context.Context, *flow.Recorder) {
	rec := flow.NewRecorder(a.transport)
	hc := rec.Client()
	if key := dpopKeyFrom(ctx); key != nil {
		// The proof goes on outside the recorder, so the inspector sees it.
		hc.Transport = &dpop.Transport{Key: key, Base: rec, HTU: a.publicHTU}
	}
	return context.WithValue(ctx, oauth2.HTTPClient, hc), rec
}

// stepsOf turns recorded exchanges into inspector steps.
func (a *App) stepsOf(xs []flow.Exchange) []flow.Step {
	var steps []flow.Step
	now := a.now()
	for _, x := range xs {
		proof, hasProof := flow.DPoPProof(now, x)
		switch {
		case sameEndpoint(x.URL, a.cfg.TokenURL) && x.Form.Get("grant_type") == "refresh_token":
			steps = append(steps, flow.Refresh(now, x))
			if x.Status == 0 {
				steps = append(steps, unreachable(now, "authorization server", x))
			}
		case sameEndpoint(x.URL, a.cfg.TokenURL):
			steps = append(steps, flow.TokenRequest(now, x), flow.TokenResponse(now, x))
			if x.Status == 0 {
				steps = append(steps, unreachable(now, "authorization server", x))
			}
		case sameEndpoint(x.URL, a.cfg.RevocationURL):
			steps = append(steps, flow.Revocation(now, x))
		default:
			st := flow.APICall(now, x)
			steps = append(steps, st)
			switch {
			case x.Status == 0:
				steps = append(steps, unreachable(now, "resource API", x))
			case st.Error != nil:
				steps = append(steps, flow.Failure(now, fmt.Sprintf("The API answered %d %s", x.Status, st.Error.Code),
					st.Error.Meaning, st.Error, st.Error.Link))
			}
		}
		if hasProof {
			steps = append(steps, proof)
		}
	}
	return steps
}

func unreachable(now time.Time, who string, x flow.Exchange) flow.Step {
	st := flow.Failure(now, "The "+who+" could not be reached",
		"The call to "+x.URL+" failed before any answer came ("+x.Err+"). Is the "+who+" running?", nil)
	st.Arrows[0].Label = "✗ " + who + " unreachable"
	return st
}

func sameEndpoint(a, b string) bool {
	ua, err1 := url.Parse(a)
	ub, err2 := url.Parse(b)
	return err1 == nil && err2 == nil && ua.Scheme == ub.Scheme && ua.Host == ub.Host && ua.Path == ub.Path
}

// addSteps stores steps in the session's timeline; a failure to record is
// logged, never shown: the page the learner asked for matters more.
func (a *App) addSteps(c echo.Context, sid string, steps ...flow.Step) {
	if err := a.store.AddSteps(c.Request().Context(), sid, steps...); err != nil {
		logging.From(c).Error("record steps", "err", err)
	}
}

// memoSource remembers the last token its source gave, so that the handler
// can tell whether x/oauth2 refreshed it during the request.
type memoSource struct {
	src  oauth2.TokenSource
	mu   sync.Mutex
	last *oauth2.Token
}

// latest returns the last token given, or nil.
func (m *memoSource) latest() *oauth2.Token {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.last
}

func (m *memoSource) Token() (*oauth2.Token, error) {
	t, err := m.src.Token()
	if err == nil {
		m.mu.Lock()
		m.last = t
		m.mu.Unlock()
	}
	return t, err
}

// withAPI runs fn with a resource API client that carries the session's
// access token. x/oauth2 refreshes the token first when it has expired
// (RFC 6749 §6); the new token is stored, and every call is recorded.
func (a *App) withAPI(c echo.Context, fn func(ctx context.Context, api *music.Client) error) error {
	sid, ok := a.session(c)
	if !ok {
		return notConnected()
	}
	release, err := a.claimTokens(c.Request().Context(), sid)
	if err != nil {
		return err
	}
	defer release()

	ctx, err := a.withDPoP(c.Request().Context(), sid)
	if err != nil {
		return err
	}
	ctx, rec := a.recording(ctx)
	tok, scope, err := a.store.Token(ctx, sid)
	if errors.Is(err, store.ErrNotFound) {
		return notConnected()
	}
	if err != nil {
		return err
	}
	ts := &memoSource{src: a.oauth.TokenSource(ctx, tok)}
	api := &music.Client{BaseURL: a.cfg.APIURL, HTTP: oauth2.NewClient(ctx, ts)}
	callErr := fn(ctx, api)

	steps := a.stepsOf(rec.Exchanges())
	if latest := ts.latest(); latest != nil && latest.AccessToken != tok.AccessToken {
		if pe := a.refusedTokenType(ctx, latest); pe != nil {
			a.addSteps(c, sid, append(steps, flow.Failure(a.now(), pe.Title, pe.Message, nil, pe.Links...))...)
			return errors.Join(a.store.DeleteToken(ctx, sid), pe)
		}
		// Only a request that held the claim refreshed, so the row still
		// holds tok; ErrAlreadyUsed means a disconnect deleted it since.
		if err := a.store.ReplaceToken(ctx, sid, tok, latest, scope); err != nil && !errors.Is(err, store.ErrAlreadyUsed) {
			return err
		}
		// Put the new token's view right after the refresh step.
		view := flow.DecodeAccessToken(latest.AccessToken, scope, latest.Expiry)
		for i, st := range steps {
			if st.Kind == flow.KindRefresh {
				after := append([]flow.Step{flow.AccessToken(a.now(), view, "new tokens kept server-side")}, a.refreshedIdentity(c, sid, latest)...)
				steps = append(steps[:i+1], append(after, steps[i+1:]...)...)
				break
			}
		}
	}
	a.addSteps(c, sid, steps...)
	if callErr == nil {
		return nil
	}
	return a.apiProblem(c, sid, scope, callErr)
}

// apiProblem turns an error of withAPI into a page that explains it.
func (a *App) apiProblem(c echo.Context, sid, scope string, err error) error {
	var re *oauth2.RetrieveError
	var ae *music.Error
	switch {
	case errors.As(err, &re):
		// RFC 6749 §6 and §5.2: the refresh token was refused (expired,
		// revoked, or already used). Only a new authorization helps.
		if derr := a.store.DeleteToken(c.Request().Context(), sid); derr != nil {
			return derr
		}
		info := flow.Explain(flow.FromToken, re.ErrorCode, re.ErrorDescription)
		a.addSteps(c, sid, flow.Failure(a.now(), "The refresh was refused", info.Meaning, info, flow.RFC6749Refresh))
		return &pageError{Status: http.StatusForbidden, Title: "Your connection has ended",
			Message: "The access token expired and the authorization server refused to renew it, so the app has forgotten it.",
			Detail:  info, Hint: "Connect again to give the app a new authorization.", Links: []flow.Link{flow.RFC6749Refresh},
			Reconnect: splitOrDefault(scope)}
	case errors.As(err, &ae):
		info := flow.Explain(flow.FromResource, ae.Code, ae.Description)
		pe := &pageError{Status: http.StatusBadGateway, Title: fmt.Sprintf("The music API answered %d", ae.Status),
			Message: "The resource API refused the request.", Detail: info, Links: []flow.Link{flow.RFC6750Errors}}
		switch {
		case ae.Status == http.StatusForbidden && ae.Code == "insufficient_scope":
			pe.Status = http.StatusForbidden
			pe.Title = "Permission missing"
			need := ae.Scope
			if need == "" {
				need = "a scope the app did not ask for"
			}
			pe.Message = "The access token is valid, but it lacks the permission this page needs: " + need + "."
			pe.Hint = "Connect again and tick the missing permission. Your token allows: " + orNone(scope) + "."
			pe.Reconnect = append(splitOrDefault(scope), scopesIn(ae.Scope)...)
		case ae.Status == http.StatusUnauthorized:
			pe.Status = http.StatusForbidden
			pe.Title = "The API did not accept the access token"
			pe.Message = "The resource API refused the access token (" + orNone(ae.Code) + "): it may have been revoked, or it is not meant for this API."
			pe.Hint = "Connect again to get a new token."
			pe.Reconnect = splitOrDefault(scope)
		case ae.Status == http.StatusNotFound:
			pe.Status = http.StatusNotFound
			pe.Title = "Not found"
			pe.Message = "The music API has no such item (or it belongs to someone else)."
		case ae.Status == http.StatusBadRequest || ae.Status == http.StatusUnprocessableEntity || ae.Status == http.StatusConflict:
			pe.Status = http.StatusBadRequest
			pe.Title = "The music API did not accept that"
			pe.Message = "The resource API refused the input: " + orNone(ae.Description)
		}
		return pe
	}
	if errors.Is(err, music.ErrUnreadable) {
		logging.From(c).Warn("unreadable API answer", "err", err)
		return &pageError{Status: http.StatusBadGateway, Title: "The music API sent something unexpected",
			Message: "The resource API answered, but not with the JSON it documents, so the app could not read it.",
			Hint:    "The inspector shows the answer."}
	}
	// No answer at all: a network failure to the token endpoint (during a
	// refresh) or to the API.
	who := "resource API"
	if xs := a.lastFailed(err); xs != "" {
		who = xs
	}
	logging.From(c).Warn("back-channel call failed", "err", err)
	return &pageError{Status: http.StatusBadGateway, Title: "The " + who + " could not be reached",
		Message: "The app could not reach the " + who + ". Is it running?",
		Hint:    "The inspector shows the failed call."}
}

func (a *App) lastFailed(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		if sameEndpoint(ue.URL, a.cfg.TokenURL) {
			return "authorization server"
		}
	}
	if strings.Contains(err.Error(), a.cfg.TokenURL) {
		return "authorization server"
	}
	return ""
}

func notConnected() error {
	return &pageError{Status: http.StatusForbidden, Title: "Not connected",
		Message:   "This page shows your music, and the app has no access to it yet.",
		Hint:      "Connect your music account first: you will sign in at the authorization server, not here.",
		Reconnect: defaultScopes()}
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}
