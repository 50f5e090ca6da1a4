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

func TestHiddenFields(t *testing.T) {
	page := `<form><input type="hidden" name="csrf_token" value="a&amp;b">
<input type="hidden" name="scope" value="tracks:read">
<input type="text" name="username" value="alice"></form>
<form><input type="hidden" name="csrf_token" value="second"></form>`
	got := HiddenFields(page)
	if got.Get("csrf_token") != "a&b" || got.Get("scope") != "tracks:read" {
		t.Errorf("HiddenFields = %v: want the first csrf_token, unescaped, and the scope", got)
	}
	if got.Has("username") {
		t.Error("a visible input was taken as hidden")
	}
}
