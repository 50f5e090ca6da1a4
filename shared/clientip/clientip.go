// Package clientip decides which address a request came from, the same way
// in every actor. Behind a load balancer the connection comes from the
// balancer, so the caller's own address is only in the X-Forwarded-For
// header the balancer adds; but anyone can send that header, so it is
// believed only when the connection comes from a proxy the operator listed
// (AUTHSERVER_TRUSTED_PROXIES, CLIENT_TRUSTED_PROXIES, ...). Whatever keys
// on an address (throttles, lockouts) reads it with echo's c.RealIP(),
// which returns what the extractor chose.
package clientip

import (
	"net"
	"net/netip"

	"github.com/labstack/echo/v4"
)

// Extractor returns the echo.IPExtractor for an actor that believes the
// X-Forwarded-For of the proxies in trusted, and of no one else.
//
// With no trusted proxy it is the connection's address, and any
// X-Forwarded-For is ignored: a caller who sends one only names an address
// of their choosing.
//
// With trusted proxies, echo reads the addresses from right to left: the
// connection's address first, then the header's entries from the last one
// back, and it stops at the first address that is not a trusted proxy. That
// is the safe direction because each proxy appends the address it saw to
// the end: the right-hand entries were written by our own proxies, while
// everything left of the first untrusted address was written by the caller
// (or by proxies we know nothing of) and could say anything. Reading from
// the left would hand the caller the choice. (An entry that is not an
// address makes echo fall back to the connection's; when every address is
// trusted, the leftmost wins.) echo's default trust of every
// loopback, link-local and private address is turned off, so only the
// listed ranges count as proxies.
func Extractor(trusted []netip.Prefix) echo.IPExtractor {
	if len(trusted) == 0 {
		return echo.ExtractIPDirect()
	}
	opts := []echo.TrustOption{echo.TrustLoopback(false), echo.TrustLinkLocal(false), echo.TrustPrivateNet(false)}
	for _, p := range trusted {
		opts = append(opts, echo.TrustIPRange(ipNet(p)))
	}
	return echo.ExtractIPFromXFFHeader(opts...)
}

// ipNet is p as the *net.IPNet that echo's options take.
func ipNet(p netip.Prefix) *net.IPNet {
	a := p.Masked().Addr()
	return &net.IPNet{IP: net.IP(a.AsSlice()), Mask: net.CIDRMask(p.Bits(), a.BitLen())}
}
