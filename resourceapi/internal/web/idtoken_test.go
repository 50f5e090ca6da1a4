package web

import (
	"net/http"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/oauthlab/oauthlab/shared/contract"
)

// TestIDTokensAreRefused sends OpenID Connect ID tokens, signed by the
// authorization server's own published key, as bearer tokens. An ID token
// tells the client who the user is; it is not an access token: its typ is
// JWT, not at+jwt (RFC 9068 §4), and its audience is the client, not this
// API (RFC 9068 §4, OIDC Core §2). Either difference alone must get it
// refused, with 401 invalid_token (RFC 6750 §3.1).
// covers: RFC 9068 §4
func TestIDTokensAreRefused(t *testing.T) {
	api := newTestAPI(t)
	s := api.signer
	now := time.Now()
	idClaims := func(aud string) jwt.MapClaims {
		return jwt.MapClaims{
			"iss": testIssuer, "sub": contract.Alice.Subject, "aud": aud,
			"exp": now.Add(5 * time.Minute).Unix(), "iat": now.Unix(), "auth_time": now.Unix(),
			"nonce": "n-0S6_WzA2Mj", "at_hash": "77QmUPtjPfzWtF2AnpK9RQ", "sid": "sid-1",
			"name": contract.Alice.Name, "email": contract.Alice.Email,
		}
	}
	// What an access token has and an ID token lacks, so that only typ or
	// aud tells the two apart in the cases below.
	asAccess := func(c jwt.MapClaims) jwt.MapClaims {
		c["scope"], c["client_id"], c["jti"] = "tracks:read", contract.WebClient.ID, "jti-1"
		return c
	}
	tests := []struct {
		name   string
		token  string
		status int
	}{
		{"an ID token as issued (typ JWT, aud the client)", s.Sign("RS256", idClaims(contract.WebClient.ID), map[string]any{"typ": "JWT"}), 401},
		{"typ JWT, all else an access token's", s.Sign("RS256", asAccess(idClaims(testResource)), map[string]any{"typ": "JWT"}), 401},
		{"aud the client, all else an access token's", s.Sign("RS256", asAccess(idClaims(contract.WebClient.ID)), nil), 401},
		// The control: the same claims with typ at+jwt and aud this API are
		// a valid access token, so the refusals above come from typ and aud.
		{"control: typ at+jwt, aud this API", s.Sign("RS256", asAccess(idClaims(testResource)), nil), 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := api.do(http.MethodGet, "/v1/me/top-tracks", tt.token, "")
			if r.status != tt.status {
				t.Fatalf("status %d, want %d: %s", r.status, tt.status, r.raw)
			}
			if tt.status == 401 && (r.body["error"] != "invalid_token" || r.header.Get("WWW-Authenticate") == "") {
				t.Fatalf("want invalid_token with a challenge, got %v %q", r.body, r.header.Get("WWW-Authenticate"))
			}
		})
	}
}
