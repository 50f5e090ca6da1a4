package store

import (
	"context"
	"crypto"
	"crypto/x509"
	"database/sql"
	"fmt"
	"time"

	"github.com/oauthlab/oauthlab/authserver/internal/oauth"
)

// SigningKeys returns every signing key, retired ones included, the one
// that starts signing last first.
func (db *DB) SigningKeys(ctx context.Context) ([]oauth.SigningKey, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT kid, alg, private_key, created_at, signs_from, retired_at, purpose FROM signing_keys
		ORDER BY COALESCE(signs_from, created_at) DESC, rowid DESC`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []oauth.SigningKey
	for rows.Next() {
		var k oauth.SigningKey
		var der []byte
		var created, signsFrom, retired sql.NullInt64
		if err := rows.Scan(&k.KID, &k.Alg, &der, &created, &signsFrom, &retired, &k.Purpose); err != nil {
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
		k.Private, k.CreatedAt, k.SignsFrom, k.RetiredAt = signer, fromUnix(created), fromUnix(signsFrom), fromUnix(retired)
		out = append(out, k)
	}
	return out, rows.Err()
}

// AddSigningKey stores a new key. An access-token key becomes the active
// one at its SignsFrom (at once when that is zero). An ID-token key is
// ignored when one of its algorithm exists (the unique index decides
// between concurrent creators).
func (db *DB) AddSigningKey(ctx context.Context, k oauth.SigningKey) error {
	der, err := x509.MarshalPKCS8PrivateKey(k.Private)
	if err != nil {
		return err
	}
	purpose := k.Purpose
	if purpose == "" {
		purpose = oauth.PurposeAccess
	}
	_, err = db.write.ExecContext(ctx, `INSERT INTO signing_keys (kid, alg, private_key, created_at, signs_from, purpose) VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT DO NOTHING`, k.KID, k.Alg, der, unix(k.CreatedAt), unix(k.SignsFrom), purpose)
	return err
}

// RetireSigningKey takes a key out of the JWKS for good. It returns
// oauth.ErrNotFound when no key has that id or it was already retired.
func (db *DB) RetireSigningKey(ctx context.Context, kid string, now time.Time) error {
	res, err := db.write.ExecContext(ctx, `UPDATE signing_keys SET retired_at = ? WHERE kid = ? AND retired_at IS NULL`, now.Unix(), kid)
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return oauth.ErrNotFound
	}
	return nil
}
