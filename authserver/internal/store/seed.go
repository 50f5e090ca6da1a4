package store

import (
	"context"
	"errors"
	"net/url"
	"slices"
	"time"

	"github.com/oauthlab/oauthlab/shared/sqldb"

	"github.com/oauthlab/oauthlab/authserver/internal/oauth"
	"github.com/oauthlab/oauthlab/shared/contract"
	"github.com/oauthlab/oauthlab/shared/scopes"
)

// SeedDemo adds the demo users and clients of docs/contract.md. It is
// idempotent: existing users are left alone; existing demo clients keep
// their secret but get the configured redirect URI, grants and scopes.
// webRedirectURI is demo-client's redirect URI. demo-client may also send
// the browser to its /signed-out page (on the redirect URI's origin) after
// logout; where its back-channel
// logout endpoint is depends on the deployment: see SetBackchannelLogoutURI.
func (db *DB) SeedDemo(ctx context.Context, webRedirectURI string) error {
	for _, u := range contract.DemoUsers {
		profile := oauth.User{Subject: u.Subject, DisplayName: u.DisplayName, Name: u.Name, Email: u.Email, EmailVerified: u.EmailVerified}
		_, err := db.UserByUsername(ctx, u.Username)
		if err == nil {
			// A database seeded before OpenID Connect gets the profile too.
			if err := db.UpdateProfile(ctx, profile); err != nil {
				return err
			}
			continue
		}
		if !errors.Is(err, oauth.ErrNotFound) {
			return err
		}
		hash, err := oauth.HashPassword(u.Password)
		if err != nil {
			return err
		}
		profile.Username, profile.PasswordHash = u.Username, hash
		// Another replica seeding at the same time may have added the user
		// since the lookup above: then its row stays.
		if _, err := db.write.ExecContext(ctx,
			`INSERT INTO users (subject, username, password_hash, display_name, name, email, email_verified, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
			profile.Subject, profile.Username, profile.PasswordHash, profile.DisplayName, profile.Name, profile.Email,
			profile.EmailVerified, time.Now().Unix()); err != nil {
			return err
		}
	}
	for _, dc := range contract.DemoClients {
		c := oauth.Client{
			ID: dc.ID, Name: dc.Name, GrantTypes: dc.GrantTypes, Scopes: dc.Scopes,
			AuthMethod: oauth.AuthSecretBasic, Source: oauth.SourceSeed,
		}
		if dc.RedirectURI != "" {
			c.RedirectURIs = []string{dc.RedirectURI}
		}
		if dc.Secret == "" {
			c.AuthMethod = oauth.AuthNone // a public client (RFC 6749 §2.1)
		}
		if dc.ID == contract.WebClient.ID {
			c.RedirectURIs = []string{webRedirectURI}
			// The web client signs users in with OpenID Connect as well, and
			// may ask for the podcasts API (this project's second resource).
			c.Scopes = slices.Clone(c.Scopes)
			for _, sc := range scopes.OpenIDConnect {
				c.Scopes = append(c.Scopes, sc.Name)
			}
			c.Scopes = append(c.Scopes, scopes.PodcastsRead)
			c.PostLogoutRedirectURIs = []string{signedOutURI(webRedirectURI)}
		}
		old, err := db.Client(ctx, dc.ID)
		switch {
		case err == nil:
			c.SecretHash, c.CreatedAt = old.SecretHash, old.CreatedAt
		case errors.Is(err, oauth.ErrNotFound) && dc.Secret == "":
			c.CreatedAt = time.Now()
		case errors.Is(err, oauth.ErrNotFound):
			if c.SecretHash, err = oauth.HashPassword(dc.Secret); err != nil {
				return err
			}
			c.CreatedAt = time.Now()
		default:
			return err
		}
		err = db.tx(ctx, func(tx sqldb.Queryer) error { return upsertClient(ctx, tx, c, true) })
		db.clients.forget(c.ID)
		if err != nil {
			return err
		}
	}
	return nil
}

// SetBackchannelLogoutURI sets where a client receives logout tokens (OIDC
// Back-Channel Logout §2.2); empty removes it. Only the operator sets it
// (seed, CLI): a registered client could name any address.
func (db *DB) SetBackchannelLogoutURI(ctx context.Context, clientID, uri string) error {
	defer db.clients.forget(clientID)
	_, err := db.write.ExecContext(ctx, `UPDATE clients SET backchannel_logout_uri = ? WHERE id = ?`, uri, clientID)
	return err
}

// signedOutURI is the demo client's page after logout: /signed-out on the
// origin of its redirect URI, so that a client moved to another address
// (a test, a deployment) keeps a working post-logout redirect.
func signedOutURI(redirectURI string) string {
	u, err := url.Parse(redirectURI)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return contract.ClientURL + "/signed-out"
	}
	return u.Scheme + "://" + u.Host + "/signed-out"
}
