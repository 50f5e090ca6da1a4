package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"strings"
	"time"

	"github.com/oauthlab/oauthlab/shared/sqldb"

	"github.com/oauthlab/oauthlab/authserver/internal/oauth"
)

const clientColumns = `id, secret_hash, name, redirect_uris, grant_types, scopes, auth_method, source, created_at,
	post_logout_redirect_uris, backchannel_logout_uri, id_token_signed_response_alg, default_max_age, require_auth_time,
	pkce_optional, require_par, jwks, secret_enc`

func scanClient(row interface{ Scan(...any) error }) (oauth.Client, error) {
	var c oauth.Client
	var uris, grants, scopes, logoutURIs string
	var created sql.NullInt64
	var maxAge int64
	if err := row.Scan(&c.ID, &c.SecretHash, &c.Name, &uris, &grants, &scopes, &c.AuthMethod, &c.Source, &created,
		&logoutURIs, &c.BackchannelLogoutURI, &c.IDTokenAlg, &maxAge, &c.RequireAuthTime,
		&c.PKCEOptional, &c.RequirePAR, &c.JWKS, &c.SecretEnc); err != nil {
		return c, notFound(err)
	}
	if err := json.Unmarshal([]byte(uris), &c.RedirectURIs); err != nil {
		return c, err
	}
	if err := json.Unmarshal([]byte(logoutURIs), &c.PostLogoutRedirectURIs); err != nil {
		return c, err
	}
	c.DefaultMaxAge = time.Duration(maxAge) * time.Second
	c.GrantTypes, c.Scopes, c.CreatedAt = strings.Fields(grants), strings.Fields(scopes), fromUnix(created)
	return c, nil
}

// Client finds a client by id: from the rows read in the last second
// (clientcache.go says why that is safe), or from the database.
func (db *DB) Client(ctx context.Context, id string) (oauth.Client, error) {
	if c, ok := db.clients.get(id); ok {
		return c, nil
	}
	c, err := scanClient(db.read.QueryRowContext(ctx, `SELECT `+clientColumns+` FROM clients WHERE id = ?`, id))
	if err == nil {
		db.clients.put(c)
	}
	return c, err
}

// Clients lists every client, for the CLI.
func (db *DB) Clients(ctx context.Context) ([]oauth.Client, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT `+clientColumns+` FROM clients ORDER BY created_at, id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []oauth.Client
	for rows.Next() {
		c, err := scanClient(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// CreateClient adds a client.
func (db *DB) CreateClient(ctx context.Context, c oauth.Client) error {
	defer db.clients.forget(c.ID)
	return db.tx(ctx, func(tx sqldb.Queryer) error { return upsertClient(ctx, tx, c, false) })
}

func upsertClient(ctx context.Context, tx sqldb.Queryer, c oauth.Client, update bool) error {
	uris, err := json.Marshal(nonNil(c.RedirectURIs))
	if err != nil {
		return err
	}
	logoutURIs, err := json.Marshal(nonNil(c.PostLogoutRedirectURIs))
	if err != nil {
		return err
	}
	q := `INSERT INTO clients (` + clientColumns + `) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
	if update {
		// Keep the secret: a seed re-run must not change it.
		q += ` ON CONFLICT (id) DO UPDATE SET name = excluded.name, redirect_uris = excluded.redirect_uris,
			grant_types = excluded.grant_types, scopes = excluded.scopes, auth_method = excluded.auth_method,
			source = excluded.source, post_logout_redirect_uris = excluded.post_logout_redirect_uris`
	}
	_, err = tx.ExecContext(ctx, q, c.ID, c.SecretHash, c.Name, string(uris),
		strings.Join(c.GrantTypes, " "), strings.Join(c.Scopes, " "), c.AuthMethod, c.Source, unix(c.CreatedAt),
		string(logoutURIs), c.BackchannelLogoutURI, c.IDTokenAlg, int64(c.DefaultMaxAge/time.Second), c.RequireAuthTime,
		c.PKCEOptional, c.RequirePAR, c.JWKS, c.SecretEnc)
	return err
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
