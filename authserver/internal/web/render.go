package web

import (
	"bytes"
	"embed"
	"html/template"
	"net/http"

	"github.com/labstack/echo/v4"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static/style.css
var styleCSS []byte

// pages holds each page parsed with the shared layout.
var pages = func() map[string]*template.Template {
	m := map[string]*template.Template{}
	for _, name := range []string{"login", "consent", "account", "error", "home", "logout", "signedout", "device", "device_consent"} {
		m[name] = template.Must(template.ParseFS(templateFS, "templates/layout.html", "templates/"+name+".html"))
	}
	return m
}()

// render writes a page. Every page gets the CSRF token for its forms.
func render(c echo.Context, status int, name string, data map[string]any) error {
	if data == nil {
		data = map[string]any{}
	}
	data["CSRF"], _ = c.Get(csrfKey).(string)
	var buf bytes.Buffer
	if err := pages[name].ExecuteTemplate(&buf, "layout", data); err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.HTMLBlob(status, buf.Bytes())
}

// renderError shows a message in the element with id="error".
func renderError(c echo.Context, status int, msg string) error {
	return render(c, status, "error", map[string]any{"Title": "Error", "Message": msg})
}

func handleStyle(c echo.Context) error {
	c.Response().Header().Set("Cache-Control", "public, max-age=3600")
	return c.Blob(http.StatusOK, "text/css; charset=utf-8", styleCSS)
}

func handleHome(issuer string) echo.HandlerFunc {
	return func(c echo.Context) error {
		return render(c, http.StatusOK, "home", map[string]any{"Title": "Home", "Issuer": issuer})
	}
}
