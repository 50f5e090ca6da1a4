package web

import (
	"context"
	"errors"
	"mime"
	"net/http"
	"net/url"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/oauthlab/oauthlab/client/internal/config"
	"github.com/oauthlab/oauthlab/client/internal/lab"
	"github.com/oauthlab/oauthlab/shared/logging"
)

// labRunner is what the lab's handlers need of package lab.
type labRunner interface {
	Scenarios() []lab.Scenario
	Run(ctx context.Context, id string) (lab.Result, error)
}

// newLab points the attack lab at the actors this client talks to. The
// authorization server's back-channel base is the token endpoint's, since
// the lab runs inside this process (under compose, inside its container).
// It returns nil when CLIENT_LAB is false.
func newLab(cfg config.Config, transport http.RoundTripper) labRunner {
	if !cfg.Lab {
		return nil
	}
	return lab.New(lab.Env{
		Issuer:      cfg.Issuer,
		AuthServer:  strings.TrimSuffix(cfg.TokenURL, "/token"),
		API:         cfg.APIURL,
		APIPublic:   cfg.APIPublicURL,
		PodcastsAPI: cfg.PodcastsURL,
		Client:      cfg.URL,
		ClientID:    cfg.ClientID,
		Transport:   transport,
	})
}

func origin(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	return u.Scheme + "://" + u.Host
}

// wantsJSON reports whether the caller asked for the machine-readable
// answer.
func wantsJSON(c echo.Context) bool {
	return strings.Contains(c.Request().Header.Get(echo.HeaderAccept), echo.MIMEApplicationJSON)
}

// labScenario is a scenario as the list shows it.
type labScenario struct {
	ID     string `json:"id"`
	Number int    `json:"number"`
	Title  string `json:"title"`
	Status string `json:"status"`
	Rule   string `json:"rule,omitempty"`
	Needs  string `json:"needs,omitempty"`
}

// labPage is what lab.html shows.
type labPage struct {
	Scenarios []lab.Scenario
	Ran       *lab.Scenario
	Result    *lab.Result
	// FrameURL is the authorization server's sign-in page, framed by the
	// clickjacking scenario so the browser can refuse it in front of you.
	FrameURL string
}

// handleLab lists the scenarios: a page, or with Accept: application/json
// the ids and their status.
func (a *App) handleLab(c echo.Context) error {
	if wantsJSON(c) {
		var list []labScenario
		for _, s := range a.lab.Scenarios() {
			list = append(list, labScenario{ID: s.ID, Number: s.Number, Title: s.Title, Status: s.Status, Rule: s.Rule.Key, Needs: s.Needs})
		}
		return c.JSON(http.StatusOK, map[string]any{"scenarios": list})
	}
	return a.renderLab(c, http.StatusOK, labPage{})
}

func (a *App) renderLab(c echo.Context, status int, data labPage) error {
	data.Scenarios = a.lab.Scenarios()
	data.FrameURL = origin(a.cfg.AuthorizeURL) + "/login"
	// The page frames the authorization server on purpose (scenario 12):
	// allow that in this page's own policy, so that what stops the frame is
	// the authorization server's frame-ancestors, not ours.
	h := c.Response().Header()
	h.Set("Content-Security-Policy", strings.Replace(h.Get("Content-Security-Policy"),
		"default-src 'none';", "default-src 'none'; frame-src "+origin(a.cfg.AuthorizeURL)+";", 1))
	p, _ := a.basePage(c, "Attack lab", "lab")
	p.Data = data
	return a.render(c, status, "lab.html", p)
}

// handleLabRun runs one scenario against the real system. A form post from
// the lab page passes the app's cross-origin check like every form; a JSON
// run must say Content-Type: application/json, which no HTML form can send
// and which a cross-origin script cannot send without a CORS preflight that
// this app never answers.
func (a *App) handleLabRun(c echo.Context) error {
	id := c.Param("id")
	s, ok := lab.Find(id)
	asJSON := wantsJSON(c)
	if asJSON {
		mt, _, _ := mime.ParseMediaType(c.Request().Header.Get(echo.HeaderContentType))
		if mt != echo.MIMEApplicationJSON {
			return c.JSON(http.StatusUnsupportedMediaType, map[string]string{"error": "a JSON run needs Content-Type: application/json"})
		}
	}
	if !ok {
		if asJSON {
			return c.JSON(http.StatusNotFound, map[string]string{"error": "no such scenario"})
		}
		return echo.ErrNotFound
	}
	res, err := a.lab.Run(c.Request().Context(), id)
	if errors.Is(err, lab.ErrNotReady) {
		if asJSON {
			return c.JSON(http.StatusConflict, map[string]string{"error": "this scenario is coming: it needs " + s.Needs})
		}
		return &pageError{Status: http.StatusConflict, Title: "Not yet", Message: "This scenario needs " + s.Needs + "."}
	}
	if err != nil {
		logging.From(c).Warn("lab run failed", "scenario", id, "err", err)
		if asJSON {
			return c.JSON(http.StatusBadGateway, map[string]string{"error": err.Error()})
		}
		return &pageError{Status: http.StatusBadGateway, Title: "The attack could not run",
			Message: "The lab could not reach the authorization server or the API: " + err.Error()}
	}
	if asJSON {
		return c.JSON(http.StatusOK, res)
	}
	return a.renderLab(c, http.StatusOK, labPage{Ran: &s, Result: &res})
}

// handleLabRules lists every rule of the generated index with the line
// that enforces it.
func (a *App) handleLabRules(c echo.Context) error {
	p, _ := a.basePage(c, "Rules the system enforces", "lab")
	p.Data = lab.Rules()
	return a.render(c, http.StatusOK, "labrules.html", p)
}

// ruleLink is the rules page's anchor for the spec section a step's link
// label names ("RFC 9207 §2.4: Validating the issuer", "OpenID Connect Core
// §3.1.3.7: ..."), or "" when no line of our code is tagged with it.
// It reads only the generated rule table, never a scenario.
func ruleLink(label string) string {
	key, _, _ := strings.Cut(label, ":")
	if rest, ok := strings.CutPrefix(key, "OpenID Connect "); ok {
		key = "OIDC " + rest
	}
	if !lab.Enforced(key) {
		return ""
	}
	return "/lab/rules#" + lab.Anchor(key)
}
