package lab

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/golang-jwt/jwt/v5"

	"github.com/oauthlab/oauthlab/shared/contract"
)

// forgery is one forged access token.
type forgery struct {
	name  string
	token string
}

// runForgedTokens builds tokens the authorization server never signed, with
// the claims of a real one, and presents each to the resource API.
func runForgedTokens(ctx context.Context, r *run) (Outcome, *Outcome, error) {
	c, err := r.labClient(ctx, confidentialClient)
	if err != nil {
		return Outcome{}, nil, err
	}
	b := r.browser("forger")
	real, err := r.connectUser(ctx, b, c, "tracks:read", contract.Alice)
	if err != nil {
		return Outcome{}, nil, err
	}
	jwks, err := b.get(ctx, r.env.AuthServer+"/.well-known/jwks.json")
	if err != nil {
		return Outcome{}, nil, err
	}
	forgeries, err := forge(real.AccessToken, []byte(jwks.body))
	if err != nil {
		return Outcome{}, nil, err
	}
	var accepted, naiveAccepted []string
	status, errCode := 0, ""
	for _, f := range forgeries {
		st, code, err := b.callAPI(ctx, "/v1/me/top-tracks", f.token)
		if err != nil {
			return Outcome{}, nil, err
		}
		if st < 400 {
			accepted = append(accepted, f.name)
		}
		status, errCode = st, code
		if naiveVerify(f.token, []byte(jwks.body)) {
			naiveAccepted = append(naiveAccepted, f.name)
		}
	}
	naiveOut := naive(len(naiveAccepted) > 0, fmt.Sprintf("A verifier that trusts the token's alg and kid headers accepts %d of the %d forgeries: %s.", len(naiveAccepted), len(forgeries), strings.Join(naiveAccepted, ", ")))
	if len(accepted) > 0 {
		return r.succeeded(status, "The API accepted: "+strings.Join(accepted, ", ")), naiveOut, nil
	}
	var names []string
	for _, f := range forgeries {
		names = append(names, f.name)
	}
	return r.refused(status, errCode, fmt.Sprintf("The API refused all %d forgeries (%s): it accepts only its allow-listed asymmetric algorithms, with keys from the authorization server's JWKS, and checks the signature before trusting any claim.", len(forgeries), strings.Join(names, "; "))), naiveOut, nil
}

// forge builds the forgeries from a real token's claims.
func forge(realToken string, jwks []byte) ([]forgery, error) {
	claims := jwt.MapClaims{}
	tok, _, err := jwt.NewParser().ParseUnverified(realToken, claims)
	if err != nil {
		return nil, fmt.Errorf("the real access token is not a JWT: %w", err)
	}
	kid, _ := tok.Header["kid"].(string)
	pub := publicKeyBytes(jwks)
	sign := func(m jwt.SigningMethod, key any, header map[string]any) (string, error) {
		t := jwt.NewWithClaims(m, claims)
		t.Header["typ"] = "at+jwt"
		t.Header["kid"] = kid
		for k, v := range header {
			t.Header[k] = v
		}
		return t.SignedString(key)
	}
	var out []forgery
	add := func(name string, token string, err error) error {
		if err == nil {
			out = append(out, forgery{name, token})
		}
		return err
	}
	none, err := sign(jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, nil)
	if err := add(`alg "none", no signature`, none, err); err != nil {
		return nil, err
	}
	hs, err := sign(jwt.SigningMethodHS256, pub, nil)
	if err := add("HS256 keyed with the server's public key", hs, err); err != nil {
		return nil, err
	}
	foreign, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	es, err := sign(jwt.SigningMethodES256, foreign, nil)
	if err := add("ES256 signed with the attacker's own key under the server's kid", es, err); err != nil {
		return nil, err
	}
	inj, err := sign(jwt.SigningMethodHS256, []byte{0}, map[string]any{"kid": "../../../../../../dev/null"})
	if err := add("kid injection: kid names /dev/null, HS256 keyed with its (empty) content", inj, err); err != nil {
		return nil, err
	}
	// A real token with a widened scope: the signature no longer matches.
	parts := strings.Split(realToken, ".")
	claims["scope"] = "tracks:read playlists:read playlists:write charts:read"
	payload, err := json.Marshal(claims)
	if err != nil {
		return nil, err
	}
	out = append(out, forgery{"a real token with its scope claim edited", parts[0] + "." + base64.RawURLEncoding.EncodeToString(payload) + "." + parts[2]})
	return out, nil
}

// publicKeyBytes returns the first key of a JWKS as the bytes an attacker
// would feed to HMAC: its x (EC, OKP) or n (RSA) member.
func publicKeyBytes(jwks []byte) []byte {
	var set struct {
		Keys []struct {
			X string `json:"x"`
			N string `json:"n"`
		} `json:"keys"`
	}
	if json.Unmarshal(jwks, &set) != nil || len(set.Keys) == 0 {
		return []byte("no key")
	}
	k := set.Keys[0]
	raw, err := base64.RawURLEncoding.DecodeString(k.X + k.N)
	if err != nil || len(raw) == 0 {
		return []byte(k.X + k.N)
	}
	return raw
}

// naiveVerify is the classic broken verifier: it lets the token pick its
// algorithm and finds the key from the kid as a file name. For "none" it
// accepts no signature; for HS256 it uses whatever key material it has for
// the kid, which for the server's kid is the public key. It never sees the
// asymmetric forgeries through, as their signatures do not verify under the
// server's real key, so those are refused here without a key lookup.
func naiveVerify(token string, jwks []byte) bool {
	_, err := jwt.NewParser().Parse(token, func(t *jwt.Token) (any, error) {
		switch t.Method.Alg() {
		case "none":
			return jwt.UnsafeAllowNoneSignatureType, nil
		case "HS256":
			if kid, _ := t.Header["kid"].(string); strings.Contains(kid, "/dev/null") {
				return []byte{0}, nil // what "reading" the named file yields, padded to the forger's key
			}
			return publicKeyBytes(jwks), nil
		}
		return nil, fmt.Errorf("not the server's signature")
	})
	return err == nil
}
