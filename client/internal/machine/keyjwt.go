package machine

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/oauthlab/oauthlab/client/internal/config"
	"github.com/oauthlab/oauthlab/client/internal/music"
	"github.com/oauthlab/oauthlab/shared/scopes"
)

// KeyClient is a machine client that authenticates with private_key_jwt
// (RFC 7523 §2.2): it holds a P-256 private key, the server holds only the
// public half, and no secret is shared.
type KeyClient struct {
	ID    string
	KeyID string
	Key   *ecdsa.PrivateKey
}

// clientAssertionType is the client_assertion_type of a JWT (RFC 7523 §2.2).
const clientAssertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

// LoadOrCreateKey reads the PKCS #8 P-256 key at path, or creates one there
// (mode 0600: only this user may read it). created says which.
func LoadOrCreateKey(path string) (key *ecdsa.PrivateKey, created bool, err error) {
	raw, err := os.ReadFile(path)
	if err == nil {
		block, _ := pem.Decode(raw)
		if block == nil {
			return nil, false, fmt.Errorf("%s: not a PEM file", path)
		}
		k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
		ec, ok := k.(*ecdsa.PrivateKey)
		if err != nil || !ok || ec.Curve != elliptic.P256() {
			return nil, false, fmt.Errorf("%s: not a P-256 private key", path)
		}
		return ec, false, nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return nil, false, err
	}
	if key, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader); err != nil {
		return nil, false, err
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, false, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, false, err
	}
	pemBytes := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
	return key, true, os.WriteFile(path, pemBytes, 0o600)
}

// publicJWK is the key's public half as a JWK (RFC 7518 §6.2.1).
func publicJWK(key *ecdsa.PrivateKey, kid string) map[string]string {
	b := func(n []byte) string { return base64.RawURLEncoding.EncodeToString(n) }
	pub, _ := key.PublicKey.Bytes() // 0x04 || X || Y, 32 bytes each
	return map[string]string{"kty": "EC", "crv": "P-256", "alg": "ES256", "use": "sig", "kid": kid,
		"x": b(pub[1:33]), "y": b(pub[33:65])}
}

// KeyID names a key by a hash of its public half.
func KeyID(key *ecdsa.PrivateKey) string {
	pub, _ := key.PublicKey.Bytes()
	sum := sha256.Sum256(pub)
	return base64.RawURLEncoding.EncodeToString(sum[:12])
}

// RegisterKeyClient registers a machine client for the client credentials
// grant with only its public key (RFC 7591 §2 jwks, token_endpoint_auth_method
// private_key_jwt) and returns its client_id.
func RegisterKeyClient(ctx context.Context, hc *http.Client, registerURL string, key *ecdsa.PrivateKey) (KeyClient, error) {
	kid := KeyID(key)
	body, _ := json.Marshal(map[string]any{
		"client_name": "Charts robot (private_key_jwt)", "grant_types": []string{"client_credentials"},
		"token_endpoint_auth_method": "private_key_jwt", "scope": scopes.ChartsRead,
		"jwks": map[string]any{"keys": []any{publicJWK(key, kid)}},
	})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, registerURL, bytes.NewReader(body))
	if err != nil {
		return KeyClient{}, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := hc.Do(req)
	if err != nil {
		return KeyClient{}, err
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	var out struct {
		ClientID string `json:"client_id"`
		Error    string `json:"error"`
		Desc     string `json:"error_description"`
	}
	_ = json.Unmarshal(raw, &out)
	if resp.StatusCode != http.StatusCreated || out.ClientID == "" {
		return KeyClient{}, fmt.Errorf("registration refused: %d %s %s", resp.StatusCode, out.Error, out.Desc)
	}
	return KeyClient{ID: out.ClientID, KeyID: kid, Key: key}, nil
}

// Assertion signs a client assertion for one request (RFC 7523 §3): iss =
// sub = client_id, aud = the token endpoint, a minute of life, a fresh jti.
func (k KeyClient) Assertion(aud string, now time.Time) (string, error) {
	tok := jwt.NewWithClaims(jwt.SigningMethodES256, jwt.RegisteredClaims{
		Issuer: k.ID, Subject: k.ID, Audience: jwt.ClaimStrings{aud},
		IssuedAt: jwt.NewNumericDate(now), ExpiresAt: jwt.NewNumericDate(now.Add(time.Minute)),
		ID: rand.Text(),
	})
	tok.Header["kid"] = k.KeyID
	return tok.SignedString(k.Key)
}

// ChartsWithKey gets a token with the client credentials grant,
// authenticating with a signed assertion instead of a secret, and reads
// the charts. x/oauth2's clientcredentials has no assertion support: the
// assertion goes in EndpointParams, and AuthStyleInParams sends no secret.
func ChartsWithKey(ctx context.Context, cfg config.Config, hc *http.Client, k KeyClient, now time.Time) (music.Charts, *oauth2.Token, error) {
	assertion, err := k.Assertion(cfg.TokenURL, now)
	if err != nil {
		return music.Charts{}, nil, err
	}
	ctx = context.WithValue(ctx, oauth2.HTTPClient, hc)
	cc := &clientcredentials.Config{
		ClientID: k.ID, TokenURL: cfg.TokenURL, Scopes: []string{scopes.ChartsRead},
		AuthStyle: oauth2.AuthStyleInParams,
		EndpointParams: map[string][]string{
			"client_assertion_type": {clientAssertionType},
			"client_assertion":      {assertion},
		},
	}
	tok, err := cc.Token(ctx)
	if err != nil {
		return music.Charts{}, nil, err
	}
	api := &music.Client{BaseURL: cfg.APIURL, HTTP: oauth2.NewClient(ctx, oauth2.StaticTokenSource(tok))}
	charts, err := api.Charts(ctx)
	return charts, tok, err
}

// RegisterURL is the registration endpoint beside the token endpoint.
func RegisterURL(cfg config.Config) string {
	return strings.TrimSuffix(cfg.TokenURL, "/token") + "/register"
}
