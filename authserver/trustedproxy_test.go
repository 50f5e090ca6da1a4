package main

import (
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/oauthlab/oauthlab/shared/actortest"
)

// TestBehindTrustedProxy runs the binary behind a real reverse proxy on
// loopback (httputil.ReverseProxy appends the address it saw to
// X-Forwarded-For, as nginx's $proxy_add_x_forwarded_for does), with
// AUTHSERVER_TRUSTED_PROXIES naming the proxy's address. The callers
// connect to the proxy from two other loopback addresses, so that each is
// a different caller to the throttles: one caller's failures at /token
// lock that caller out, not everyone behind the balancer.
func TestBehindTrustedProxy(t *testing.T) {
	as, _ := startServer(t, "AUTHSERVER_TRUSTED_PROXIES=127.0.0.1/32")
	target, err := url.Parse(as.URL)
	if err != nil {
		t.Fatal(err)
	}
	// The proxy dials the authorization server from 127.0.0.1, the one
	// address trusted.
	proxy := httptest.NewServer(httputil.NewSingleHostReverseProxy(target))
	t.Cleanup(proxy.Close)
	attacker, user := clientFrom(t, "127.0.0.2"), clientFrom(t, "127.0.0.3")

	// The client-authentication throttle: 30 failures per (client_id,
	// address) in 15 minutes.
	actortest.AtOnce(30, func(int) {
		if status, _ := machineTokenStatus(t, attacker, proxy.URL, "wrong-secret", ""); status != http.StatusUnauthorized {
			t.Errorf("a wrong secret: %d, want 401", status)
		}
	})
	status, retryAfter := machineTokenStatus(t, attacker, proxy.URL, "machine-secret", "")
	if status != http.StatusTooManyRequests || retryAfter == "" {
		t.Fatalf("the right secret after 30 failures from the same address: %d, Retry-After %q; want 429 with Retry-After", status, retryAfter)
	}
	// Prepending an address of one's choosing does not help: the proxy
	// appends the real one after it, and the walk stops there.
	if status, _ := machineTokenStatus(t, attacker, proxy.URL, "machine-secret", "198.51.100.1"); status != http.StatusTooManyRequests {
		t.Fatalf("the locked-out caller with a spoofed X-Forwarded-For: %d, want 429", status)
	}
	if status, _ := machineTokenStatus(t, user, proxy.URL, "machine-secret", ""); status != http.StatusOK {
		t.Fatalf("another caller behind the same proxy: %d, want 200 (the lockout is per caller, not per balancer)", status)
	}
}

// TestSpoofedForwardedForWithoutTrustedProxy runs the binary with no
// trusted proxy (the default): a caller who names a new address in
// X-Forwarded-For on every request is still counted at the one address it
// connects from, here by the /register limit.
func TestSpoofedForwardedForWithoutTrustedProxy(t *testing.T) {
	as, _ := startServer(t, "AUTHSERVER_REGISTRATIONS_PER_HOUR=2")
	for i, spoofed := range []string{"198.51.100.1", "198.51.100.2", "198.51.100.3"} {
		body := `{"redirect_uris":["http://localhost:7777/callback"],"client_name":"spoof ` + spoofed + `"}`
		req, err := http.NewRequest(http.MethodPost, as.URL+"/register", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Forwarded-For", spoofed)
		req.Header.Set("X-Real-IP", spoofed)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		want := http.StatusCreated
		if i == 2 {
			want = http.StatusTooManyRequests // the third from one address, whatever the header says
		}
		if resp.StatusCode != want {
			t.Fatalf("registration %d, X-Forwarded-For %s: %d, want %d", i+1, spoofed, resp.StatusCode, want)
		}
		if want == http.StatusTooManyRequests && resp.Header.Get("Retry-After") == "" {
			t.Fatal("429 without Retry-After")
		}
	}
}

// clientFrom returns an HTTP client whose connections leave from the
// loopback address local (Linux answers the whole of 127.0.0.0/8 on lo).
func clientFrom(t *testing.T, local string) *http.Client {
	t.Helper()
	dialer := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(local)}, Timeout: 5 * time.Second}
	probe, err := net.Listen("tcp", local+":0")
	if errors.Is(err, syscall.EADDRNOTAVAIL) {
		t.Skipf("this system has no loopback address %s (macOS has only 127.0.0.1 unless aliased)", local)
	}
	if err != nil {
		t.Fatal(err)
	}
	probe.Close()
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.DialContext = dialer.DialContext
	t.Cleanup(transport.CloseIdleConnections)
	return &http.Client{Transport: transport, Timeout: 30 * time.Second}
}

// machineTokenStatus asks base for a demo-machine token with secret and
// returns the status and the Retry-After header; forwardedFor, if set, is
// sent as the caller's own X-Forwarded-For.
func machineTokenStatus(t *testing.T, client *http.Client, base, secret, forwardedFor string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, base+"/token", strings.NewReader("grant_type=client_credentials"))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth("demo-machine", secret)
	if forwardedFor != "" {
		req.Header.Set("X-Forwarded-For", forwardedFor)
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Error(err)
		return 0, ""
	}
	resp.Body.Close()
	return resp.StatusCode, resp.Header.Get("Retry-After")
}
