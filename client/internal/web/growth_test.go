package web

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"sync/atomic"
	"testing"
)

// Reading pages creates no session: only a form that needs server-side
// state (Connect, Get charts) does.
func TestPageViewsCreateNoSession(t *testing.T) {
	h := newHarness(t, &fakeAS{}, topTracksAPI(200, "", tracksBody))
	for _, path := range []string{"/", "/tracks", "/playlists", "/charts", "/inspector", "/nowhere"} {
		r := h.do(http.MethodGet, path, nil)
		for _, ck := range (&http.Response{Header: r.header}).Cookies() {
			if ck.Name == sessionCookie {
				t.Errorf("GET %s set a session cookie", path)
			}
		}
	}
	if got := h.cookie(sessionCookie); got != "" {
		t.Errorf("after page views the browser holds a session %q", got)
	}
}

// The machine client reuses its client credentials token until shortly
// before it expires: many clicks of "Get charts", one token request.
func TestMachineTokenReused(t *testing.T) {
	var tokenRequests atomic.Int32
	as := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tokenRequests.Add(1)
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"access_token":"machine-token-xxxxxxxxxxxxxxx","token_type":"Bearer","expires_in":600,"scope":"charts:read"}`)
	})
	api := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(map[string]any{"items": []any{}})
	})
	h := newHarness(t, &fakeAS{machine: as}, api)
	for i := range 4 {
		// Each click from a browser of its own, as anonymous visitors do.
		other := &harness{t: t, client: h.client, http: &http.Client{}}
		if r := other.do(http.MethodPost, "/charts", url.Values{}); r.status != http.StatusOK {
			t.Fatalf("charts #%d = %d:\n%s", i+1, r.status, r.body)
		}
	}
	if n := tokenRequests.Load(); n != 1 {
		t.Errorf("%d token requests for 4 charts, want 1 (the token is valid for 10 minutes)", n)
	}
}
