package store

import (
	"context"
	"crypto"
	"crypto/x509"
	"database/sql"
	"fmt"

	"github.com/oauthlab/oauthlab/authserver/internal/oauth"
)

// SigningKeys returns every signing key, newest first.
func (db *DB) SigningKeys(ctx context.Context) ([]oauth.SigningKey, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT kid, alg, private_key, created_at, purpose FROM signing_keys
		ORDER BY created_at DESC, rowid DESC`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []oauth.SigningKey
	for rows.Next() {
		var k oauth.SigningKey
		var der []byte
		var created sql.NullInt64
		if err := rows.Scan(&k.KID, &k.Alg, &der, &created, &k.Purpose); err != nil {
			return nil, err
		}
		priv, err := x509.ParsePKCS8PrivateKey(der)
		if err != nil {
			return nil, fmt.Errorf("signing key %s: %w", k.KID, err)
		}
		signer, ok := priv.(crypto.Signer)
		if !ok {
			return nil, fmt.Errorf("signing key %s: not a signing key", k.KID)
		}
		k.Private, k.CreatedAt = signer, fromUnix(created)
		out = append(out, k)
	}
	return out, rows.Err()
}

// AddSigningKey stores a new key; an access-token key becomes the active
// one. An ID-token key is ignored when one of its algorithm exists (the
// unique index decides between concurrent creators).
func (db *DB) AddSigningKey(ctx context.Context, k oauth.SigningKey) error {
	der, err := x509.MarshalPKCS8PrivateKey(k.Private)
	if err != nil {
		return err
	}
	purpose := k.Purpose
	if purpose == "" {
		purpose = oauth.PurposeAccess
	}
	_, err = db.write.ExecContext(ctx, `INSERT INTO signing_keys (kid, alg, private_key, created_at, purpose) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT DO NOTHING`, k.KID, k.Alg, der, unix(k.CreatedAt), purpose)
	return err
}
