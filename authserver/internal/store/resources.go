package store

import (
	"context"
	"database/sql"
	"time"

	"github.com/oauthlab/oauthlab/authserver/internal/oauth"
	"github.com/oauthlab/oauthlab/shared/scopes"
	"github.com/oauthlab/oauthlab/shared/sqldb"
)

// Resources lists the protected resources and their scopes, oldest
// resource first (the music API of the seed comes first).
func (db *DB) Resources(ctx context.Context) ([]oauth.Resource, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT r.identifier, r.name, s.scope, s.description, s.user_data
		FROM resources r LEFT JOIN resource_scopes s ON s.resource = r.identifier
		ORDER BY r.created_at, r.identifier, s.rowid`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []oauth.Resource
	for rows.Next() {
		var id, name string
		var scope, desc sql.NullString
		var userData sql.NullBool
		if err := rows.Scan(&id, &name, &scope, &desc, &userData); err != nil {
			return nil, err
		}
		if len(out) == 0 || out[len(out)-1].ID != id {
			out = append(out, oauth.Resource{ID: id, Name: name})
		}
		if scope.Valid {
			last := &out[len(out)-1]
			last.Scopes = append(last.Scopes, scopes.Scope{Name: scope.String, Description: desc.String, UserData: userData.Bool})
		}
	}
	return out, rows.Err()
}

// AddResource stores a resource and its scopes. It is idempotent: a
// resource or scope already there is left as it is, so an operator's
// changes survive a restart that seeds again. A scope name another
// resource already defines is an error (each scope names one API).
func (db *DB) AddResource(ctx context.Context, r oauth.Resource, now time.Time) error {
	return db.tx(ctx, func(tx sqldb.Queryer) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO resources (identifier, name, created_at) VALUES (?, ?, ?)
			ON CONFLICT (identifier) DO NOTHING`, r.ID, r.Name, now.UnixNano()); err != nil {
			return err
		}
		for _, sc := range r.Scopes {
			var owner string
			err := tx.QueryRowContext(ctx, `SELECT resource FROM resource_scopes WHERE scope = ?`, sc.Name).Scan(&owner)
			switch {
			case err == nil && owner != r.ID:
				return &ScopeTakenError{Scope: sc.Name, Resource: owner}
			case err == nil:
				continue
			case err != sql.ErrNoRows:
				return err
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO resource_scopes (resource, scope, description, user_data)
				VALUES (?, ?, ?, ?)`, r.ID, sc.Name, sc.Description, sc.UserData); err != nil {
				return err
			}
		}
		return nil
	})
}

// ScopeTakenError says a scope name belongs to another resource already.
type ScopeTakenError struct{ Scope, Resource string }

func (e *ScopeTakenError) Error() string {
	return "scope " + e.Scope + " is already defined by " + e.Resource
}
