package lab

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"github.com/oauthlab/oauthlab/shared/scopes"
	"net/http"
	"sync"
)

// labClient is a client the lab registered for itself through open dynamic
// registration (RFC 7591), so that attacks which revoke grants never touch
// the learner's own demo-client grants.
type labClient struct {
	ID, Secret  string // Secret is empty for a public client
	RedirectURI string
}

// The kinds of client the scenarios need.
const (
	confidentialClient = "confidential"
	publicClient       = "public"
	attackerClient     = "attacker's"     // registered with the attacker's redirect URI
	oidcClient         = "OpenID Connect" // may also ask for openid
)

// labScope is what every lab client may ask for.
const labScope = "tracks:read playlists:read"

// clientCache keeps the registered clients for the life of the process, so
// that repeated runs do not register endlessly.
type clientCache struct {
	mu sync.Mutex
	m  map[string]labClient
}

// labClient returns the lab's client of kind, registering it on first use.
func (r *run) labClient(ctx context.Context, kind string) (labClient, error) {
	cache := &r.lab.clients
	cache.mu.Lock()
	defer cache.mu.Unlock()
	if c, ok := cache.m[kind]; ok {
		return c, nil
	}
	redirect := r.env.Client + "/lab/callback"
	if kind == attackerClient {
		redirect = attackerRedirect
	}
	meta := map[string]any{
		"client_name":   "oauthlab attack lab (" + kind + ")",
		"redirect_uris": []string{redirect},
		"grant_types":   []string{"authorization_code", "refresh_token"},
		"scope":         labScope,
	}
	if kind == oidcClient {
		meta["scope"] = "openid " + labScope
	}
	if kind == twoAPIClient {
		meta["scope"] = labScope + " " + scopes.PodcastsRead
	}
	if kind == publicClient {
		meta["token_endpoint_auth_method"] = "none"
	}
	out, status, err := r.register(ctx, r.browser("lab (registering its own client)"), meta)
	if err != nil {
		return labClient{}, err
	}
	if status != http.StatusCreated || out.ClientID == "" {
		return labClient{}, fmt.Errorf("the lab could not register a client: %d", status)
	}
	c := labClient{ID: out.ClientID, Secret: out.ClientSecret, RedirectURI: redirect}
	if cache.m == nil {
		cache.m = map[string]labClient{}
	}
	cache.m[kind] = c
	return c, nil
}

type registration struct {
	ClientID     string `json:"client_id"`
	ClientSecret string `json:"client_secret"`
	Error        string `json:"error"`
}

// register posts client metadata to the registration endpoint. A 429 is
// an error, not an answer: the server takes only so many registrations per
// address an hour (RFC 6585 §4), and a run that could not register proves
// nothing either way, so it must not be shown as an attack refused.
func (r *run) register(ctx context.Context, b *browser, meta map[string]any) (registration, int, error) {
	body, err := json.Marshal(meta)
	if err != nil {
		return registration{}, 0, err
	}
	p, err := b.do(ctx, http.MethodPost, r.env.AuthServer+"/register", bytes.NewReader(body), http.Header{"Content-Type": {"application/json"}})
	if err != nil {
		return registration{}, 0, err
	}
	if p.status == http.StatusTooManyRequests {
		return registration{}, p.status, fmt.Errorf("the registration endpoint refused this address for now " +
			"(429, too many registrations this hour; see AUTHSERVER_REGISTRATIONS_PER_HOUR), so the lab could not register its client: run this scenario again later")
	}
	var out registration
	_ = json.Unmarshal([]byte(p.body), &out) // an error answer may not be JSON
	return out, p.status, nil
}
