package main

import (
	"strings"
	"testing"

	"golang.org/x/oauth2"

	"github.com/oauthlab/oauthlab/shared/actortest"
	"github.com/oauthlab/oauthlab/shared/contract"
)

// startPodcasts runs the podcasts API (cmd/podcastapi) as a real process
// at s.podcastsURL, trusting s's authorization server.
func (s *system) startPodcasts(t *testing.T) {
	t.Helper()
	addr := strings.TrimPrefix(s.podcastsURL, "http://")
	actortest.Start(t, "resourceapi/cmd/podcastapi", s.podcastsURL,
		"PODCASTAPI_ADDR="+addr,
		"PODCASTAPI_URL="+s.podcastsURL,
		"PODCASTAPI_ISSUER="+s.as.URL,
	)
}

// TestAudienceConfusion gets tokens from the real authorization server
// with resource indicators and replays each at the other API: the music
// API refuses a podcasts token and the podcasts API a music token, both
// with 401 invalid_token, while each API serves its own.
func TestAudienceConfusion(t *testing.T) {
	s := startSystem(t)
	s.startPodcasts(t)

	// covers: RFC 8707 §2
	music := s.userTokenWith(t, contract.Alice, []string{"tracks:read"}, oauth2.SetAuthURLParam("resource", s.apiURL)).AccessToken
	podcasts := s.userTokenWith(t, contract.Alice, []string{"podcasts:read"}, oauth2.SetAuthURLParam("resource", s.podcastsURL)).AccessToken

	if status, _, body := get(t, s.podcastsURL+"/v1/me/podcasts", podcasts); status != 200 || len(body["items"].([]any)) == 0 {
		t.Fatalf("podcasts with a podcasts token: %d %v", status, body)
	}
	if status, _, body := get(t, s.apiURL+"/v1/me/top-tracks", music); status != 200 {
		t.Fatalf("top tracks with a music token: %d %v", status, body)
	}
	// covers: RFC 9068 §4
	if status, ch, body := get(t, s.podcastsURL+"/v1/me/podcasts", music); status != 401 || body["error"] != "invalid_token" || !strings.Contains(ch, `realm="podcasts-api"`) {
		t.Fatalf("podcasts with a music token: %d %q %v, want 401 invalid_token", status, ch, body)
	}
	if status, _, body := get(t, s.apiURL+"/v1/me/top-tracks", podcasts); status != 401 || body["error"] != "invalid_token" {
		t.Fatalf("top tracks with a podcasts token: %d %v, want 401 invalid_token", status, body)
	}
	// A machine token (no resource: the music API) is refused too.
	if status, _, body := get(t, s.podcastsURL+"/v1/me/podcasts", s.machineToken(t)); status != 401 {
		t.Fatalf("podcasts with a machine token: %d %v, want 401", status, body)
	}

	// RFC 9728: the podcasts API describes itself.
	if status, _, md := get(t, s.podcastsURL+"/.well-known/oauth-protected-resource", ""); status != 200 ||
		md["resource"] != s.podcastsURL || md["authorization_servers"].([]any)[0] != s.as.URL {
		t.Fatalf("podcasts metadata: %d %v", status, md)
	}
	if status, _, body := get(t, s.podcastsURL+"/v1/me/podcasts", ""); status != 401 {
		t.Fatalf("podcasts without a token: %d %v", status, body)
	}
}
