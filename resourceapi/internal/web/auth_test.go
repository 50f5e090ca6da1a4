package web

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/oauthlab/oauthlab/shared/contract"
)

// TestForgedTokens sends forged, broken and misplaced tokens and checks that
// each is refused with the status, challenge and JSON body RFC 6750 §3 names.
// Valid variants are in the table too, so the test fails if everything is
// refused.
// covers: RFC 8725 §3.1, RFC 7515 §5.2, RFC 9068 §4, RFC 9068 §2.2, RFC 7515 §4.1.11, RFC 7515 §4.1.4
func TestForgedTokens(t *testing.T) {
	api := newTestAPI(t)
	s := api.signer
	alice := contract.Alice.Subject
	claims := func(edit func(jwt.MapClaims)) jwt.MapClaims {
		c := s.Claims(alice, "tracks:read")
		edit(c)
		return c
	}
	noneToken := func() string {
		tok := jwt.NewWithClaims(jwt.SigningMethodNone, s.Claims(alice, "tracks:read"))
		tok.Header["typ"] = "at+jwt"
		tok.Header["kid"] = s.KID("ES256")
		out, err := tok.SignedString(jwt.UnsafeAllowNoneSignatureType)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	hmacWithPublicKey := func() string {
		tok := jwt.NewWithClaims(jwt.SigningMethodHS256, s.Claims(alice, "tracks:read"))
		tok.Header["typ"] = "at+jwt"
		tok.Header["kid"] = s.KID("RS256")
		out, err := tok.SignedString(s.PublicKeyPEM())
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	tampered := func() string {
		parts := strings.Split(s.Token(alice, "tracks:read"), ".")
		payload, err := base64.RawURLEncoding.DecodeString(parts[1])
		if err != nil {
			t.Fatal(err)
		}
		payload = []byte(strings.Replace(string(payload), `"scope":"tracks:read"`, `"scope":"tracks:read playlists:write"`, 1))
		parts[1] = base64.RawURLEncoding.EncodeToString(payload)
		return strings.Join(parts, ".")
	}
	past := time.Now().Add(-time.Hour)
	future := time.Now().Add(time.Hour)

	const (
		noError = ""
		bad     = "invalid_request"
		invalid = "invalid_token"
	)
	tests := []struct {
		name    string
		headers []string // sent as they are
		query   string
		status  int
		code    string // "" with status 401: no error code in the challenge
	}{
		// Controls: these must pass, or the refusals below prove nothing.
		{"valid ES256", []string{"Authorization: Bearer " + s.Token(alice, "tracks:read")}, "", 200, ""},
		{"valid RS256", []string{"Authorization: Bearer " + s.Sign("RS256", s.Claims(alice, "tracks:read"), nil)}, "", 200, ""},
		{"valid PS256", []string{"Authorization: Bearer " + s.Sign("PS256", s.Claims(alice, "tracks:read"), nil)}, "", 200, ""},
		{"valid EdDSA", []string{"Authorization: Bearer " + s.Sign("EdDSA", s.Claims(alice, "tracks:read"), nil)}, "", 200, ""},
		{"scheme is case-insensitive", []string{"Authorization: bearer " + s.Token(alice, "tracks:read")}, "", 200, ""},
		{"typ application/at+jwt", []string{"Authorization: Bearer " + s.Sign("ES256", s.Claims(alice, "tracks:read"), map[string]any{"typ": "application/at+jwt"})}, "", 200, ""},
		{"aud as an array", []string{"Authorization: Bearer " + s.Sign("ES256", claims(func(c jwt.MapClaims) { c["aud"] = []string{"http://other.test", testResource} }), nil)}, "", 200, ""},

		{"no token", nil, "", 401, noError},
		{"another scheme", []string{"Authorization: Basic ZGVtbzpkZW1v"}, "", 401, noError},
		{"Bearer without a token", []string{"Authorization: Bearer "}, "", 400, bad},
		{"two Authorization headers", []string{"Authorization: Bearer a.b.c", "Authorization: Bearer d.e.f"}, "", 400, bad},
		{"characters outside b64token", []string{"Authorization: Bearer a,b"}, "", 400, bad},
		{"token in the query string", nil, "access_token=" + s.Token(alice, "tracks:read"), 400, bad},
		{"token in the query string and the header", []string{"Authorization: Bearer " + s.Token(alice, "tracks:read")}, "access_token=x", 400, bad},
		{"garbage", []string{"Authorization: Bearer not-a-jwt"}, "", 401, invalid},
		{"garbage with dots", []string{"Authorization: Bearer aaa.bbb.ccc"}, "", 401, invalid},
		{"alg none", []string{"Authorization: Bearer " + noneToken()}, "", 401, invalid},
		{"HS256 signed with the public key", []string{"Authorization: Bearer " + hmacWithPublicKey()}, "", 401, invalid},
		{"unknown key", []string{"Authorization: Bearer " + s.SignUnpublished(s.Claims(alice, "tracks:read"))}, "", 401, invalid},
		{"other issuer", []string{"Authorization: Bearer " + s.Sign("ES256", claims(func(c jwt.MapClaims) { c["iss"] = "http://evil.test" }), nil)}, "", 401, invalid},
		{"wrong audience", []string{"Authorization: Bearer " + s.Sign("ES256", claims(func(c jwt.MapClaims) { c["aud"] = "http://other.test" }), nil)}, "", 401, invalid},
		{"no audience", []string{"Authorization: Bearer " + s.Sign("ES256", claims(func(c jwt.MapClaims) { delete(c, "aud") }), nil)}, "", 401, invalid},
		{"expired", []string{"Authorization: Bearer " + s.Sign("ES256", claims(func(c jwt.MapClaims) {
			c["exp"] = past.Unix()
			c["iat"] = past.Add(-time.Hour).Unix()
			c["nbf"] = past.Add(-time.Hour).Unix()
		}), nil)}, "", 401, invalid},
		{"no exp", []string{"Authorization: Bearer " + s.Sign("ES256", claims(func(c jwt.MapClaims) { delete(c, "exp") }), nil)}, "", 401, invalid},
		{"not yet valid", []string{"Authorization: Bearer " + s.Sign("ES256", claims(func(c jwt.MapClaims) { c["nbf"] = future.Unix() }), nil)}, "", 401, invalid},
		{"issued in the future", []string{"Authorization: Bearer " + s.Sign("ES256", claims(func(c jwt.MapClaims) { c["iat"] = future.Unix() }), nil)}, "", 401, invalid},
		{"typ missing", []string{"Authorization: Bearer " + s.Sign("ES256", s.Claims(alice, "tracks:read"), map[string]any{"typ": nil})}, "", 401, invalid},
		{"typ JWT", []string{"Authorization: Bearer " + s.Sign("ES256", s.Claims(alice, "tracks:read"), map[string]any{"typ": "JWT"})}, "", 401, invalid},
		{"payload tampered after signing", []string{"Authorization: Bearer " + tampered()}, "", 401, invalid},
		{"no sub", []string{"Authorization: Bearer " + s.Sign("ES256", claims(func(c jwt.MapClaims) { delete(c, "sub") }), nil)}, "", 401, invalid},
		{"no client_id", []string{"Authorization: Bearer " + s.Sign("ES256", claims(func(c jwt.MapClaims) { delete(c, "client_id") }), nil)}, "", 401, invalid},
		{"no iat", []string{"Authorization: Bearer " + s.Sign("ES256", claims(func(c jwt.MapClaims) { delete(c, "iat") }), nil)}, "", 401, invalid},
		{"no jti", []string{"Authorization: Bearer " + s.Sign("ES256", claims(func(c jwt.MapClaims) { delete(c, "jti") }), nil)}, "", 401, invalid},
		{"crit header", []string{"Authorization: Bearer " + s.Sign("ES256", s.Claims(alice, "tracks:read"), map[string]any{"crit": []string{"exp"}})}, "", 401, invalid},
		{"no kid", []string{"Authorization: Bearer " + s.Sign("ES256", s.Claims(alice, "tracks:read"), map[string]any{"kid": nil})}, "", 401, invalid},
		{"exp as a string", []string{"Authorization: Bearer " + s.Sign("ES256", claims(func(c jwt.MapClaims) { c["exp"] = fmt.Sprint(future.Add(-50 * time.Minute).Unix()) }), nil)}, "", 401, invalid},
		{"iat as a string", []string{"Authorization: Bearer " + s.Sign("ES256", claims(func(c jwt.MapClaims) { c["iat"] = fmt.Sprint(time.Now().Unix()) }), nil)}, "", 401, invalid},
		{"lifetime above the maximum", []string{"Authorization: Bearer " + s.Sign("ES256", claims(func(c jwt.MapClaims) { c["exp"] = time.Now().Add(24 * time.Hour).Unix() }), nil)}, "", 401, invalid},
		{"lifetime at the maximum", []string{"Authorization: Bearer " + s.Sign("ES256", claims(func(c jwt.MapClaims) { c["exp"] = c["iat"].(int64) + int64((15 * time.Minute).Seconds()) }), nil)}, "", 200, ""},
		{"kid of a key for another algorithm", []string{"Authorization: Bearer " + s.Sign("RS256", s.Claims(alice, "tracks:read"), map[string]any{"kid": s.KID("ES256")})}, "", 401, invalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := "/v1/me/top-tracks"
			if tt.query != "" {
				path += "?" + tt.query
			}
			r := api.do(http.MethodGet, path, "", "", tt.headers...)
			if r.status != tt.status {
				t.Fatalf("status %d, want %d; body %s", r.status, tt.status, r.raw)
			}
			if tt.status == 200 {
				if r.header.Get("WWW-Authenticate") != "" {
					t.Errorf("challenge on a 200: %q", r.header.Get("WWW-Authenticate"))
				}
				return
			}
			wantBody := tt.code
			if wantBody == "" {
				wantBody = "unauthorized"
			}
			if r.body["error"] != wantBody {
				t.Errorf("body error %v, want %q (%s)", r.body["error"], wantBody, r.raw)
			}
			if d, _ := r.body["error_description"].(string); d == "" {
				t.Errorf("no error_description: %s", r.raw)
			}
			ch := r.header.Get("WWW-Authenticate")
			if !strings.HasPrefix(ch, `Bearer realm="music-api"`) {
				t.Errorf("challenge %q does not start with the Bearer realm", ch)
			}
			if !strings.Contains(ch, `resource_metadata="`+metadataURL+`"`) {
				t.Errorf("challenge %q lacks resource_metadata (RFC 9728 §5.1)", ch)
			}
			if tt.code == "" {
				if strings.Contains(ch, "error=") {
					t.Errorf("RFC 6750 §3.1: no error code without a token, got %q", ch)
				}
			} else if !strings.Contains(ch, `error="`+tt.code+`"`) || !strings.Contains(ch, `error_description="`) {
				t.Errorf("challenge %q lacks error=%q and its description", ch, tt.code)
			}
		})
	}
}

// TestTokenInFormBody: RFC 6750 §2.2 form-encoded tokens are refused with
// invalid_request, not silently ignored.
func TestTokenInFormBody(t *testing.T) {
	api := newTestAPI(t)
	body := "access_token=" + api.signer.Token(contract.Alice.Subject, "playlists:write") + "&name=x"
	r := api.do(http.MethodPost, "/v1/me/playlists", "", body, "Content-Type: application/x-www-form-urlencoded")
	if r.status != http.StatusBadRequest || r.body["error"] != "invalid_request" ||
		!strings.Contains(r.header.Get("WWW-Authenticate"), `error="invalid_request"`) {
		t.Fatalf("%d %q %s", r.status, r.header.Get("WWW-Authenticate"), r.raw)
	}
}

// TestChallengeExactly pins one whole answer, header and body, byte for byte.
func TestChallengeExactly(t *testing.T) {
	api := newTestAPI(t)
	r := api.do(http.MethodGet, "/v1/charts", api.signer.Token(contract.Alice.Subject, "tracks:read"), "")
	if r.status != http.StatusForbidden {
		t.Fatalf("status %d", r.status)
	}
	wantHeader := `Bearer realm="music-api", error="insufficient_scope", error_description="the access token lacks the scope this request needs: charts:read", scope="charts:read", resource_metadata="http://api.test/.well-known/oauth-protected-resource"`
	if got := r.header.Get("WWW-Authenticate"); got != wantHeader {
		t.Errorf("WWW-Authenticate\n got %s\nwant %s", got, wantHeader)
	}
	wantBody := `{"error":"insufficient_scope","error_description":"the access token lacks the scope this request needs: charts:read","scope":"charts:read"}` + "\n"
	if r.raw != wantBody {
		t.Errorf("body\n got %s\nwant %s", r.raw, wantBody)
	}
	if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("Content-Type %q", ct)
	}
}

// TestKeyRotation: the signer starts using a new key; the API fetches the
// JWK Set again on the unknown kid, without a restart.
func TestKeyRotation(t *testing.T) {
	api := newTestAPI(t)
	if r := api.do(http.MethodGet, "/v1/me/top-tracks", api.signer.Token(contract.Alice.Subject, "tracks:read"), ""); r.status != 200 {
		t.Fatalf("before rotation: %d %s", r.status, r.raw)
	}
	before := api.signer.JWKSFetches()
	api.signer.Rotate()
	if r := api.do(http.MethodGet, "/v1/me/top-tracks", api.signer.Token(contract.Alice.Subject, "tracks:read"), ""); r.status != 200 {
		t.Fatalf("after rotation: %d %s", r.status, r.raw)
	}
	if api.signer.JWKSFetches() == before {
		t.Error("the JWK Set was not fetched again after the rotation")
	}
}
