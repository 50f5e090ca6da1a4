package lab

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/oauthlab/oauthlab/shared/contract"
)

// twoAPIClient is a lab client that may ask for scopes of both APIs.
const twoAPIClient = "two APIs"

// runAudienceConfusion gets a token for the music API and one for the
// podcasts API with resource indicators (RFC 8707), and replays each at the
// other API. The resource identifiers come from each API's own metadata
// (RFC 9728), so the scenario follows whatever URLs are configured.
func runAudienceConfusion(ctx context.Context, r *run) (Outcome, *Outcome, error) {
	if r.env.PodcastsAPI == "" {
		return Outcome{}, nil, fmt.Errorf("the client has no podcasts API configured (CLIENT_PODCASTS_URL)")
	}
	b := r.browser("second API replaying Alice's token")
	musicID, err := b.resourceID(ctx, r.env.API)
	if err != nil {
		return Outcome{}, nil, err
	}
	podcastsID, err := b.resourceID(ctx, r.env.PodcastsAPI)
	if err != nil {
		return Outcome{}, nil, err
	}
	c, err := r.labClient(ctx, twoAPIClient)
	if err != nil {
		return Outcome{}, nil, err
	}
	music, err := r.connectUserFor(ctx, b, c, "tracks:read", musicID, contract.Alice)
	if err != nil {
		return Outcome{}, nil, err
	}
	podcasts, err := r.connectUserFor(ctx, r.browser("music API replaying Alice's token"), c, "podcasts:read", podcastsID, contract.Alice)
	if err != nil {
		return Outcome{}, nil, err
	}
	// The music token at the podcasts API, then the podcasts token at the
	// music API.
	toPodcasts, codeAtPodcasts, err := b.callAt(ctx, r.env.PodcastsAPI+"/v1/me/podcasts", music.AccessToken)
	if err != nil {
		return Outcome{}, nil, err
	}
	toMusic, codeAtMusic, err := b.callAPI(ctx, "/v1/me/top-tracks", podcasts.AccessToken)
	if err != nil {
		return Outcome{}, nil, err
	}
	jwks, err := b.get(ctx, r.env.AuthServer+"/.well-known/jwks.json")
	if err != nil {
		return Outcome{}, nil, err
	}
	naiveOut := naive(naiveSignatureOnly(music.AccessToken, []byte(jwks.body), r.env.Issuer),
		"A check that skips aud accepts the music API's token at the podcasts API: it is genuine, unexpired and about Alice.")
	switch {
	case toPodcasts < 400:
		return r.succeeded(toPodcasts, "The podcasts API accepted a token whose audience is the music API."), naiveOut, nil
	case toMusic < 400:
		return r.succeeded(toMusic, "The music API accepted a token whose audience is the podcasts API."), naiveOut, nil
	}
	return r.refused(toPodcasts, codeAtPodcasts, fmt.Sprintf(
		"The podcasts API refused the music token (aud %s) and the music API refused the podcasts token (aud %s, %d %s): each API accepts only tokens whose aud names it.",
		musicID, podcastsID, toMusic, codeAtMusic)), naiveOut, nil
}

// resourceID reads an API's resource identifier from its protected
// resource metadata (RFC 9728 §3).
func (b *browser) resourceID(ctx context.Context, base string) (string, error) {
	p, err := b.get(ctx, strings.TrimSuffix(base, "/")+"/.well-known/oauth-protected-resource")
	if err != nil {
		return "", err
	}
	var md struct {
		Resource string `json:"resource"`
	}
	if p.status != http.StatusOK || json.Unmarshal([]byte(p.body), &md) != nil || md.Resource == "" {
		return "", fmt.Errorf("%s has no protected resource metadata (status %d)", base, p.status)
	}
	return md.Resource, nil
}

// callAt calls any API URL with a bearer token and returns the status and
// the error code of its challenge.
func (b *browser) callAt(ctx context.Context, u, token string) (int, string, error) {
	h := http.Header{}
	h.Set("Authorization", "Bearer "+token)
	p, err := b.do(ctx, http.MethodGet, u, nil, h)
	if err != nil {
		return 0, "", err
	}
	return p.status, challengeError(p.header.Get("WWW-Authenticate")), nil
}

// connectUserFor is connectUser with a resource indicator (RFC 8707) at
// /authorize.
func (r *run) connectUserFor(ctx context.Context, b *browser, c labClient, scope, resource string, user contract.DemoUser) (tokenResponse, error) {
	p := newPKCE()
	q := authorizeQuery(c, scope, rand.Text(), p)
	q.Set("resource", resource)
	code, err := b.signInForCode(ctx, q, user)
	if err != nil {
		return tokenResponse{}, err
	}
	tr, err := b.token(ctx, c, url.Values{"grant_type": {"authorization_code"}, "code": {code},
		"redirect_uri": {c.RedirectURI}, "code_verifier": {p.verifier}, "resource": {resource}})
	if err != nil {
		return tokenResponse{}, err
	}
	if tr.AccessToken == "" {
		return tokenResponse{}, fmt.Errorf("the code exchange failed: %d %s %s", tr.Status, tr.Error, tr.Description)
	}
	return tr, nil
}
