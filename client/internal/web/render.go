package web

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/oauthlab/oauthlab/client/internal/flow"
	"github.com/oauthlab/oauthlab/shared/logging"
	"github.com/oauthlab/oauthlab/shared/scopes"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFiles embed.FS

func staticFS() fs.FS {
	sub, err := fs.Sub(staticFiles, "static")
	if err != nil {
		panic(err) // the embedded folder exists at build time
	}
	return sub
}

var funcs = template.FuncMap{
	"splitScope": scopes.Parse,
	"clock":      func(t time.Time) string { return t.UTC().Format("15:04:05") },
	"unix":       func(t time.Time) int64 { return t.Unix() },
	"remaining": func(t, now time.Time) string {
		if t.IsZero() {
			return "unknown"
		}
		d := t.Sub(now).Round(time.Second)
		if d <= 0 {
			return "expired"
		}
		return d.String()
	},
	"add": func(a, b int) int { return a + b },
	// The rule index: the inspector links a rule our code enforces to its
	// place on the lab's rules page.
	"ruleLink":   ruleLink,
	"choicesFor": choices,
	// connectForm hands the connect form its scope choices and the form token.
	"connectForm": func(token string, choices any) map[string]any {
		return map[string]any{"CSRF": token, "Choices": choices}
	},
	"arrowHead": func(r flow.DiagramRow) string {
		// A small triangle at the arrow's end, pointing the way it goes.
		dx := 8
		if r.Left {
			dx = -8
		}
		return fmt.Sprintf("%d,%d %d,%d %d,%d", r.X2, r.Y, r.X2-dx, r.Y-5, r.X2-dx, r.Y+5)
	},
}

// parsePages parses each page with the shared layout.
func parsePages() (map[string]*template.Template, error) {
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	pages := map[string]*template.Template{}
	for _, name := range names {
		base := strings.TrimPrefix(name, "templates/")
		if base == "layout.html" {
			continue
		}
		t, err := template.New(base).Funcs(funcs).ParseFS(templateFS, "templates/layout.html", name)
		if err != nil {
			return nil, fmt.Errorf("template %s: %w", base, err)
		}
		pages[base] = t
	}
	return pages, nil
}

// page is what every template receives.
type page struct {
	Title     string
	Nav       string // which menu entry is current
	Connected bool
	Scope     string // granted scope when connected
	User      string // who signed in with OpenID Connect, when someone did
	Now       time.Time
	Lab       bool // the attack lab is on: the navigation links it
	Data      any
	CSRF      string // the form token (csrf.go), in every form as csrf_token
}

// render writes a page.
func (a *App) render(c echo.Context, status int, name string, p page) error {
	t, ok := a.pages[name]
	if !ok {
		return fmt.Errorf("no template %s", name)
	}
	p.Lab = a.lab != nil
	if p.Now.IsZero() {
		p.Now = a.now()
	}
	p.CSRF = a.csrfToken(c)
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", p); err != nil {
		return fmt.Errorf("render %s: %w", name, err)
	}
	return c.HTMLBlob(status, buf.Bytes())
}

// pageError is an error the learner sees as a page that explains it.
type pageError struct {
	Status  int
	Title   string
	Message string          // what happened, in plain words (id="error")
	Detail  *flow.ErrorInfo // the OAuth error behind it, if any
	Hint    string          // what to do now
	Links   []flow.Link
	// Reconnect offers a "connect again" button, with these scopes ticked.
	Reconnect []string
}

func (e *pageError) Error() string { return e.Title + ": " + e.Message }

// handleError renders a pageError; any other error becomes a plain 500 page
// with nothing leaked, and is logged.
func (a *App) handleError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	var pe *pageError
	var he *echo.HTTPError
	switch {
	case errors.As(err, &pe):
	case errors.As(err, &he):
		msg := http.StatusText(he.Code)
		if he.Code == http.StatusNotFound {
			msg = "There is no page here."
		}
		pe = &pageError{Status: he.Code, Title: http.StatusText(he.Code), Message: msg}
	default:
		logging.From(c).Error("request failed", "err", err)
		pe = &pageError{Status: http.StatusInternalServerError, Title: "Something went wrong",
			Message: "The app hit an unexpected problem. It has been logged; please try again."}
	}
	p := page{Title: pe.Title, Data: pe}
	if sid, ok := a.session(c); ok {
		if _, scope, err := a.store.Token(c.Request().Context(), sid); err == nil {
			p.Connected, p.Scope = true, scope
		}
		p.User = a.signedInAs(c, sid)
	}
	if rerr := a.render(c, pe.Status, "error.html", p); rerr != nil {
		logging.From(c).Error("render error page", "err", rerr)
		_ = c.String(pe.Status, pe.Message)
	}
}

// securityHeaders keeps the pages out of frames and caches, and limits what
// they may load and where their forms may go.
func (a *App) securityHeaders(next echo.HandlerFunc) echo.HandlerFunc {
	formAction := "'self'"
	for _, target := range []string{a.cfg.AuthorizeURL, a.cfg.EndSessionURL} {
		// The connect and sign-out forms' answers redirect to the
		// authorization server.
		if u, err := url.Parse(target); err == nil && !strings.Contains(formAction, u.Scheme+"://"+u.Host) {
			formAction += " " + u.Scheme + "://" + u.Host
		}
	}
	csp := "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; " +
		"form-action " + formAction + "; frame-ancestors 'none'; base-uri 'none'"
	return func(c echo.Context) error {
		h := c.Response().Header()
		h.Set("Content-Security-Policy", csp)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		// CSP frame-ancestors for current browsers, X-Frame-Options for the
		// rest: no page of the app may be framed (clickjacking a Connect,
		// Disconnect or Delete button; RFC 6749 §10.13).
		h.Set("X-Frame-Options", "DENY")
		if a.cfg.SecureCookies() {
			// Served over https: browsers must never fall back to http, where
			// the session cookie and the callback's code could be read.
			h.Set("Strict-Transport-Security", "max-age=31536000")
		}
		if !strings.HasPrefix(c.Request().URL.Path, "/static/") {
			// Pages show personal data and tokens: never cache them.
			h.Set("Cache-Control", "no-store")
		}
		return next(c)
	}
}

// handleStatic serves the embedded CSS and script, without listing folders.
func (a *App) handleStatic(files http.Handler) echo.HandlerFunc {
	return func(c echo.Context) error {
		if strings.HasSuffix(c.Request().URL.Path, "/") {
			return echo.ErrNotFound
		}
		files.ServeHTTP(c.Response(), c.Request())
		return nil
	}
}
