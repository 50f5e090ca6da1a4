package actortest

import (
	"net"
	"strconv"
	"testing"
)

// FreeAddr's ports must stay out of the kernel's ephemeral range (where an
// outgoing connection could take one before the actor binds it) and must
// never be handed out twice.
func TestFreeAddr(t *testing.T) {
	low, high := quietPortRange()
	seen := map[string]bool{}
	for range 50 {
		addr := FreeAddr(t)
		host, portText, err := net.SplitHostPort(addr)
		if err != nil {
			t.Fatal(err)
		}
		port, _ := strconv.Atoi(portText)
		if host != "127.0.0.1" || port < low || port >= high {
			t.Fatalf("FreeAddr() = %s, want 127.0.0.1 with a port in [%d, %d)", addr, low, high)
		}
		if seen[addr] {
			t.Fatalf("FreeAddr() gave %s twice", addr)
		}
		seen[addr] = true
	}
}
