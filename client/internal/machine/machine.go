package machine

import (
	"context"
	"net/http"
	"sync"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/oauthlab/oauthlab/client/internal/config"
	"github.com/oauthlab/oauthlab/client/internal/music"
	"github.com/oauthlab/oauthlab/shared/scopes"
)

// Config returns the client credentials configuration of the machine client.
func Config(cfg config.Config) *clientcredentials.Config {
	return &clientcredentials.Config{
		ClientID:     cfg.MachineClientID,
		ClientSecret: cfg.MachineClientSecret,
		TokenURL:     cfg.TokenURL,
		// RFC 6749 §4.4.2: the machine client asks only for what it may do
		// itself; user-data scopes are never granted to it.
		Scopes: []string{scopes.ChartsRead},
		// RFC 6749 §2.3.1: client_secret_basic, as the client is registered.
		AuthStyle: oauth2.AuthStyleInHeader,
	}
}

// Charts gets a token for the machine client and reads GET /v1/charts. hc
// carries every back-channel request (the flow recorder in the web app,
// a plain client in the command); nil means http.DefaultClient.
func Charts(ctx context.Context, cfg config.Config, hc *http.Client) (music.Charts, *oauth2.Token, error) {
	if hc != nil {
		ctx = context.WithValue(ctx, oauth2.HTTPClient, hc)
	}
	ts := Config(cfg).TokenSource(ctx)
	tok, err := ts.Token()
	if err != nil {
		return music.Charts{}, nil, err
	}
	api := &music.Client{BaseURL: cfg.APIURL, HTTP: oauth2.NewClient(ctx, oauth2.StaticTokenSource(tok))}
	charts, err := api.Charts(ctx)
	return charts, tok, err
}

// ReuseMargin is how long before its expiry a cached machine token is
// replaced: a token that expires on its way to the API is no use.
const ReuseMargin = 30 * time.Second

// TokenCache keeps the machine client's access token and hands it out again
// until shortly before it expires, so that every click of "Get charts" (by
// anyone, signed in or not) does not cost a token request and a token row
// at the authorization server. The zero value is ready to use.
//
// Per process, and safe so with replicas: the token is the machine
// client's own, not a user's, so any replica may hold one; two replicas
// cost two tokens instead of one, and nothing is shared that could go
// stale (each token is used only until shortly before it expires).
type TokenCache struct {
	mu  sync.Mutex
	tok *oauth2.Token
}

// Charts reads GET /v1/charts with the cached token, getting a new one
// first when there is none or it expires within ReuseMargin. fresh reports
// whether a token request was made. now is the clock.
func (c *TokenCache) Charts(ctx context.Context, cfg config.Config, hc *http.Client, now func() time.Time) (charts music.Charts, tok *oauth2.Token, fresh bool, err error) {
	c.mu.Lock()
	defer c.mu.Unlock() // one token request at a time: the others wait and reuse it
	if hc != nil {
		ctx = context.WithValue(ctx, oauth2.HTTPClient, hc)
	}
	if c.tok == nil || c.tok.Expiry.IsZero() || !now().Add(ReuseMargin).Before(c.tok.Expiry) {
		c.tok, err = Config(cfg).Token(ctx)
		if err != nil {
			c.tok = nil
			return music.Charts{}, nil, true, err
		}
		fresh = true
	}
	tok = c.tok
	api := &music.Client{BaseURL: cfg.APIURL, HTTP: oauth2.NewClient(ctx, oauth2.StaticTokenSource(tok))}
	if charts, err = api.Charts(ctx); err != nil {
		// Revoked, or the API cannot check it: ask for a new one next time.
		c.tok = nil
	}
	return charts, tok, fresh, err
}
