package clientip

import (
	"net/http"
	"net/http/httptest"
	"net/netip"
	"testing"
)

func prefixes(t *testing.T, list ...string) []netip.Prefix {
	t.Helper()
	var ps []netip.Prefix
	for _, s := range list {
		ps = append(ps, netip.MustParsePrefix(s))
	}
	return ps
}

func TestExtractor(t *testing.T) {
	const balancer = "10.0.0.2"
	for _, tc := range []struct {
		name    string
		trusted []string
		remote  string   // the connection's address
		xff     []string // X-Forwarded-For header lines, in order
		want    string
	}{
		{name: "no proxy trusted: a spoofed header is ignored", remote: "198.51.100.7",
			xff: []string{"203.0.113.9"}, want: "198.51.100.7"},
		{name: "no proxy trusted: even from a private address", remote: balancer,
			xff: []string{"203.0.113.9"}, want: balancer},
		{name: "trusted proxy: the address left of it", trusted: []string{"10.0.0.2/32"}, remote: balancer,
			xff: []string{"203.0.113.9"}, want: "203.0.113.9"},
		{name: "trusted proxy: what the caller prepended is not believed", trusted: []string{"10.0.0.2/32"}, remote: balancer,
			xff: []string{"192.0.2.1, 203.0.113.9"}, want: "203.0.113.9"},
		{name: "trusted proxy: header in several lines", trusted: []string{"10.0.0.2/32"}, remote: balancer,
			xff: []string{"192.0.2.1", "203.0.113.9"}, want: "203.0.113.9"},
		{name: "chain of trusted proxies is walked through", trusted: []string{"10.0.0.0/24"}, remote: balancer,
			xff: []string{"203.0.113.9, 10.0.0.7"}, want: "203.0.113.9"},
		{name: "an untrusted address in the middle stops the walk", trusted: []string{"10.0.0.2/32", "10.0.0.7/32"}, remote: balancer,
			xff: []string{"192.0.2.1, 198.51.100.4, 10.0.0.7"}, want: "198.51.100.4"},
		{name: "a private address is not trusted unless listed", trusted: []string{"10.0.0.2/32"}, remote: balancer,
			xff: []string{"203.0.113.9, 192.168.1.1"}, want: "192.168.1.1"},
		{name: "loopback is not trusted unless listed", trusted: []string{"10.0.0.2/32"}, remote: "127.0.0.1",
			xff: []string{"203.0.113.9"}, want: "127.0.0.1"},
		{name: "a connection from elsewhere cannot use the header", trusted: []string{"10.0.0.2/32"}, remote: "198.51.100.7",
			xff: []string{"203.0.113.9"}, want: "198.51.100.7"},
		{name: "trusted proxy, no header: the connection", trusted: []string{"10.0.0.2/32"}, remote: balancer,
			want: balancer},
		{name: "IPv6 proxy", trusted: []string{"fd00::/64"}, remote: "[fd00::2]",
			xff: []string{"2001:db8::1"}, want: "2001:db8::1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, "/", nil)
			r.RemoteAddr = tc.remote + ":4711"
			for _, line := range tc.xff {
				r.Header.Add("X-Forwarded-For", line)
			}
			if got := Extractor(prefixes(t, tc.trusted...))(r); got != tc.want {
				t.Errorf("address = %q, want %q", got, tc.want)
			}
		})
	}
}
