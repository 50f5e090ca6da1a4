package web

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/oauthlab/oauthlab/client/internal/flow"
)

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
	p.Data = struct {
		Steps   []flow.Step
		Diagram flow.Diagram
	}{steps, flow.Layout(steps)}
	return a.render(c, http.StatusOK, "inspector.html", p)
}
