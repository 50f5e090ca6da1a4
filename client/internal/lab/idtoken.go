package lab

import (
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/golang-jwt/jwt/v5"

	"github.com/oauthlab/oauthlab/client/internal/identity"
	"github.com/oauthlab/oauthlab/shared/contract"
)

// runIDTokenSubstitution takes a genuine ID token of Alice's, signed by
// the real provider, and tries it where it does not belong: as an access
// token at the music API (the headline), as an ID token at another client
// (the demo client), and at its own client in answer to another request
// (a nonce the client never sent).
func runIDTokenSubstitution(ctx context.Context, r *run) (Outcome, *Outcome, error) {
	c, err := r.labClient(ctx, oidcClient)
	if err != nil {
		return Outcome{}, nil, err
	}
	b := r.browser("attacker holding Alice's ID token")
	nonce := rand.Text()
	tok, err := r.connectUserWithNonce(ctx, b, c, "openid tracks:read", nonce, contract.Alice)
	if err != nil {
		return Outcome{}, nil, err
	}
	if tok.IDToken == "" {
		return Outcome{}, nil, fmt.Errorf("the token response has no id_token: is the authorization server an OpenID Provider?")
	}
	jwksURL := r.env.AuthServer + "/.well-known/jwks.json"
	jwks, err := b.get(ctx, jwksURL)
	if err != nil {
		return Outcome{}, nil, err
	}
	signatureOnly := naiveSignatureOnly(tok.IDToken, []byte(jwks.body), r.env.Issuer)

	// Another client: the demo client's own verifier, the code its
	// /callback runs, for the demo client's id.
	keys := oidc.ClientContext(ctx, r.browser("demo client's verifier (fetching the provider's keys)").http)
	demo := identity.NewVerifier(keys, r.env.Issuer, jwksURL, r.env.ClientID, nil, time.Now)
	_, err = demo.VerifyIDToken(ctx, tok.IDToken, identity.Expect{Nonce: nonce, AccessToken: tok.AccessToken})
	r.variant("another-client", "An ID token for another client, presented to the demo client", audienceRule,
		verdict(err, "audience", "The demo client accepted an ID token issued to "+c.ID+".",
			"The demo client's verifier (the code its /callback runs) refused it: aud names "+c.ID+", the lab's own client, not "+r.env.ClientID+". An ID token signed in a user at one client says nothing to another."),
		naive(signatureOnly, "A check of the signature alone accepts it: the token is genuine, from the right provider, about Alice, and for somebody else."))

	// Its own client, another request: the nonce kept with the pending
	// sign-in of the browser it is injected into is not the token's.
	own := identity.NewVerifier(keys, r.env.Issuer, jwksURL, c.ID, nil, time.Now)
	_, err = own.VerifyIDToken(ctx, tok.IDToken, identity.Expect{Nonce: rand.Text(), AccessToken: tok.AccessToken})
	r.variant("wrong-nonce", "An ID token with the wrong nonce, replayed into another sign-in", nonceRule,
		verdict(err, "nonce", "The client accepted an ID token that answers another request.",
			"The lab's own client (right audience) refused it: its nonce is the one of the attacker's request, not the one this sign-in sent. The nonce ties an ID token to the browser whose request it answers, so a captured token cannot sign someone in elsewhere."),
		naive(signatureOnly, "A check of the signature alone accepts it: nothing in a signature says which request the token answers."))

	status, code, err := b.callAPI(ctx, "/v1/me/top-tracks", tok.IDToken)
	if err != nil {
		return Outcome{}, nil, err
	}
	naiveOut := naive(signatureOnly,
		"A check of the signature and the issuer alone accepts the ID token as an access token: it is genuine, from the right server, about Alice.")
	if status < 400 {
		return r.succeeded(status, "The API accepted an ID token as an access token."), naiveOut, nil
	}
	return r.refused(status, code, "The API refused the ID token: its typ is not at+jwt and its audience is the client, not the API. An ID token tells the client who signed in; it is never a key to an API."), naiveOut, nil
}

// The rules that stop the ID-token variants, at the relying party.
var (
	audienceRule = ruleIn("OIDC Core §3.1.3.7", "client/internal/identity/identity.go", "signature")
	nonceRule    = ruleIn("OIDC Core §3.1.3.7", "client/internal/identity/identity.go", "nonce must")
)

// verdict is the outcome of a relying-party check: refused when it
// returned an error (shown as the detail's reason), succeeded otherwise.
// An error that does not name the check the variant is about (about) is
// reported as it is, not explained away as that check.
func verdict(err error, about, succeeded, refused string) Outcome {
	if err == nil {
		return Outcome{Outcome: Succeeded, Detail: succeeded}
	}
	if !strings.Contains(err.Error(), about) {
		refused = "Refused, but not by its " + about + " check: look at the reason."
	}
	o := Outcome{Outcome: Refused, Detail: refused + " (" + err.Error() + ")"}
	var ie *identity.Error
	if errors.As(err, &ie) {
		o.Error = ie.Claim
	}
	return o
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
