package sqldb

import (
	"net/url"
	"strings"
)

// Redact returns dsn fit for a log line or an error: a PostgreSQL URL keeps
// its user, host, database and options but loses its password (in the
// user-info part or a password= option). A SQLite path is returned as is.
func Redact(dsn string) string {
	if DialectOf(dsn) != Postgres {
		return dsn
	}
	u, err := url.Parse(dsn)
	if err != nil {
		// Unparseable: show only the scheme, as the rest may hold the
		// password in a shape we cannot pick out.
		scheme, _, _ := strings.Cut(dsn, "://")
		return scheme + "://(unparseable URL, not shown)"
	}
	if q := u.Query(); q.Has("password") {
		q.Set("password", "xxxxx")
		u.RawQuery = q.Encode()
	}
	return u.Redacted()
}
