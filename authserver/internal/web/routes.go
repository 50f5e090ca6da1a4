package web

import (
	"context"
	"log/slog"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"github.com/oauthlab/oauthlab/authserver/internal/oauth"
	"github.com/oauthlab/oauthlab/authserver/internal/throttle"
	"github.com/oauthlab/oauthlab/shared/clientip"
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
	// CSRFKey is the HMAC key of the forms' CSRF tokens, at least 32
	// bytes, the same for every replica (main reads it from the database).
	CSRFKey []byte
	// DemoHint shows the demo logins on the sign-in page (demo data seeded).
	DemoHint bool
	// RegistrationToken, if set, is required by POST /register.
	RegistrationToken string
	// RegistrationsPerHour caps successful registrations per address; 0
	// gives 20.
	RegistrationsPerHour int
	// LoginFailures counts failed sign-ins (see loginThrottle); nil gives
	// an in-memory counter that forgets a key an hour after its last failure.
	LoginFailures throttle.Counter
	// ClientThrottle counts failed client authentications per (client_id,
	// address) at the back-channel endpoints; nil gives 30 per 15 minutes.
	ClientThrottle *throttle.Limiter
	// DPoP configures the DPoP proof checks (RFC 9449) at /token and
	// /userinfo; the zero value checks proofs with an in-memory replay
	// cache and no nonces.
	DPoP DPoPOptions
	// RegistrationThrottle counts registrations per address at /register;
	// nil gives RegistrationsPerHour per hour, counted in this process.
	RegistrationThrottle *throttle.Limiter
	// TrustedProxies are the load balancers whose X-Forwarded-For names
	// the caller's address (shared/clientip); none means the connection's.
	TrustedProxies []netip.Prefix
}

// maxBody bounds every request body: no legitimate request comes close.
const maxBody = 64 << 10

// New returns the authorization server's HTTP handler.
func New(o Options) *echo.Echo {
	if len(o.CSRFKey) < 32 {
		panic("web: Options.CSRFKey must hold at least 32 bytes")
	}
	if o.LoginFailures == nil {
		o.LoginFailures = throttle.NewMemory(time.Hour, o.Server.Now)
	}
	if o.RegistrationsPerHour == 0 {
		o.RegistrationsPerHour = 20
	}
	if o.ClientThrottle == nil {
		o.ClientThrottle = throttle.New(30, 15*time.Minute, time.Now)
	}
	if o.RegistrationThrottle == nil {
		o.RegistrationThrottle = throttle.New(o.RegistrationsPerHour, time.Hour, o.Server.Now)
	}
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	// Every throttle keys on c.RealIP(): the connection's address, or the
	// caller's as the trusted balancer reports it, never an address the
	// caller picked (X-Forwarded-For from anyone else is ignored).
	e.IPExtractor = clientip.Extractor(o.TrustedProxies)
	e.HTTPErrorHandler = errorHandler
	e.Use(
		logging.Middleware(o.Logger),
		middleware.RecoverWithConfig(middleware.RecoverConfig{DisablePrintStack: true}),
		limitBody,
		securityHeaders(strings.HasPrefix(o.Server.Issuer, "https://")),
	)
	routes(e, o, newDPoPCheck(o.Server, o.DPoP))
	return e
}

// routes lists every endpoint of the authorization server.
func routes(e *echo.Echo, o Options, dp *dpopCheck) {
	s := o.Server
	// __Host- cookies need Secure, so only with an https issuer.
	names := newCookieNames(o.CookieSecure && strings.HasPrefix(s.Issuer, "https://"))
	sess := sessions{store: o.Sessions, secure: o.CookieSecure, now: s.Now, names: names, logout: newBackchannel(s, o.Logger)}
	page := pageMiddleware(sess, newCSRFGuard(o.CSRFKey, s.Issuer, names, o.CookieSecure))

	// adv records each endpoint the metadata advertises, as it is routed,
	// so the document cannot name an address that is not served.
	adv := advertised{issuer: s.Issuer}
	e.GET("/healthz", handleHealthz(o.Health, s.Keys))

	// The token signing keys (RFC 7517).
	adv.add("jwks_uri", e.GET("/.well-known/jwks.json", handleJWKS(s.Keys)))

	// The front channel: the browser comes here (RFC 6749 §3.1).
	adv.add("authorization_endpoint", e.GET("/authorize", handleAuthorize(s, sess), page...))
	e.GET("/login", handleLoginPage(sess, o.DemoHint), page...)
	e.POST("/login", handleLogin(s, sess, newLoginThrottle(o.LoginFailures, s.Now), o.DemoHint), page...)
	e.GET("/consent", handleConsentPage(s, sess), page...)
	e.POST("/consent", handleConsent(s, sess), page...)
	e.POST("/logout", handleLogout(sess), page...)
	// OIDC RP-Initiated Logout §2: GET and POST. The POST comes from the
	// app's site without our CSRF token; it only turns into the GET.
	adv.add("end_session_endpoint", e.GET("/end_session", handleEndSession(s, sess), page...))
	e.POST("/end_session", handleEndSession(s, sess), page[0])
	e.POST("/end_session/confirm", handleEndSessionConfirm(s, sess), page...)
	// RFC 8628 §3.3: where the user enters a device's code.
	e.GET("/device", handleDevicePage(sess), page...)
	e.POST("/device", handleDevice(s, sess, deviceGuesses(o.LoginFailures, s.Now)), page...)
	e.GET("/account", handleAccount(s, sess), page...)
	e.POST("/account/revoke", handleAccountRevoke(s, sess), page...)
	e.GET("/", handleHome(s.Issuer), page...)
	e.GET("/static/style.css", handleStyle)

	// The back channel: clients and the resource API call these directly.
	auth := clientAuth{server: s, failures: o.ClientThrottle}
	adv.add("token_endpoint", e.POST("/token", handleToken(s, auth, dp)))                                // RFC 6749 §3.2
	adv.add("revocation_endpoint", e.POST("/revoke", handleRevoke(s, auth)))                             // RFC 7009
	adv.add("pushed_authorization_request_endpoint", e.POST("/par", handlePAR(s, auth, o.Sessions, dp))) // RFC 9126
	adv.add("introspection_endpoint", e.POST("/introspect", handleIntrospect(s, auth)))                  // RFC 7662
	adv.add("registration_endpoint", e.POST("/register", handleRegister(s, o.RegistrationToken,          // RFC 7591
		o.RegistrationThrottle)))
	adv.add("device_authorization_endpoint", e.POST("/device_authorization", handleDeviceAuthorization(s, auth))) // RFC 8628 §3.1
	adv.add("userinfo_endpoint", e.GET("/userinfo", handleUserInfo(s, dp)))                                       // OIDC Core §5.3
	e.POST("/userinfo", handleUserInfo(s, dp))

	// Discovery (RFC 8414, OIDC Discovery §4: one document at both
	// addresses), built from the endpoints routed above.
	meta := handleMetadata(buildMetadata(s, adv.endpoints))
	e.GET("/.well-known/oauth-authorization-server", meta)
	e.GET("/.well-known/openid-configuration", meta)
}

// advertised collects the endpoints the metadata names (RFC 8414 §2), by
// metadata field, from the routes themselves.
type advertised struct {
	issuer    string
	endpoints map[string]string
}

// add records route under the metadata field name.
func (a *advertised) add(field string, route *echo.Route) {
	if a.endpoints == nil {
		a.endpoints = map[string]string{}
	}
	a.endpoints[field] = a.issuer + route.Path
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
// registered client. When the issuer is https, HSTS tells browsers to use
// nothing but https with this host from then on.
func securityHeaders(https bool) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			h := c.Response().Header()
			if https {
				// RFC 6797 §7.2: the header is sent only when the server is reached over https.
				h.Set("Strict-Transport-Security", "max-age=31536000")
			}
			// RFC 6749 §10.13: no page may be framed, so consent cannot be clickjacked.
			h.Set("X-Frame-Options", "DENY")
			h.Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; img-src 'self'; frame-ancestors 'none'; base-uri 'none'")
			h.Set("X-Content-Type-Options", "nosniff")
			// same-origin, not no-referrer: with no-referrer Chromium sends
			// "Origin: null" on our own form posts, which the CSRF check refuses.
			h.Set("Referrer-Policy", "same-origin")
			return next(c)
		}
	}
}

// pageMiddleware marks the request as a page (errors are rendered as HTML),
// forbids caching, and checks that every form post comes from our own page.
func pageMiddleware(sess sessions, csrf csrfGuard) []echo.MiddlewareFunc {
	markPage := func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			c.Set(pageKey, true)
			c.Set(sessionsKey, sess) // for authorizeError, which must know whether the user signed in
			c.Response().Header().Set("Cache-Control", "no-store")
			return next(c)
		}
	}
	return []echo.MiddlewareFunc{markPage, csrf.middleware}
}

const (
	pageKey     = "web.page"
	sessionsKey = "web.sessions"
	csrfKey     = "csrf"
	csrfField   = "csrf_token"
)
