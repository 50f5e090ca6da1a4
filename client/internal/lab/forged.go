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
	"fmt"
	"strings"

	"github.com/golang-jwt/jwt/v5"

	"github.com/oauthlab/oauthlab/shared/contract"
)

// forgery is one forged access token.
type forgery struct {
	id, name string
	token    string
	rule     Rule   // what must stop it
	note     string // what the variant really proves, shown with its outcome
}

// The rules that stop the forgeries at the resource API.
var (
	algRule       = ruleIn("RFC 8725 §3.1", "resourceapi/internal/oauth/jwt.go", "")
	signatureRule = ruleIn("RFC 7515 §5.2", "resourceapi/internal/oauth/jwt.go", "")
)

// runForgedTokens builds tokens the authorization server never signed, with
// the claims of a real one, and presents each to the resource API. Every
// forgery is a variant with its own rule; the headline sums them up.
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
		st, code, reason, err := b.callAPIWithReason(ctx, "/v1/me/top-tracks", f.token)
		if err != nil {
			return Outcome{}, nil, err
		}
		o := Outcome{Outcome: Refused, Status: st, Error: code, Detail: f.note}
		if reason != "" {
			o.Detail += " The API said: “" + reason + "”."
		}
		if st < 400 {
			accepted = append(accepted, f.name)
			o = Outcome{Outcome: Succeeded, Status: st, Detail: "The API accepted it."}
		}
		status, errCode = st, code
		naiveOK := naiveVerify(f.token, []byte(jwks.body))
		if naiveOK {
			naiveAccepted = append(naiveAccepted, f.name)
		}
		r.variant(f.id, f.name, f.rule, o, naive(naiveOK, naiveVerdict(naiveOK)))
	}
	naiveOut := naive(len(naiveAccepted) > 0, fmt.Sprintf("A verifier that trusts the token's alg and kid headers accepts %d of the %d forgeries: %s.", len(naiveAccepted), len(forgeries), strings.Join(naiveAccepted, ", ")))
	if len(accepted) > 0 {
		return r.succeeded(status, "The API accepted: "+strings.Join(accepted, ", ")), naiveOut, nil
	}
	return r.refused(status, errCode, fmt.Sprintf("The API refused all %d forgeries (one row each below): it accepts only its allow-listed asymmetric algorithms, with keys from the authorization server's JWKS, and checks the signature before trusting any claim.", len(forgeries))), naiveOut, nil
}

func naiveVerdict(accepted bool) string {
	if accepted {
		return "The naive verifier let the token choose how it is checked, and accepted it."
	}
	return "Even the naive verifier refused it: the signature does not verify under the server's key."
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
	add := func(f forgery, err error) error {
		if err == nil {
			out = append(out, f)
		}
		return err
	}
	none, err := sign(jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, nil)
	if err := add(forgery{"alg-none", `alg "none", no signature`, none, algRule,
		"Refused before any key is looked up: none is not on the API's list of algorithms."}, err); err != nil {
		return nil, err
	}
	hs, err := sign(jwt.SigningMethodHS256, pub, nil)
	if err := add(forgery{"hs256-public-key", "HS256 keyed with the server's public key", hs, algRule,
		"Refused before any key is looked up: HS256 is not on the list, so the public key is never used as an HMAC secret."}, err); err != nil {
		return nil, err
	}
	// A key of the attacker's own, of the algorithm the server signs with,
	// under the server's kid: everything about the token is right but the
	// key.
	method, foreign, err := foreignKey(tok.Method)
	if err != nil {
		return nil, err
	}
	fk, err := sign(method, foreign, nil)
	if err := add(forgery{"foreign-key", method.Alg() + " signed with the attacker's own key under the server's kid", fk, signatureRule,
		method.Alg() + " is allowed and the kid finds the server's published key, but the attacker's signature does not verify under it."}, err); err != nil {
		return nil, err
	}
	inj, err := sign(jwt.SigningMethodHS256, []byte{0}, map[string]any{"kid": "../../../../../../dev/null"})
	if err := add(forgery{"kid-injection", "kid injection: kid names /dev/null, HS256 keyed with its (empty) content", inj, algRule,
		"Refused by the algorithm list; and the kid is only ever looked up in the JWKS, never as a file name."}, err); err != nil {
		return nil, err
	}
	// Real tokens with one claim edited: the signature no longer matches.
	edit := func(id, name, note, claim string, value any) error {
		c := jwt.MapClaims{}
		for k, v := range claims {
			c[k] = v
		}
		c[claim] = value
		payload, err := json.Marshal(c)
		if err != nil {
			return err
		}
		parts := strings.Split(realToken, ".")
		out = append(out, forgery{id, name, parts[0] + "." + base64.RawURLEncoding.EncodeToString(payload) + "." + parts[2], signatureRule, note})
		return nil
	}
	iat, _ := claims["iat"].(float64)
	for _, e := range []struct {
		id, name, note, claim string
		value                 any
	}{
		{"scope-edited", "a real token with its scope claim edited", "The edit breaks the server's signature.",
			"scope", "tracks:read playlists:read playlists:write charts:read"},
		{"expired", "expired: a real token with exp edited into the past",
			"Refused by its signature, which the edit broke, not by exp: the lab cannot make the server sign an expired token (access tokens live as long as the server says, and the lab's client cannot change that). " +
				"A truly expired token, validly signed, is refused by exp at " + ruleIn("RFC 9068 §2.2", "resourceapi/internal/oauth/jwt.go", "exp and iat").Site.Location() + ": the resource API's TestForgedTokens proves it with a key the API trusts.",
			"exp", int64(iat) - 60},
		{"wrong-aud", "wrong aud: a real token with aud edited to another API",
			"Refused by its signature, which the edit broke, not by aud. A genuine token for another audience needs resource indicators (RFC 8707): coming with them, as scenario 10. " +
				"The aud check itself is at " + ruleIn("RFC 9068 §4", "resourceapi/internal/oauth/jwt.go", "aud must").Site.Location() + ": the resource API's TestForgedTokens proves it with a key the API trusts.",
			"aud", "https://another-api.example"},
	} {
		if err := edit(e.id, e.name, e.note, e.claim, e.value); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// foreignKey makes a fresh key for the algorithm the server signs with
// (ES256 when it is one the lab cannot make).
func foreignKey(m jwt.SigningMethod) (jwt.SigningMethod, any, error) {
	switch m.Alg() {
	case "EdDSA":
		_, k, err := ed25519.GenerateKey(rand.Reader)
		return jwt.SigningMethodEdDSA, k, err
	case "RS256", "PS256":
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		return m, k, err
	}
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	return jwt.SigningMethodES256, k, err
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
