// Package logging sets up structured logs (log/slog) the same way in every
// actor, and provides the echo middleware that gives each request an id and
// one access-log line.
//
// The access log records the path and the caller's address but never the
// query string, the headers or the body: in OAuth those carry authorization codes, state, tokens and
// client secrets, and none of them may reach a log.
package logging

import (
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
)

// New returns a logger that writes to w and tags every line with the actor's
// name. format is "text" (readable in a terminal, the default) or "json";
// level is debug, info, warn or error.
func New(w io.Writer, service, format, level string) *slog.Logger {
	opts := &slog.HandlerOptions{Level: parseLevel(level)}
	var h slog.Handler
	if strings.EqualFold(format, "json") {
		h = slog.NewJSONHandler(w, opts)
	} else {
		h = slog.NewTextHandler(w, opts)
	}
	return slog.New(h).With("service", service)
}

func parseLevel(s string) slog.Level {
	var l slog.Level
	if err := l.UnmarshalText([]byte(s)); err != nil {
		return slog.LevelInfo
	}
	return l
}

// RequestIDHeader carries the request id in requests and responses.
const RequestIDHeader = echo.HeaderXRequestID

const loggerKey = "logging.logger"

// Middleware gives every request an id (the X-Request-Id header a proxy set,
// when it is a sane one, otherwise a random one), puts a logger carrying that id on the echo
// context, and writes one access-log line per request.
func Middleware(logger *slog.Logger) echo.MiddlewareFunc {
	requestID := middleware.RequestIDWithConfig(middleware.RequestIDConfig{
		Generator: randomID,
		RequestIDHandler: func(c echo.Context, id string) {
			c.Set(loggerKey, logger.With("request_id", id))
		},
	})
	access := func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			start := time.Now()
			err := next(c)
			if err != nil {
				// Let the error handler write the response now, so the status
				// logged is the one the client gets.
				c.Error(err)
			}
			req := c.Request()
			From(c).LogAttrs(req.Context(), slog.LevelInfo, "request",
				slog.String("method", req.Method),
				slog.String("path", req.URL.Path), // never the query: it may hold a code
				slog.Int("status", c.Response().Status),
				slog.Duration("duration", time.Since(start)),
				// Who called, as the actor believes it: the connection's
				// address, or X-Forwarded-For from a trusted proxy only
				// (the echo.IPExtractor each actor sets, shared/clientip):
				// what the throttles count by, so an operator can see it.
				slog.String("remote_ip", c.RealIP()),
			)
			return nil
		}
	}
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return dropUnsafeRequestID(requestID(access(next)))
	}
}

// dropUnsafeRequestID removes a caller's X-Request-Id that is not a plain,
// short token, so that the request id middleware generates one instead. The
// id is written into every log line and echoed in the response: a caller
// must not be able to fill the logs with 30 KB per request, or smuggle line
// breaks and markup into them.
func dropUnsafeRequestID(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Request().Header
		if id := h.Get(RequestIDHeader); id != "" && !ValidRequestID(id) {
			h.Del(RequestIDHeader)
		}
		return next(c)
	}
}

// MaxRequestIDLength is the longest caller-supplied request id kept.
const MaxRequestIDLength = 64

// ValidRequestID reports whether id is 1 to MaxRequestIDLength characters
// of [A-Za-z0-9._-], the only request ids taken from a caller.
func ValidRequestID(id string) bool {
	if id == "" || len(id) > MaxRequestIDLength {
		return false
	}
	for i := 0; i < len(id); i++ {
		switch c := id[i]; {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '.', c == '_', c == '-':
		default:
			return false
		}
	}
	return true
}

// From returns the request's logger (with its request id), or the default
// logger outside a request.
func From(c echo.Context) *slog.Logger {
	if l, ok := c.Get(loggerKey).(*slog.Logger); ok {
		return l
	}
	return slog.Default()
}
