package web

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"github.com/oauthlab/oauthlab/authserver/internal/oauth"
	"github.com/oauthlab/oauthlab/authserver/internal/throttle"
	"github.com/oauthlab/oauthlab/shared/logging"
)

// Options are what the HTTP layer needs; main fills them in.
type Options struct {
	Server   *oauth.Server
	Sessions SessionStore
	// Health reports whether the server can serve (database reachable).
	Health func(context.Context) error
	Logger *slog.Logger
	// CookieSecure marks cookies Secure (HTTPS only).
	CookieSecure bool
	// DemoHint shows the demo logins on the sign-in page (demo data seeded).
	DemoHint bool
	// RegistrationToken, if set, is required by POST /register.
	RegistrationToken string
	// Throttles for failed sign-ins per username and per address; nil
	// gives the defaults (5 per user, 20 per address, per 15 minutes).
	UserThrottle, AddrThrottle *throttle.Limiter
	// ClientThrottle counts failed client authentications per address at
	// the back-channel endpoints; nil gives 30 per 15 minutes.
	ClientThrottle *throttle.Limiter
}

// maxBody bounds every request body: no legitimate request comes close.
const maxBody = 64 << 10

// New returns the authorization server's HTTP handler.
func New(o Options) *echo.Echo {
	if o.UserThrottle == nil {
		o.UserThrottle = throttle.New(5, 15*time.Minute, time.Now)
	}
	if o.AddrThrottle == nil {
		o.AddrThrottle = throttle.New(20, 15*time.Minute, time.Now)
	}
	if o.ClientThrottle == nil {
		o.ClientThrottle = throttle.New(30, 15*time.Minute, time.Now)
	}
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	// Use the connection's address for throttling: X-Forwarded-For is set
	// by whoever sends the request and would let anyone pick their own.
	e.IPExtractor = echo.ExtractIPDirect()
	e.HTTPErrorHandler = errorHandler
	e.Use(
		logging.Middleware(o.Logger),
		middleware.RecoverWithConfig(middleware.RecoverConfig{DisablePrintStack: true}),
		limitBody,
		securityHeaders,
	)
	routes(e, o)
	return e
}

// routes lists every endpoint of the authorization server.
func routes(e *echo.Echo, o Options) {
	s := o.Server
	sess := sessions{store: o.Sessions, secure: o.CookieSecure, now: s.Now}
	page := pageMiddleware(o.CookieSecure)

	e.GET("/healthz", handleHealthz(o.Health, s.Keys))

	// Discovery (RFC 8414) and the token signing keys (RFC 7517).
	e.GET("/.well-known/oauth-authorization-server", handleMetadata(s.Issuer))
	e.GET("/.well-known/jwks.json", handleJWKS(s.Keys))

	// The front channel: the browser comes here (RFC 6749 §3.1).
	e.GET("/authorize", handleAuthorize(s, sess), page...)
	e.GET("/login", handleLoginPage(s, o.DemoHint), page...)
	e.POST("/login", handleLogin(s, sess, o.UserThrottle, o.AddrThrottle, o.DemoHint), page...)
	e.POST("/consent", handleConsent(s, sess), page...)
	e.POST("/logout", handleLogout(sess), page...)
	e.GET("/account", handleAccount(s, sess), page...)
	e.POST("/account/revoke", handleAccountRevoke(s, sess), page...)
	e.GET("/", handleHome(s.Issuer), page...)
	e.GET("/static/style.css", handleStyle)

	// The back channel: clients and the resource API call these directly.
	auth := clientAuth{server: s, failures: o.ClientThrottle}
	e.POST("/token", handleToken(s, auth))                      // RFC 6749 §3.2
	e.POST("/revoke", handleRevoke(s, auth))                    // RFC 7009
	e.POST("/introspect", handleIntrospect(s, auth))            // RFC 7662
	e.POST("/register", handleRegister(s, o.RegistrationToken)) // RFC 7591
}

// limitBody caps request bodies; reading past the cap fails, and the
// handlers answer invalid_request.
func limitBody(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		r.Body = http.MaxBytesReader(c.Response(), r.Body, maxBody)
		return next(c)
	}
}

// securityHeaders applies to every response: nothing here may be framed
// (RFC 6749 §10.13 clickjacking), sniffed, or leak its URL in a Referer.
// The policy has no form-action: browsers apply it to the redirect that
// follows a form post too, and the consent form must redirect to any
// registered client.
func securityHeaders(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Response().Header()
		// RFC 6749 §10.13: no page may be framed, so consent cannot be clickjacked.
		h.Set("X-Frame-Options", "DENY")
		h.Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; img-src 'self'; frame-ancestors 'none'; base-uri 'none'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		return next(c)
	}
}

// pageMiddleware marks the request as a page (errors are rendered as HTML),
// forbids caching, and checks the CSRF token of every form post.
func pageMiddleware(secure bool) []echo.MiddlewareFunc {
	markPage := func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			c.Set(pageKey, true)
			c.Response().Header().Set("Cache-Control", "no-store")
			return next(c)
		}
	}
	csrf := middleware.CSRFWithConfig(middleware.CSRFConfig{
		TokenLookup:    "form:" + csrfField,
		CookieName:     "as_csrf",
		CookiePath:     "/",
		CookieHTTPOnly: true,
		CookieSecure:   secure,
		CookieSameSite: http.SameSiteLaxMode,
		ContextKey:     csrfKey,
	})
	return []echo.MiddlewareFunc{markPage, csrf}
}

const (
	pageKey   = "web.page"
	csrfKey   = "csrf"
	csrfField = "csrf_token"
)
