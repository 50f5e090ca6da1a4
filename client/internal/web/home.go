package web

import (
	"net/http"
	"slices"

	"github.com/labstack/echo/v4"

	"github.com/oauthlab/oauthlab/shared/contract"
	"github.com/oauthlab/oauthlab/shared/scopes"
)

// scopeChoice is one checkbox of the scope picker.
type scopeChoice struct {
	Name, Description string
	Checked           bool
	OpenIDConnect     bool // an OpenID Connect scope rather than the music API's
}

// userScopes are the scopes a person can grant this app: the user-data
// scopes of the resource API (charts:read is for machine clients).
func userScopes() []scopes.Scope {
	var out []scopes.Scope
	for _, s := range scopes.All {
		if s.UserData {
			out = append(out, s)
		}
	}
	return out
}

// defaultScopes are the scopes an error page's "connect again" ticks when
// nothing better is known: the music API's and OpenID Connect's. The home
// page ticks CLIENT_SCOPES instead.
func defaultScopes() []string {
	return append(slices.Clone(contract.WebClient.Scopes), scopes.OpenID, scopes.Profile, scopes.Email, scopes.OfflineAccess)
}

func splitOrDefault(scope string) []string {
	if list := scopes.Parse(scope); len(list) > 0 {
		return list
	}
	return defaultScopes()
}

// scopesIn returns the known scopes of a space-separated list.
func scopesIn(s string) []string {
	var out []string
	for _, name := range scopes.Parse(s) {
		if _, ok := scopes.Lookup(name); ok {
			out = append(out, name)
		}
	}
	return out
}

func choices(checked []string) []scopeChoice {
	var out []scopeChoice
	for _, s := range userScopes() {
		out = append(out, scopeChoice{Name: s.Name, Description: s.Description, Checked: slices.Contains(checked, s.Name)})
	}
	for _, s := range scopes.OpenIDConnect {
		out = append(out, scopeChoice{Name: s.Name, Description: s.Description, Checked: slices.Contains(checked, s.Name), OpenIDConnect: true})
	}
	return out
}

// handleHome explains what is about to happen and offers to connect.
func (a *App) handleHome(c echo.Context) error {
	p, _ := a.basePage(c, "Home", "home")
	checked := a.cfg.Scopes
	if p.Connected {
		checked = scopes.Parse(p.Scope)
	}
	p.Data = struct {
		Choices               []scopeChoice
		AuthServer, API       string
		ClientID, RedirectURI string
	}{choices(checked), a.cfg.Issuer, a.cfg.APIURL, a.cfg.ClientID, a.cfg.RedirectURI()}
	return a.render(c, http.StatusOK, "home.html", p)
}

// handleHealthz answers 200 once the database answers.
func (a *App) handleHealthz(c echo.Context) error {
	if err := a.store.Ping(c.Request().Context()); err != nil {
		return c.String(http.StatusServiceUnavailable, "database unavailable\n")
	}
	return c.String(http.StatusOK, "ok\n")
}
