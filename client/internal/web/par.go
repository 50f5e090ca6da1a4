package web

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// pushAuthorizationRequest sends the authorization request's parameters
// (the query of authURL) to the authorization server's /par endpoint,
// authenticated with client_secret_basic as at /token (RFC 9126 §2.1), and
// returns the short front-channel URL: client_id and request_uri only
// (RFC 9126 §4). x/oauth2 has no PAR, so the request is made by hand with
// the recording client of ctx, and the inspector shows it.
func (a *App) pushAuthorizationRequest(ctx context.Context, authURL string) (string, error) {
	u, err := url.Parse(authURL)
	if err != nil {
		return "", err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, a.cfg.PARURL, strings.NewReader(u.RawQuery))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	// RFC 9126 §2: the request's parameters go over the back channel, the client authenticated as at /token.
	// RFC 6749 §2.3.1: id and secret are form-encoded before Basic encoding.
	req.SetBasicAuth(url.QueryEscape(a.cfg.ClientID), url.QueryEscape(a.cfg.ClientSecret))
	resp, err := httpClientFrom(ctx).Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if err != nil {
		return "", err
	}
	var out struct {
		RequestURI string `json:"request_uri"`
		Error      string `json:"error"`
		Desc       string `json:"error_description"`
	}
	_ = json.Unmarshal(body, &out)
	// RFC 9126 §2.2: success is 201 Created with a request_uri.
	if resp.StatusCode != http.StatusCreated || out.RequestURI == "" {
		return "", fmt.Errorf("the pushed authorization request was refused: %d %s %s", resp.StatusCode, out.Error, out.Desc)
	}
	front := url.Values{"client_id": {a.cfg.ClientID}, "request_uri": {out.RequestURI}}
	return a.cfg.AuthorizeURL + "?" + front.Encode(), nil
}
