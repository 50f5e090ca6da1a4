package lab

import (
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/big"

	"github.com/golang-jwt/jwt/v5"

	"github.com/oauthlab/oauthlab/shared/contract"
)

// runIDTokenSubstitution presents Alice's ID token to the resource API as
// if it were an access token: it is signed by the same server and names
// the same user, but it is meant for the client (aud), says so in its typ,
// and carries no scope.
func runIDTokenSubstitution(ctx context.Context, r *run) (Outcome, *Outcome, error) {
	c, err := r.labClient(ctx, oidcClient)
	if err != nil {
		return Outcome{}, nil, err
	}
	b := r.browser("attacker holding Alice's ID token")
	tok, err := r.connectUser(ctx, b, c, "openid tracks:read", contract.Alice)
	if err != nil {
		return Outcome{}, nil, err
	}
	if tok.IDToken == "" {
		return Outcome{}, nil, fmt.Errorf("the token response has no id_token: is the authorization server an OpenID Provider?")
	}
	jwks, err := b.get(ctx, r.env.AuthServer+"/.well-known/jwks.json")
	if err != nil {
		return Outcome{}, nil, err
	}
	status, code, err := b.callAPI(ctx, "/v1/me/top-tracks", tok.IDToken)
	if err != nil {
		return Outcome{}, nil, err
	}
	naiveOut := naive(naiveSignatureOnly(tok.IDToken, []byte(jwks.body), r.env.Issuer),
		"A check of the signature and the issuer alone accepts the ID token as an access token: it is genuine, from the right server, about Alice.")
	if status < 400 {
		return r.succeeded(status, "The API accepted an ID token as an access token."), naiveOut, nil
	}
	return r.refused(status, code, "The API refused the ID token: its typ is not at+jwt and its audience is the client, not the API. An ID token tells the client who signed in; it is never a key to an API."), naiveOut, nil
}

// naiveSignatureOnly verifies a JWT's signature with the server's JWKS
// and checks iss, as a first-draft resource server does, and nothing else:
// not typ, not aud.
func naiveSignatureOnly(token string, jwks []byte, issuer string) bool {
	var set struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if json.Unmarshal(jwks, &set) != nil {
		return false
	}
	_, err := jwt.NewParser(jwt.WithIssuer(issuer)).Parse(token, func(t *jwt.Token) (any, error) {
		kid, _ := t.Header["kid"].(string)
		for _, raw := range set.Keys {
			if k, id, err := jwkPublicKey(raw); err == nil && id == kid {
				return k, nil
			}
		}
		return nil, fmt.Errorf("no key %q", kid)
	})
	return err == nil
}

// jwkPublicKey reads an Ed25519, P-256 or RSA public key from a JWK.
func jwkPublicKey(raw []byte) (any, string, error) {
	var k struct {
		Kty, Crv, Kid, X, Y, N, E string
	}
	if err := json.Unmarshal(raw, &k); err != nil {
		return nil, "", err
	}
	b64 := base64.RawURLEncoding.DecodeString
	switch k.Kty {
	case "OKP":
		x, err := b64(k.X)
		if err != nil || k.Crv != "Ed25519" || len(x) != ed25519.PublicKeySize {
			return nil, "", fmt.Errorf("bad OKP key")
		}
		return ed25519.PublicKey(x), k.Kid, nil
	case "EC":
		x, errX := b64(k.X)
		y, errY := b64(k.Y)
		if errX != nil || errY != nil || k.Crv != "P-256" {
			return nil, "", fmt.Errorf("bad EC key")
		}
		return &ecdsa.PublicKey{Curve: elliptic.P256(), X: new(big.Int).SetBytes(x), Y: new(big.Int).SetBytes(y)}, k.Kid, nil
	case "RSA":
		n, errN := b64(k.N)
		e, errE := b64(k.E)
		if errN != nil || errE != nil {
			return nil, "", fmt.Errorf("bad RSA key")
		}
		return &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(new(big.Int).SetBytes(e).Int64())}, k.Kid, nil
	}
	return nil, "", fmt.Errorf("unsupported kty %q", k.Kty)
}
