package web

import (
	"net/http"
	"testing"
)

// No page of the client may be framed, in browsers that know CSP
// frame-ancestors and in those that only know X-Frame-Options; over https,
// HSTS keeps the browser off http.
// covers: RFC 6749 §10.13
func TestFramingAndHSTSHeaders(t *testing.T) {
	tests := []struct {
		name, clientURL, hsts string
	}{
		{"http", "http://localhost:8080", ""},
		{"https", "https://music.example", "max-age=31536000"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, &fakeAS{}, topTracksAPI(200, "", tracksBody), "CLIENT_URL", tt.clientURL)
			for _, path := range []string{"/", "/inspector", "/charts", "/nowhere"} {
				r := h.do(http.MethodGet, path, nil)
				if got := r.header.Get("X-Frame-Options"); got != "DENY" {
					t.Errorf("GET %s: X-Frame-Options = %q, want DENY", path, got)
				}
				if got := r.header.Get("Strict-Transport-Security"); got != tt.hsts {
					t.Errorf("GET %s: Strict-Transport-Security = %q, want %q", path, got, tt.hsts)
				}
			}
		})
	}
}
