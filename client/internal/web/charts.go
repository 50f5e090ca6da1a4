package web

import (
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"
	"golang.org/x/oauth2"

	"github.com/oauthlab/oauthlab/client/internal/flow"
	"github.com/oauthlab/oauthlab/client/internal/music"
	"github.com/oauthlab/oauthlab/shared/scopes"
)

type chartsData struct {
	Fetched  bool
	Charts   music.Charts
	ClientID string
}

// handleChartsPage explains the client credentials grant and offers to run it.
func (a *App) handleChartsPage(c echo.Context) error {
	p, _ := a.basePage(c, "Charts (client credentials)", "charts")
	p.Data = chartsData{ClientID: a.cfg.MachineClientID}
	return a.render(c, http.StatusOK, "charts.html", p)
}

// handleCharts runs the client credentials grant (RFC 6749 §4.4) as the
// machine client and reads the charts; every step goes to the inspector.
func (a *App) handleCharts(c echo.Context) error {
	sid, err := a.ensureSession(c)
	if err != nil {
		return err
	}
	ctx, rec := a.recording(c.Request().Context())
	charts, tok, fresh, err := a.machine.Charts(ctx, a.cfg, httpClientFrom(ctx), a.now)
	steps := a.stepsOf(rec.Exchanges())
	if tok != nil {
		view := flow.DecodeAccessToken(tok.AccessToken, scopes.ChartsRead, tok.Expiry)
		if !fresh {
			// No token request this time: the machine token is reused until
			// shortly before it expires, like any client credentials token.
			steps = append([]flow.Step{flow.AccessToken(a.now(), view, "machine token reused until shortly before it expires")}, steps...)
		}
		// Show a new machine token right after its token response.
		for i, st := range steps {
			if fresh && st.Kind == flow.KindTokenResponse {
				steps = append(steps[:i+1], append([]flow.Step{flow.AccessToken(a.now(), view, "kept in memory, reused until shortly before it expires")}, steps[i+1:]...)...)
				break
			}
		}
	}
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		info := flow.Explain(flow.FromToken, re.ErrorCode, re.ErrorDescription)
		steps = append(steps, flow.Failure(a.now(), "The machine client got no token", info.Meaning, info, flow.RFC6749TokenError))
	}
	a.addSteps(c, sid, steps...)
	if err != nil {
		if re != nil {
			return &pageError{Status: http.StatusBadGateway, Title: "The machine client got no token",
				Message: "The authorization server refused the client credentials request: " + orNone(re.ErrorCode) + ".",
				Detail:  flow.Explain(flow.FromToken, re.ErrorCode, re.ErrorDescription), Links: []flow.Link{flow.RFC6749ClientCreds}}
		}
		return a.apiProblem(c, sid, "", err)
	}
	p, _ := a.basePage(c, "Charts (client credentials)", "charts")
	p.Data = chartsData{Fetched: true, Charts: charts, ClientID: a.cfg.MachineClientID}
	return a.render(c, http.StatusOK, "charts.html", p)
}
