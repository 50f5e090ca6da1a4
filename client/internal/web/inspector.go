package web

import (
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/oauthlab/oauthlab/client/internal/flow"
	"github.com/oauthlab/oauthlab/client/internal/store"
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
	p.Data = inspectorData{Steps: steps, Diagram: flow.Layout(steps), Connection: conn}
	return a.render(c, http.StatusOK, "inspector.html", p)
}

// inspectorData is what inspector.html shows.
type inspectorData struct {
	Steps      []flow.Step
	Diagram    flow.Diagram
	Connection *connection
	Run        bool // a command-line run, not the browser's session
}

// handleInspectorRun shows the steps of one command-line run (`client
// device`, `client charts -auth private_key_jwt`), read-only, with the
// same masking as the browser's timeline (it happened when recording).
//
// The id in the address is a bearer capability: whoever has it may read
// the run. That is why it is 256 random bits, stored only as its SHA-256
// hash, printed only to the terminal that ran the command, and why an
// unknown id gets the same 404 as a mistyped one.
func (a *App) handleInspectorRun(c echo.Context) error {
	id := c.Param("id")
	// The access log writes the request's path: keep the capability out of it.
	c.Request().URL.Path = "/inspector/runs/:id"
	notFound := &pageError{Status: http.StatusNotFound, Title: "No such run",
		Message: "There is no command-line run with this id (runs are forgotten like idle sessions).",
		Hint:    "Run the command again: it prints the address of its steps at the end."}
	if !strings.HasPrefix(id, store.RunIDPrefix) {
		return notFound
	}
	steps, err := a.store.Steps(c.Request().Context(), id)
	if err != nil {
		return err
	}
	if len(steps) == 0 {
		return notFound
	}
	p, _ := a.basePage(c, "Flow inspector: command-line run", "inspector")
	p.Data = inspectorData{Steps: steps, Diagram: flow.Layout(steps), Run: true}
	return a.render(c, http.StatusOK, "inspector.html", p)
}
