package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/oauthlab/oauthlab/authserver/internal/oauth"
	"github.com/oauthlab/oauthlab/shared/actortest"
)

const deviceGrant = "urn:ietf:params:oauth:grant-type:device_code"

// deviceStart asks /device_authorization for codes as demo-device (a
// public client: its id in the body).
func (e *testEnv) deviceStart(extra url.Values) (*http.Response, map[string]any) {
	e.t.Helper()
	form := url.Values{"client_id": {"demo-device"}, "scope": {"tracks:read"}}
	for k, v := range extra {
		form[k] = v
	}
	return e.postForm("/device_authorization", "", "", form)
}

func (e *testEnv) devicePoll(deviceCode string) (*http.Response, map[string]any) {
	e.t.Helper()
	return e.postForm("/token", "", "", url.Values{"grant_type": {deviceGrant}, "device_code": {deviceCode}, "client_id": {"demo-device"}})
}

// deviceAnswer signs alice in through the /device page reached from
// verification_uri_complete, submits the code, and answers the consent
// page with decision.
func (e *testEnv) deviceAnswer(complete, decision string) string {
	e.t.Helper()
	b := e.browser()
	resp, err := b.Get(complete) // → the login page, which returns to /device
	if err != nil {
		e.t.Fatal(err)
	}
	body := readBody(e.t, resp)
	if !strings.Contains(body, `id="login"`) || !strings.Contains(body, `name="return_to"`) {
		e.t.Fatalf("GET %s signed out: want the login page returning to /device, got %d:\n%s", complete, resp.StatusCode, body)
	}
	form := actortest.HiddenFields(body)
	form.Set("username", "alice")
	form.Set("password", "wonderland")
	resp, err = b.PostForm(e.URL+"/login", form) // follows to GET /device?user_code=...
	if err != nil {
		e.t.Fatal(err)
	}
	body = readBody(e.t, resp)
	userCode := url.Values{}
	if u, err := url.Parse(complete); err == nil {
		userCode = u.Query()
	}
	// RFC 8628 §5.4: the code is filled in but the user must still submit it.
	if resp.StatusCode != 200 || !strings.Contains(body, `value="`+userCode.Get("user_code")+`"`) || strings.Contains(body, `id="approve"`) {
		e.t.Fatalf("the device page after sign-in: %d\n%s", resp.StatusCode, body)
	}
	form = actortest.HiddenFields(body)
	form.Set("user_code", strings.ToLower(strings.ReplaceAll(userCode.Get("user_code"), "-", ""))) // lenient input
	resp, err = b.PostForm(e.URL+"/device", form)
	if err != nil {
		e.t.Fatal(err)
	}
	body = readBody(e.t, resp)
	if resp.StatusCode != 200 || !strings.Contains(body, `id="approve"`) || !strings.Contains(body, "Music API") {
		e.t.Fatalf("want the device consent page, got %d:\n%s", resp.StatusCode, body)
	}
	form = actortest.HiddenFields(body)
	form.Set("decision", decision)
	resp, err = b.PostForm(e.URL+"/device", form)
	if err != nil {
		e.t.Fatal(err)
	}
	return readBody(e.t, resp)
}

// TestDeviceGrant drives the device authorization grant (RFC 8628) over
// HTTP: every polling error, the user's answer on the /device page, the
// tokens once, and the device code single use.
func TestDeviceGrant(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)

	resp, m := env.deviceStart(nil)
	if resp.StatusCode != 200 || resp.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("device authorization: %d %v", resp.StatusCode, m)
	}
	userCode, _ := m["user_code"].(string)
	// RFC 8628 §6.1: 8 characters of the consonant alphabet, shown with a dash.
	if len(userCode) != 9 || userCode[4] != '-' || strings.Trim(strings.ReplaceAll(userCode, "-", ""), "BCDFGHJKLMNPQRSTVWXZ") != "" {
		t.Fatalf("user_code = %q", userCode)
	}
	if m["verification_uri"] != env.URL+"/device" || m["verification_uri_complete"] != env.URL+"/device?user_code="+userCode ||
		m["interval"] != float64(5) || m["expires_in"] != float64(600) {
		t.Fatalf("device authorization response = %v", m)
	}
	deviceCode := m["device_code"].(string)

	// RFC 8628 §4: advertised in both metadata documents.
	for _, path := range []string{"/.well-known/oauth-authorization-server", "/.well-known/openid-configuration"} {
		resp, err := http.Get(env.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		body := readBody(t, resp)
		if !strings.Contains(body, `"device_authorization_endpoint":"`+env.URL+`/device_authorization"`) || !strings.Contains(body, `"`+deviceGrant+`"`) {
			t.Errorf("%s does not advertise the device grant: %s", path, body)
		}
	}

	// covers: RFC 8628 §3.5
	if resp, m := env.devicePoll(deviceCode); resp.StatusCode != 400 || m["error"] != "authorization_pending" {
		t.Fatalf("first poll = %d %v, want authorization_pending", resp.StatusCode, m)
	}
	if resp, m := env.devicePoll(deviceCode); resp.StatusCode != 400 || m["error"] != "slow_down" {
		t.Fatalf("poll at once = %d %v, want slow_down", resp.StatusCode, m)
	}
	env.advance(6 * time.Second) // past 5 s, but the interval is now 10 s
	if resp, m := env.devicePoll(deviceCode); resp.StatusCode != 400 || m["error"] != "slow_down" {
		t.Fatalf("poll after 6 s (interval 10 s after slow_down) = %d %v, want slow_down", resp.StatusCode, m)
	}

	if body := env.deviceAnswer(m["verification_uri_complete"].(string), "approve"); !strings.Contains(body, `id="done"`) {
		t.Fatalf("after Allow: %s", body)
	}
	env.advance(16 * time.Second)
	resp, tok := env.devicePoll(deviceCode)
	if resp.StatusCode != 200 || tok["access_token"] == nil || tok["refresh_token"] == nil || tok["scope"] != "tracks:read" {
		t.Fatalf("poll after approval = %d %v", resp.StatusCode, tok)
	}
	if in := env.introspect(tok["access_token"].(string)); in["active"] != true || in["username"] != "alice" {
		t.Fatalf("device token introspection = %v", in)
	}
	env.advance(16 * time.Second)
	if resp, m := env.devicePoll(deviceCode); resp.StatusCode != 400 || m["error"] != "invalid_grant" {
		t.Fatalf("second redemption = %d %v, want invalid_grant", resp.StatusCode, m)
	}
}

func TestDeviceGrantDeniedExpiredAndRefused(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)

	_, m := env.deviceStart(nil)
	env.deviceAnswer(m["verification_uri_complete"].(string), "deny")
	if resp, m := env.devicePoll(m["device_code"].(string)); resp.StatusCode != 400 || m["error"] != "access_denied" {
		t.Fatalf("poll after Deny = %d %v, want access_denied", resp.StatusCode, m)
	}

	_, m = env.deviceStart(nil)
	env.advance(11 * time.Minute)
	if resp, m := env.devicePoll(m["device_code"].(string)); resp.StatusCode != 400 || m["error"] != "expired_token" {
		t.Fatalf("poll after expiry = %d %v, want expired_token", resp.StatusCode, m)
	}

	tests := []struct {
		name       string
		user, pass string
		form       url.Values
		status     int
		err        string
	}{
		{"a client without the device grant", "demo-client", "demo-secret", url.Values{"scope": {"tracks:read"}}, 400, "unauthorized_client"},
		{"unknown client", "", "", url.Values{"client_id": {"nobody"}}, 401, "invalid_client"},
		{"scope not registered", "", "", url.Values{"client_id": {"demo-device"}, "scope": {"playlists:write"}}, 400, "invalid_scope"},
		{"unknown resource", "", "", url.Values{"client_id": {"demo-device"}, "resource": {"http://localhost:1/x"}}, 400, "invalid_target"},
		{"repeated scope", "", "", url.Values{"client_id": {"demo-device"}, "scope": {"tracks:read", "tracks:read"}}, 400, "invalid_request"},
	}
	for _, tt := range tests {
		resp, m := env.postForm("/device_authorization", tt.user, tt.pass, tt.form)
		if resp.StatusCode != tt.status || m["error"] != tt.err {
			t.Errorf("%s: %d %v, want %d %s", tt.name, resp.StatusCode, m, tt.status, tt.err)
		}
	}
	// Another device client presenting demo-device's code.
	hash, _ := oauth.HashPassword("other-secret")
	if err := env.DB.CreateClient(context.Background(), oauth.Client{ID: "other-device", SecretHash: hash, Name: "Other",
		GrantTypes: []string{deviceGrant}, Scopes: []string{"tracks:read"}, AuthMethod: oauth.AuthSecretBasic,
		Source: oauth.SourceCLI, CreatedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	_, m = env.deviceStart(nil)
	if resp, m := env.postForm("/token", "other-device", "other-secret", url.Values{"grant_type": {deviceGrant}, "device_code": {m["device_code"].(string)}}); resp.StatusCode != 400 || m["error"] != "invalid_grant" {
		t.Errorf("another client's device code: %d %v, want invalid_grant", resp.StatusCode, m)
	}
	if resp, m := env.postForm("/token", "", "", url.Values{"grant_type": {deviceGrant}, "device_code": {"made-up"}, "client_id": {"demo-device"}}); resp.StatusCode != 400 || m["error"] != "invalid_grant" {
		t.Errorf("made-up device code: %d %v", resp.StatusCode, m)
	}
	if resp, m := env.postForm("/token", "", "", url.Values{"grant_type": {deviceGrant}, "client_id": {"demo-device"}}); resp.StatusCode != 400 || m["error"] != "invalid_request" {
		t.Errorf("no device code: %d %v", resp.StatusCode, m)
	}
}

// TestDeviceCodeRace polls one approved device code from many goroutines
// at once: exactly one gets tokens.
func TestDeviceCodeRace(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	_, m := env.deviceStart(nil)
	env.deviceAnswer(m["verification_uri_complete"].(string), "approve")
	deviceCode := m["device_code"].(string)
	var wg sync.WaitGroup
	var mu sync.Mutex
	wins := 0
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, _ := env.devicePoll(deviceCode)
			mu.Lock()
			defer mu.Unlock()
			if resp.StatusCode == 200 {
				wins++
			}
		}()
	}
	wg.Wait()
	if wins != 1 {
		t.Fatalf("%d polls got tokens, want exactly 1", wins)
	}
}

// TestDeviceCodeGuessing: wrong user codes from one address are slowed
// down (RFC 8628 §5.1), with 429 and Retry-After.
func TestDeviceCodeGuessing(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	b := env.browser()
	resp := env.login(b, env.URL+"/login?return_to=%2Fdevice", "alice", "wonderland")
	body := readBody(t, resp)
	form := actortest.HiddenFields(body)
	statuses := []int{}
	for range 7 {
		form.Set("user_code", "BCDF-GHJK")
		resp, err := b.PostForm(env.URL+"/device", form)
		if err != nil {
			t.Fatal(err)
		}
		readBody(t, resp)
		statuses = append(statuses, resp.StatusCode)
		if resp.StatusCode == http.StatusTooManyRequests && resp.Header.Get("Retry-After") == "" {
			t.Fatal("429 without Retry-After")
		}
	}
	// covers: RFC 8628 §5.1
	if statuses[0] != 400 || statuses[len(statuses)-1] != http.StatusTooManyRequests {
		t.Fatalf("statuses of wrong codes = %v, want 400s then 429", statuses)
	}
}
