package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/oauthlab/oauthlab/authserver/internal/oauth"
	"github.com/oauthlab/oauthlab/shared/contract"
)

// SeedDemo adds the demo users and clients of docs/contract.md. It is
// idempotent: existing users are left alone; existing demo clients keep
// their secret but get the configured redirect URI, grants and scopes.
// webRedirectURI is demo-client's redirect URI.
func (db *DB) SeedDemo(ctx context.Context, webRedirectURI string) error {
	for _, u := range contract.DemoUsers {
		_, err := db.UserByUsername(ctx, u.Username)
		if err == nil {
			continue
		}
		if !errors.Is(err, oauth.ErrNotFound) {
			return err
		}
		hash, err := oauth.HashPassword(u.Password)
		if err != nil {
			return err
		}
		if err := db.CreateUser(ctx, oauth.User{Subject: u.Subject, Username: u.Username, PasswordHash: hash, DisplayName: u.DisplayName}); err != nil {
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
		if dc.ID == contract.WebClient.ID {
			c.RedirectURIs = []string{webRedirectURI}
		}
		old, err := db.Client(ctx, dc.ID)
		switch {
		case err == nil:
			c.SecretHash, c.CreatedAt = old.SecretHash, old.CreatedAt
		case errors.Is(err, oauth.ErrNotFound):
			if c.SecretHash, err = oauth.HashPassword(dc.Secret); err != nil {
				return err
			}
			c.CreatedAt = time.Now()
		default:
			return err
		}
		if err := db.tx(ctx, func(tx *sql.Tx) error { return upsertClient(ctx, tx, c, true) }); err != nil {
			return err
		}
	}
	return nil
}
