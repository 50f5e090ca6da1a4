package flow

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// TokenView is an access token opened up for the learner.
type TokenView struct {
	Format    string    `json:"format"` // "JWT" or "opaque"
	Shortened string    `json:"shortened"`
	Header    []Param   `json:"header,omitempty"`
	Claims    []Param   `json:"claims,omitempty"`
	ExpiresAt time.Time `json:"expires_at"`
	Scope     string    `json:"scope,omitempty"`
	// Kind is "id_token" for an OpenID Connect ID token, empty for an
	// access token.
	Kind string `json:"kind,omitempty"`
	Note string `json:"note,omitempty"` // what the client did with the signature
}

// headerMeanings explain the JOSE header of a JWT access token.
var headerMeanings = map[string]string{
	"alg": "The signature algorithm. The resource API accepts only the algorithm it expects, never \"none\".",
	"typ": "\"at+jwt\" marks a JWT access token (RFC 9068 §2.1), so it cannot be confused with an ID token.",
	"kid": "Which of the authorization server's keys signed it; the resource API finds that public key in the JWKS.",
}

// claimMeanings explain the claims of a JWT access token (RFC 9068 §2.2,
// RFC 7519 §4.1).
var claimMeanings = map[string]string{
	"iss":       "Issuer: the authorization server that minted the token. The API only trusts tokens from the issuer it knows.",
	"sub":       "Subject: the resource owner the token acts for (a stable id, not a name or e-mail).",
	"aud":       "Audience: the API this token is meant for, picked by the resource parameter when the app sends one (RFC 8707 §2); any other API must refuse it (RFC 9068 §4, lab scenario 10).",
	"exp":       "Expiry: after this moment the token is worthless and the client must refresh it.",
	"iat":       "Issued at: when the authorization server minted the token.",
	"nbf":       "Not before: the token is not valid before this moment.",
	"jti":       "JWT ID: a unique id for this token, usable to detect replays or revoke it.",
	"client_id": "The client the token was issued to (this app).",
	"scope":     "What the token allows: the scopes the resource owner granted, space-separated (RFC 6749 §3.3).",
	"auth_time": "When the resource owner last signed in at the authorization server.",
	"username":  "A display name for the resource owner, for convenience only.",
}

// claimOrder shows the claims in the order a learner reads them.
var claimOrder = []string{"iss", "sub", "aud", "client_id", "scope", "iat", "nbf", "exp", "auth_time", "jti"}

// DecodeAccessToken opens a token for display. The client does not verify
// it: an access token is meant for the resource API, and to the client it is
// an opaque string (RFC 6749 §1.4). Our authorization server issues JWT access
// tokens (RFC 9068), so the inspector can show what is inside; any other
// token is shown as opaque. expiresAt comes from the token response's
// expires_in, which is what the client relies on.
func DecodeAccessToken(raw, scope string, expiresAt time.Time) *TokenView {
	v := &TokenView{Format: "opaque", Shortened: Shorten(raw), ExpiresAt: expiresAt, Scope: scope}
	tok, _, err := jwt.NewParser().ParseUnverified(raw, jwt.MapClaims{})
	if err != nil {
		return v
	}
	v.Format = "JWT"
	for _, name := range sortedKeys(tok.Header, []string{"alg", "typ", "kid"}) {
		v.Header = append(v.Header, Param{Name: name, Value: show(name, tok.Header[name]), Meaning: headerMeanings[name]})
	}
	claims, _ := tok.Claims.(jwt.MapClaims)
	for _, name := range sortedKeys(claims, claimOrder) {
		m, ok := claimMeanings[name]
		if !ok {
			m = "A claim of this authorization server's own."
		}
		v.Claims = append(v.Claims, Param{Name: name, Value: show(name, claims[name]), Meaning: m})
	}
	return v
}

// sortedKeys returns m's keys: first those in order, then the rest sorted.
func sortedKeys[V any](m map[string]V, order []string) []string {
	var keys, rest []string
	for _, k := range order {
		if _, ok := m[k]; ok {
			keys = append(keys, k)
		}
	}
	for k := range m {
		if !slices.Contains(order, k) {
			rest = append(rest, k)
		}
	}
	slices.Sort(rest)
	return append(keys, rest...)
}

// show formats a claim value; NumericDate claims also get a readable time.
func show(name string, v any) string {
	switch name {
	case "exp", "iat", "nbf", "auth_time":
		if f, ok := v.(float64); ok {
			return fmt.Sprintf("%.0f (%s)", f, time.Unix(int64(f), 0).UTC().Format("2006-01-02 15:04:05 UTC"))
		}
	}
	if s, ok := v.(string); ok {
		return s
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return strings.Trim(string(b), " ")
}
