package oauth

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"errors"
)

// Symmetric client authentication (RFC 7523 §2.2, OIDC Core §9
// client_secret_jwt): the client signs a short JWT with an HMAC keyed with
// its client secret. To check it the server needs the secret itself, not
// only its bcrypt hash, so for these clients alone the secret is also kept
// encrypted (AES-256-GCM) with a key every replica shares
// (Server.ClientSecretKey, from the server_secrets table). It is decrypted
// only to verify an assertion. A database leak together with the key gives
// the secrets away, which is why private_key_jwt is still preferred.

// AuthSecretJWT is the token_endpoint_auth_method of such a client.
const AuthSecretJWT = "client_secret_jwt"

// AuthClientAssertion is the ClientCredentials.Method of a request that
// carried a client_assertion: private_key_jwt or client_secret_jwt, as the
// client registered.
const AuthClientAssertion = "client_assertion"

// ClientSecretAssertionAlgs are the HMAC algorithms accepted for
// client_secret_jwt assertions.
var ClientSecretAssertionAlgs = []string{"HS256", "HS384", "HS512"}

// minHMACSecretBytes is the shortest client secret accepted as an HMAC
// key; minSecretJWTChars is that many random bytes in base64url, as
// NewSecret makes them.
const (
	minHMACSecretBytes = 32
	minSecretJWTChars  = 43
)

// ClientSecretKeyName is the server_secrets name of the AES-256 key that
// encrypts client_secret_jwt secrets.
const ClientSecretKeyName = "client_secret_key"

// errNoSecretKey is returned when the server has no ClientSecretKey.
var errNoSecretKey = errors.New("no client secret key configured")

// SealClientSecret encrypts a client_secret_jwt client's secret for storage.
// The client id is authenticated with it, so a sealed secret copied to
// another client's row does not open.
func SealClientSecret(key []byte, clientID, secret string) ([]byte, error) {
	aead, err := secretAEAD(key)
	if err != nil {
		return nil, err
	}
	nonce := make([]byte, aead.NonceSize())
	_, _ = rand.Read(nonce) // crypto/rand.Read never fails (Go 1.24+)
	return aead.Seal(nonce, nonce, []byte(secret), []byte(clientID)), nil
}

// openClientSecret decrypts what SealClientSecret made.
func openClientSecret(key []byte, clientID string, sealed []byte) ([]byte, error) {
	aead, err := secretAEAD(key)
	if err != nil {
		return nil, err
	}
	if len(sealed) < aead.NonceSize() {
		return nil, errors.New("sealed secret too short")
	}
	nonce, box := sealed[:aead.NonceSize()], sealed[aead.NonceSize():]
	return aead.Open(nil, nonce, box, []byte(clientID))
}

func secretAEAD(key []byte) (cipher.AEAD, error) {
	if len(key) != 32 {
		return nil, errNoSecretKey
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

// CheckSecretJWTSecret refuses a client_secret_jwt secret too short to key
// HS256.
func CheckSecretJWTSecret(secret string) error {
	// RFC 7518 §3.2: an HMAC key must be at least as long as the hash output (256 bits for HS256).
	if len(secret) < minSecretJWTChars {
		return errors.New("a client_secret_jwt secret must be at least 43 characters (32 random bytes, base64url)")
	}
	return nil
}

// secretJWTKey returns the HMAC key of a client_secret_jwt client: its
// decrypted secret.
func (s *Server) secretJWTKey(c Client) ([]byte, error) {
	secret, err := openClientSecret(s.ClientSecretKey, c.ID, c.SecretEnc)
	if err != nil {
		return nil, err
	}
	// RFC 7518 §3.2: a key shorter than the hash output is refused, whatever was stored.
	if len(secret) < minHMACSecretBytes {
		return nil, errors.New("the client secret is too short for an HMAC key")
	}
	return secret, nil
}

// SetClientSecret gives a confidential client its secret: the bcrypt hash
// always, and for a client_secret_jwt client also the secret encrypted,
// since its assertions are HMACs keyed with it.
func (s *Server) SetClientSecret(c *Client, secret string) error {
	hash, err := HashPassword(secret)
	if err != nil {
		return err
	}
	c.SecretHash, c.SecretEnc = hash, nil
	if c.AuthMethod != AuthSecretJWT {
		return nil
	}
	if err := CheckSecretJWTSecret(secret); err != nil {
		return err
	}
	c.SecretEnc, err = SealClientSecret(s.ClientSecretKey, c.ID, secret)
	return err
}
