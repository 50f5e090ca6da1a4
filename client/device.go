package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/mdp/qrterminal/v3"
	"golang.org/x/oauth2"

	"github.com/oauthlab/oauthlab/client/internal/config"
	"github.com/oauthlab/oauthlab/client/internal/flow"
	"github.com/oauthlab/oauthlab/client/internal/music"
	"github.com/oauthlab/oauthlab/shared/scopes"
)

// deviceFlow is `client device`: the device authorization grant (RFC 8628)
// for a program with no browser of its own. It asks for a user code, shows
// it with the address where the user enters it (and a QR code of the
// complete address), polls the token endpoint, and prints the user's top
// tracks with the token. x/oauth2 does the protocol: DeviceAuth (§3.1) and
// DeviceAccessToken (§3.4, polling at the interval, slowing down on
// slow_down as §3.5 asks).
func deviceFlow(ctx context.Context, cfg config.Config, stdout io.Writer) error {
	run := newCLIRun(cfg)
	defer run.save(ctx, stdout)
	ctx = context.WithValue(ctx, oauth2.HTTPClient, run.rec.Client())
	conf := &oauth2.Config{
		ClientID: cfg.DeviceClientID, // a public client: no secret (RFC 6749 §2.1)
		Scopes:   []string{scopes.TracksRead},
		Endpoint: oauth2.Endpoint{
			DeviceAuthURL: cfg.DeviceAuthorizationURL,
			TokenURL:      cfg.TokenURL,
			AuthStyle:     oauth2.AuthStyleInParams,
		},
	}
	fmt.Fprintf(stdout, "1. Device authorization request (RFC 8628 §3.1): POST %s as %s\n", cfg.DeviceAuthorizationURL, cfg.DeviceClientID)
	da, err := conf.DeviceAuth(ctx)
	if err != nil {
		return fmt.Errorf("device authorization: %w", err)
	}
	fmt.Fprintf(stdout, "2. User interaction (RFC 8628 §3.3): on any device with a browser, open\n\n     %s\n\n   and enter the code\n\n     %s\n\n", da.VerificationURI, da.UserCode)
	if da.VerificationURIComplete != "" {
		fmt.Fprintf(stdout, "   or scan this code, which opens %s (check that the page shows the same code):\n\n", da.VerificationURIComplete)
		qrterminal.GenerateHalfBlock(da.VerificationURIComplete, qrterminal.L, stdout)
		fmt.Fprintln(stdout)
	}
	run.note(flow.UserInteraction(time.Now(), da.VerificationURI, da.UserCode))
	fmt.Fprintf(stdout, "3. Polling the token endpoint every %d s (RFC 8628 §3.4, §3.5: authorization_pending, slow_down) until you answer, or until %s...\n",
		da.Interval, da.Expiry.Format(time.TimeOnly))
	tok, err := conf.DeviceAccessToken(ctx, da)
	if err != nil {
		// RFC 8628 §3.5: access_denied or expired_token end the flow.
		return fmt.Errorf("device access token: %w", err)
	}
	fmt.Fprintf(stdout, "4. Access token response (RFC 8628 §3.5, RFC 6749 §5.1): a %s token for %q, expiring %s\n",
		tok.TokenType, tok.Extra("scope"), tok.Expiry.Format(time.TimeOnly))
	api := &music.Client{BaseURL: cfg.APIURL, HTTP: conf.Client(ctx, tok)}
	top, err := api.TopTracks(ctx, "week")
	if err != nil {
		return fmt.Errorf("top tracks: %w", err)
	}
	fmt.Fprintf(stdout, "5. GET %s/v1/me/top-tracks with the token (RFC 6750 §2.1):\n\n", cfg.APIURL)
	for _, t := range top.Items {
		fmt.Fprintf(stdout, "   %2d. %s - %s (%d plays)\n", t.Rank, t.Track.Title, t.Track.Artist, t.PlayCount)
	}
	return nil
}
