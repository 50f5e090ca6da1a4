package store

import (
	"context"
	"crypto"
	"crypto/x509"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/oauthlab/oauthlab/shared/sqldb"

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
// one at its SignsFrom (at once when that is zero); an ID-token key becomes
// the one that signs its algorithm then. It returns an error (not a
// sentinel) when the kid is taken.
func (db *DB) AddSigningKey(ctx context.Context, k oauth.SigningKey) error {
	purpose := k.Purpose
	if purpose == "" {
		purpose = oauth.PurposeAccess
	}
	return insertSigningKey(ctx, db.write, k, purpose)
}

// insertSigningKey writes k as a key of purpose, its private half as
// PKCS #8.
func insertSigningKey(ctx context.Context, q sqldb.Queryer, k oauth.SigningKey, purpose string) error {
	der, err := x509.MarshalPKCS8PrivateKey(k.Private)
	if err != nil {
		return fmt.Errorf("encode signing key: %w", err)
	}
	_, err = q.ExecContext(ctx, `INSERT INTO signing_keys (kid, alg, private_key, created_at, signs_from, purpose) VALUES (?, ?, ?, ?, ?, ?)`,
		k.KID, k.Alg, der, unix(k.CreatedAt), unix(k.SignsFrom), purpose)
	return err
}

// EnsureIDTokenSigningKey stores k as an ID-token key, and reports true,
// unless an ID-token key of k.Alg that is not retired exists (then false
// and a nil error). The check and the insert are one serializable
// transaction, as in EnsureSigningKey: of replicas meeting a new algorithm
// at once, exactly one adds its key, while `keys rotate` may add more keys
// of the algorithm later (migration 0010 dropped the unique index that
// allowed one).
func (db *DB) EnsureIDTokenSigningKey(ctx context.Context, k oauth.SigningKey) (bool, error) {
	return db.ensureKey(ctx, k, oauth.PurposeIDToken, func(tx sqldb.Queryer) (bool, error) {
		var one int
		err := tx.QueryRowContext(ctx, `SELECT 1 FROM signing_keys WHERE purpose = ? AND alg = ? AND retired_at IS NULL LIMIT 1`,
			oauth.PurposeIDToken, k.Alg).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			return false, nil
		}
		return err == nil, err
	})
}

// ensureKey stores k as a key of purpose, and reports true, unless present
// finds that the database needs none; present and the insert run in one
// serializable transaction, so that replicas doing this at once add one
// key between them (on PostgreSQL, the others' transactions fail to
// serialize, run again, and find it).
func (db *DB) ensureKey(ctx context.Context, k oauth.SigningKey, purpose string, present func(tx sqldb.Queryer) (bool, error)) (bool, error) {
	added := false
	err := db.tx(ctx, func(tx sqldb.Queryer) error {
		added = false
		if found, err := present(tx); found || err != nil {
			return err
		}
		if err := insertSigningKey(ctx, tx, k, purpose); err != nil {
			return err
		}
		added = true
		return nil
	})
	return added, err
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
