package identity

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/oauthlab/oauthlab/client/internal/identity/identitytest"
)

const (
	issuer   = "http://localhost:9000"
	clientID = "demo-client"
	nonce    = "n-0S6_WzA2Mj"
	access   = "the-access-token"
)

// memoryGuard is a ReplayGuard for the verifier's own tests; the SQLite one
// has its tests in the store package.
type memoryGuard struct {
	mu   sync.Mutex
	seen map[string]bool
}

func (g *memoryGuard) RecordLogoutJTI(_ context.Context, jti string, _ time.Time) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.seen[jti] {
		return ErrReplayed
	}
	g.seen[jti] = true
	return nil
}

func newVerifier(t *testing.T, p *identitytest.Provider) *Verifier {
	return NewVerifier(t.Context(), issuer, p.JWKS.URL, clientID, &memoryGuard{seen: map[string]bool{}}, time.Now)
}

func idClaimsFor(now time.Time) jwt.MapClaims {
	return identitytest.IDClaims(issuer, clientID, nonce, access, now)
}

var sign = identitytest.Sign

// covers: OIDC Core §3.1.3.7, OIDC Core §3.1.3.6, RFC 8725 §3.11, OIDC Core §12.2
func TestVerifyIDToken(t *testing.T) {
	p := identitytest.NewProvider(t)
	other, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	v := newVerifier(t, p)
	now := time.Now()
	with := func(change func(jwt.MapClaims)) jwt.MapClaims {
		c := idClaimsFor(now)
		change(c)
		return c
	}
	want := Expect{Nonce: nonce, AccessToken: access}

	good := sign(t, jwt.SigningMethodRS256, p.Key, "JWT", idClaimsFor(now))
	tok, err := v.VerifyIDToken(t.Context(), good, want)
	if err != nil {
		t.Fatalf("a good ID token: %v", err)
	}
	if tok.Subject != "demo-user-alice" || tok.Name != "Alice Liddell" || tok.Email != "alice@example.com" || tok.SessionID != "sid-1" || tok.Raw != good {
		t.Fatalf("verified token = %+v", tok)
	}
	// typ is optional in an ID token.
	if _, err := v.VerifyIDToken(t.Context(), sign(t, jwt.SigningMethodRS256, p.Key, "", idClaimsFor(now)), want); err != nil {
		t.Fatalf("an ID token without typ: %v", err)
	}

	hmacKey := []byte(strings.Repeat("k", 32))
	none, err := jwt.NewWithClaims(jwt.SigningMethodNone, idClaimsFor(now)).SignedString(jwt.UnsafeAllowNoneSignatureType)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		raw    string
		expect Expect
		rule   string
	}{
		{"wrong nonce", good, Expect{Nonce: "another", AccessToken: access}, "OIDC Core §3.1.3.7"},
		{"nonce missing", sign(t, jwt.SigningMethodRS256, p.Key, "JWT", with(func(c jwt.MapClaims) { delete(c, "nonce") })), want, "OIDC Core §3.1.3.7"},
		{"wrong aud", sign(t, jwt.SigningMethodRS256, p.Key, "JWT", with(func(c jwt.MapClaims) { c["aud"] = "http://localhost:9090" })), want, "OIDC Core §3.1.3.7"},
		{"wrong iss", sign(t, jwt.SigningMethodRS256, p.Key, "JWT", with(func(c jwt.MapClaims) { c["iss"] = "http://evil.example" })), want, "OIDC Core §3.1.3.7"},
		{"wrong at_hash", good, Expect{Nonce: nonce, AccessToken: "another-access-token"}, "OIDC Core §3.1.3.6"},
		{"expired", sign(t, jwt.SigningMethodRS256, p.Key, "JWT", with(func(c jwt.MapClaims) { c["exp"] = now.Add(-time.Minute).Unix() })), want, "OIDC Core §3.1.3.7"},
		{"alg none", none, want, "OIDC Core §3.1.3.7"},
		{"HS256", sign(t, jwt.SigningMethodHS256, hmacKey, "JWT", idClaimsFor(now)), want, "OIDC Core §3.1.3.7"},
		{"signed by another key", sign(t, jwt.SigningMethodRS256, other, "JWT", idClaimsFor(now)), want, "OIDC Core §3.1.3.7"},
		{"an access token (typ at+jwt)", sign(t, jwt.SigningMethodRS256, p.Key, "at+jwt", idClaimsFor(now)), want, "RFC 8725 §3.11"},
		{"azp of another client", sign(t, jwt.SigningMethodRS256, p.Key, "JWT", with(func(c jwt.MapClaims) { c["azp"] = "other-client" })), want, "OIDC Core §3.1.3.7"},
		{"no auth_time though max_age was sent", sign(t, jwt.SigningMethodRS256, p.Key, "JWT", with(func(c jwt.MapClaims) { delete(c, "auth_time") })),
			Expect{Nonce: nonce, AccessToken: access, MaxAge: true}, "OIDC Core §3.1.3.7"},
		{"a refreshed token about another user", good, Expect{Nonce: nonce, AccessToken: access, Subject: "demo-user-bob"}, "OIDC Core §12.2"},
		{"not a JWS", "garbage", want, "RFC 7515 §7.1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := v.VerifyIDToken(t.Context(), tt.raw, tt.expect)
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("err = %v, want an *Error", err)
			}
			if e.Rule != tt.rule {
				t.Fatalf("rule = %q (%s), want %q", e.Rule, e.Reason, tt.rule)
			}
		})
	}
}

func logoutClaimsFor(now time.Time, jti string) jwt.MapClaims {
	return identitytest.LogoutClaims(issuer, clientID, jti, now)
}

// covers: OIDC Back-Channel Logout §2.4, OIDC Back-Channel Logout §2.6
func TestVerifyLogoutToken(t *testing.T) {
	p := identitytest.NewProvider(t)
	v := newVerifier(t, p)
	now := time.Now()
	with := func(jti string, change func(jwt.MapClaims)) jwt.MapClaims {
		c := logoutClaimsFor(now, jti)
		change(c)
		return c
	}

	good := sign(t, jwt.SigningMethodRS256, p.Key, "logout+jwt", logoutClaimsFor(now, "jti-good"))
	lt, err := v.VerifyLogoutToken(t.Context(), good)
	if err != nil {
		t.Fatalf("a good logout token: %v", err)
	}
	if lt.Subject != "demo-user-alice" || lt.SessionID != "sid-1" || lt.JTI != "jti-good" {
		t.Fatalf("logout token = %+v", lt)
	}
	_, err = v.VerifyLogoutToken(t.Context(), good)
	if !errors.Is(err, ErrReplayed) {
		t.Fatalf("a replayed logout token: err = %v, want ErrReplayed", err)
	}

	tests := []struct {
		name string
		raw  string
		rule string
	}{
		{"typ JWT (an ID token's)", sign(t, jwt.SigningMethodRS256, p.Key, "JWT", logoutClaimsFor(now, "jti-1")), "OIDC Back-Channel Logout §2.4"},
		{"no typ", sign(t, jwt.SigningMethodRS256, p.Key, "", logoutClaimsFor(now, "jti-2")), "OIDC Back-Channel Logout §2.4"},
		{"no events claim", sign(t, jwt.SigningMethodRS256, p.Key, "logout+jwt", with("jti-3", func(c jwt.MapClaims) { delete(c, "events") })), "OIDC Back-Channel Logout §2.6"},
		{"a nonce", sign(t, jwt.SigningMethodRS256, p.Key, "logout+jwt", with("jti-4", func(c jwt.MapClaims) { c["nonce"] = nonce })), "OIDC Back-Channel Logout §2.6"},
		{"neither sub nor sid", sign(t, jwt.SigningMethodRS256, p.Key, "logout+jwt", with("jti-5", func(c jwt.MapClaims) { delete(c, "sub"); delete(c, "sid") })), "OIDC Back-Channel Logout §2.6"},
		{"no jti", sign(t, jwt.SigningMethodRS256, p.Key, "logout+jwt", with("", func(c jwt.MapClaims) { delete(c, "jti") })), "OIDC Back-Channel Logout §2.6"},
		{"wrong aud", sign(t, jwt.SigningMethodRS256, p.Key, "logout+jwt", with("jti-6", func(c jwt.MapClaims) { c["aud"] = "other-client" })), "OIDC Back-Channel Logout §2.6"},
		{"expired", sign(t, jwt.SigningMethodRS256, p.Key, "logout+jwt", with("jti-7", func(c jwt.MapClaims) { c["exp"] = now.Add(-time.Minute).Unix() })), "OIDC Back-Channel Logout §2.6"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := v.VerifyLogoutToken(t.Context(), tt.raw)
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("err = %v, want an *Error", err)
			}
			if e.Rule != tt.rule {
				t.Fatalf("rule = %q (%s), want %q", e.Rule, e.Reason, tt.rule)
			}
			if errors.Is(err, ErrReplayed) {
				t.Fatal("a refused token reported as a replay")
			}
		})
	}
	// A refused token's jti is not recorded: the typ check comes first.
	if _, err := v.VerifyLogoutToken(t.Context(), sign(t, jwt.SigningMethodRS256, p.Key, "logout+jwt", logoutClaimsFor(now, "jti-1"))); err != nil {
		t.Fatalf("the jti of a refused token was recorded: %v", err)
	}
}
