package dpop

import (
	"errors"
	"net"
	"net/url"
	"strings"
)

var errBadURI = errors.New("dpop: not an absolute http(s) URI")

// NormalizeHTU returns the form of an http(s) URI that htu comparison uses:
// query and fragment dropped (RFC 9449 §4.2), scheme and host lowercase,
// the scheme's default port dropped, an empty path made "/", and
// percent-encodings normalised (RFC 3986 §6.2.2, §6.2.3). Both sides of the
// comparison go through it, so "HTTPS://AS.example:443/token?x" and
// "https://as.example/token" are the same htu.
func NormalizeHTU(raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Opaque != "" || u.User != nil || u.Host == "" {
		return "", errBadURI
	}
	scheme := strings.ToLower(u.Scheme)
	var defaultPort string
	switch scheme {
	case "https":
		defaultPort = "443"
	case "http":
		defaultPort = "80"
	default:
		return "", errBadURI
	}
	host := strings.ToLower(u.Hostname())
	if strings.Contains(host, ":") {
		host = "[" + host + "]" // an IPv6 literal keeps its brackets (RFC 3986 §3.2.2)
	}
	// RFC 3986 §6.2.3: a port equal to the scheme's default, or empty, is dropped.
	if port := u.Port(); port != "" && port != defaultPort {
		host = net.JoinHostPort(strings.Trim(host, "[]"), port)
	}
	path := normalizePercent(u.EscapedPath())
	if path == "" {
		path = "/" // RFC 3986 §6.2.3: an empty path is "/" for http(s)
	}
	return scheme + "://" + host + path, nil
}

// normalizePercent applies RFC 3986 §6.2.2.1 and §6.2.2.2: hex digits of
// percent-encodings in upper case, and unreserved characters decoded.
func normalizePercent(p string) string {
	if !strings.Contains(p, "%") {
		return p
	}
	var b strings.Builder
	for i := 0; i < len(p); i++ {
		if p[i] != '%' || i+2 >= len(p) || !isHex(p[i+1]) || !isHex(p[i+2]) {
			b.WriteByte(p[i])
			continue
		}
		c := unhex(p[i+1])<<4 | unhex(p[i+2])
		if isUnreserved(c) {
			b.WriteByte(c)
		} else {
			b.WriteString("%" + strings.ToUpper(p[i+1:i+3]))
		}
		i += 2
	}
	return b.String()
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c <= 'F':
		return c - 'A' + 10
	}
	return c - 'a' + 10
}

func isUnreserved(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' ||
		c == '-' || c == '.' || c == '_' || c == '~'
}
