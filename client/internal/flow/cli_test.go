package flow

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
)

// TestDevicePollAndAssertion records a device poll answered with
// authorization_pending and a token request carrying a client assertion,
// and checks what the inspector would show of them.
func TestDevicePollAndAssertion(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.FormValue("grant_type") == DeviceCodeGrant {
			w.WriteHeader(http.StatusBadRequest)
			io.WriteString(w, `{"error":"authorization_pending"}`)
			return
		}
		io.WriteString(w, `{"access_token":"the-whole-access-token-value","token_type":"Bearer"}`)
	}))
	defer srv.Close()

	rec := NewRecorder(nil)
	post := func(form url.Values) {
		req, _ := http.NewRequest(http.MethodPost, srv.URL+"/token", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		resp, err := rec.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	post(url.Values{"grant_type": {DeviceCodeGrant}, "device_code": {"the-whole-device-code-value"}, "client_id": {"demo-device"}})
	post(url.Values{"grant_type": {"client_credentials"}, "client_assertion_type": {"urn:ietf:params:oauth:client-assertion-type:jwt-bearer"},
		"client_assertion": {"eyJhbGciOiJFUzI1NiJ9.the-whole-claims-part.the-whole-signature"}})
	xs := rec.Exchanges()
	now := time.Now()

	// covers: RFC 8628 §3.5
	if !IsPending(xs[0]) || IsPending(xs[1]) {
		t.Fatalf("IsPending = %v, %v; want true, false", IsPending(xs[0]), IsPending(xs[1]))
	}
	poll := DevicePoll(now, xs[0])
	if poll.Kind != KindDevicePoll || !strings.Contains(poll.Title, "authorization_pending") {
		t.Errorf("poll step = %q %q", poll.Kind, poll.Title)
	}
	// covers: RFC 7523 §2.2
	req := TokenRequest(now, xs[1])
	if !hasLink(req.Links, RFC7523ClientAuth) {
		t.Errorf("token request with an assertion lacks %s: %v", RFC7523ClientAuth.Label, req.Links)
	}
	for _, st := range []Step{poll, req} {
		text := st.HTTP.RequestText()
		for _, p := range st.Params {
			text += p.Value
		}
		for _, leak := range []string{"the-whole-device-code-value", "the-whole-claims-part"} {
			if strings.Contains(text, leak) {
				t.Errorf("%s step shows %q:\n%s", st.Kind, leak, text)
			}
		}
	}
}

func hasLink(links []Link, want Link) bool {
	for _, l := range links {
		if l == want {
			return true
		}
	}
	return false
}
