package machine

import (
	"context"
	"net/http"

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
