package web

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/oauthlab/oauthlab/client/internal/flow"
)

// connection is what the session holds right now.
type connection struct {
	Scope      string
	Expiry     time.Time
	HasRefresh bool
}

// handleInspector shows the session's timeline and the sequence diagram
// drawn from it.
func (a *App) handleInspector(c echo.Context) error {
	p, sid := a.basePage(c, "Flow inspector", "inspector")
	var steps []flow.Step
	if sid != "" {
		var err error
		if steps, err = a.store.Steps(c.Request().Context(), sid); err != nil {
			return err
		}
	}
	var conn *connection
	if sid != "" {
		if tok, scope, err := a.store.Token(c.Request().Context(), sid); err == nil {
			conn = &connection{Scope: scope, Expiry: tok.Expiry, HasRefresh: tok.RefreshToken != ""}
		}
	}
	p.Data = struct {
		Steps      []flow.Step
		Diagram    flow.Diagram
		Connection *connection
	}{steps, flow.Layout(steps), conn}
	return a.render(c, http.StatusOK, "inspector.html", p)
}
