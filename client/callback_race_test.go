package main

import (
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// Several simultaneous loads of one callback URL (two tabs, a reload): the
// client must exchange the code once. A second exchange would be a code
// replay to the authorization server, which then revokes the whole grant
// (RFC 6749 §4.1.2), and the user would lose access they just granted.
func TestDoubleLoadedCallbackExchangesOnce(t *testing.T) {
	t.Parallel()
	// A 2 s access token, so that the last page below needs the refresh
	// token: it works only if the grant survived.
	s := startSystem(t, "AUTHSERVER_ACCESS_TOKEN_TTL=2s")
	b := newBrowser(t)
	callback := b.noFollow(s.consentRequest(b, []string{"tracks:read"}, "alice", "wonderland", "approve"))

	const loads = 6
	pages := make([]page, loads)
	var start, done sync.WaitGroup
	start.Add(1)
	for i := range loads {
		done.Add(1)
		go func() {
			defer done.Done()
			start.Wait()
			pages[i] = b.get(callback.String())
		}()
	}
	start.Done()
	done.Wait()

	var connected, completed int
	for _, p := range pages {
		switch {
		case p.status == http.StatusOK && strings.HasSuffix(p.url, "/tracks"):
			connected++
		case p.status == http.StatusConflict && strings.Contains(p.body, "This sign-in was already completed"):
			completed++
		default:
			t.Errorf("a load of the callback ended at %s with %d:\n%.400s", p.url, p.status, p.body)
		}
	}
	if connected != 1 || completed != loads-1 {
		t.Fatalf("%d loads connected and %d were told the sign-in was completed; want 1 and %d", connected, completed, loads-1)
	}

	insp := b.get(s.client.URL + "/inspector")
	if n := count(steps(insp.body), "token-request"); n != 1 {
		t.Errorf("the inspector shows %d token requests, want exactly one code exchange", n)
	}

	// The grant survived: once the access token has expired, the refresh
	// token still works and the API answers.
	time.Sleep(2500 * time.Millisecond)
	wantPage(t, b.get(s.client.URL+"/tracks"), http.StatusOK, `class="track"`)
}
