package actortest

import (
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// CookieTosser starts a second origin on the same host as a victim site: a
// real HTTP server on another loopback port of host ("localhost" or
// "127.0.0.1"), and returns its base URL. Any GET to it answers with a
// Set-Cookie for each of cookies, with no Domain attribute.
//
// Browsers (and net/http/cookiejar) ignore the port when they send cookies,
// so a cookie planted here is sent to every port of the host: this is
// "cookie tossing", the attack that beats a plain double-submit CSRF check
// (RFC 9700 §4.7). A test visits the returned URL with the victim's cookie
// jar, then posts to the victim as the attacker's page would.
func CookieTosser(t testing.TB, host string, cookies ...*http.Cookie) string {
	t.Helper()
	_, port, err := net.SplitHostPort(FreeAddr(t))
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", port))
	if err != nil {
		t.Fatalf("actortest: cookie tosser: %v", err)
	}
	srv := &httptest.Server{
		Listener: ln,
		Config: &http.Server{ReadHeaderTimeout: 5 * time.Second, Handler: http.HandlerFunc(
			func(w http.ResponseWriter, r *http.Request) {
				for _, c := range cookies {
					planted := *c
					planted.Domain = ""
					if planted.Path == "" {
						planted.Path = "/"
					}
					http.SetCookie(w, &planted)
				}
				w.Header().Set("Content-Type", "text/html; charset=utf-8")
				_, _ = w.Write([]byte("<!doctype html><title>attacker</title><p>Cookies planted.</p>"))
			})},
	}
	srv.Start()
	t.Cleanup(srv.Close)
	return "http://" + net.JoinHostPort(host, port)
}

// ClientFrom returns an HTTP client whose connections leave from the given
// loopback address (127.0.0.2, 127.0.0.3, ...: the whole 127.0.0.0/8 range
// is the machine's own on Linux), so that a test can act as several
// distinct addresses against a server that counts per address. jar may be
// nil. Redirects are not followed.
func ClientFrom(ip string, jar http.CookieJar) *http.Client {
	dialer := &net.Dialer{
		LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)},
		Timeout:   5 * time.Second,
	}
	return &http.Client{
		Jar:       jar,
		Timeout:   10 * time.Second,
		Transport: &http.Transport{DialContext: dialer.DialContext},
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}
