package web_test

import (
	"net/http"
	"net/http/cookiejar"
	"strconv"
	"strings"
	"testing"

	"github.com/oauthlab/oauthlab/shared/actortest"
)

// signInFrom signs in through the login page with requests leaving from
// the loopback address ip, and returns the answer to the post.
func (e *testEnv) signInFrom(ip, username, password string) (*http.Response, string) {
	e.t.Helper()
	jar, _ := cookiejar.New(nil)
	b := actortest.ClientFrom(ip, jar)
	resp, err := b.Get(e.URL + "/login")
	if err != nil {
		e.t.Fatal(err)
	}
	form := actortest.HiddenFields(readBody(e.t, resp))
	form.Set("username", username)
	form.Set("password", password)
	resp, err = b.PostForm(e.URL+"/login", form)
	if err != nil {
		e.t.Fatal(err)
	}
	return resp, readBody(e.t, resp)
}

// TestLoginThrottleCannotLockOut: an attacker guessing from one address is
// slowed down (429 with Retry-After), but cannot stop the real user
// signing in from another address: no failure count locks an account.
// covers: RFC 6585 §4
func TestLoginThrottleCannotLockOut(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	const attacker = "127.0.0.2"

	// The attacker guesses alice's password until it is slowed down.
	var resp *http.Response
	var body string
	for i := 0; i < 30; i++ {
		if resp, body = env.signInFrom(attacker, "alice", "guess"+strconv.Itoa(i)); resp.StatusCode == http.StatusTooManyRequests {
			break
		}
		if resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("guess %d: status %d, want 401", i, resp.StatusCode)
		}
	}
	if resp.StatusCode != http.StatusTooManyRequests {
		t.Fatal("30 wrong passwords from one address were never slowed down")
	}
	if secs, err := strconv.Atoi(resp.Header.Get("Retry-After")); err != nil || secs < 1 || !strings.Contains(body, "Wait ") {
		t.Fatalf("429 with Retry-After %q: want whole seconds and a page saying how long to wait:\n%s", resp.Header.Get("Retry-After"), body)
	}
	// Even the right password waits at the attacker's address.
	if resp, _ := env.signInFrom(attacker, "alice", "wonderland"); resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("attacker's address with the right password: %d, want 429", resp.StatusCode)
	}
	// The attacker also tries many other users from the same address.
	for i := 0; i < 25; i++ {
		env.signInFrom(attacker, "user"+strconv.Itoa(i), "guess")
	}
	for _, ip := range []string{"127.0.0.3", "127.0.0.4"} {
		for _, u := range [][2]string{{"alice", "wonderland"}, {"bob", "builder"}} {
			if resp, body := env.signInFrom(ip, u[0], u[1]); resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("%s signing in from %s: %d, want 303: the attacker locked them out:\n%s", u[0], ip, resp.StatusCode, body)
			}
		}
	}
}
