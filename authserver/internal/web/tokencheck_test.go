package web_test

import (
	"context"
	"testing"

	"github.com/golang-jwt/jwt/v5"
)

// TestIntrospectionRefusesOddJWTs: the server's own access tokens, signed
// again with the server's real key after one change to the header or the
// claims, are inactive at /introspect: an unknown critical header (RFC
// 7515 §4.1.11), no kid, or exp or iat that is not a number. The unchanged
// copy is active, which shows the re-signing itself is sound.
func TestIntrospectionRefusesOddJWTs(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	orig, _, err := jwt.NewParser().ParseUnverified(env.machineToken(), jwt.MapClaims{})
	if err != nil {
		t.Fatal(err)
	}
	keys, err := env.DB.SigningKeys(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	key := keys[0]
	resign := func(edit func(h map[string]any, c jwt.MapClaims)) string {
		claims := jwt.MapClaims{}
		for k, v := range orig.Claims.(jwt.MapClaims) {
			claims[k] = v
		}
		tok := jwt.NewWithClaims(key.Method(), claims)
		for k, v := range orig.Header {
			tok.Header[k] = v
		}
		edit(tok.Header, claims)
		s, err := tok.SignedString(key.Private)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	tests := []struct {
		name   string
		edit   func(h map[string]any, c jwt.MapClaims)
		active bool
	}{
		{"unchanged", func(map[string]any, jwt.MapClaims) {}, true},
		{"unknown crit header", func(h map[string]any, _ jwt.MapClaims) { h["crit"] = []string{"exp-ext"}; h["exp-ext"] = true }, false},
		{"no kid", func(h map[string]any, _ jwt.MapClaims) { delete(h, "kid") }, false},
		{"exp as a string", func(_ map[string]any, c jwt.MapClaims) { c["exp"] = "9999999999" }, false},
		{"iat as a string", func(_ map[string]any, c jwt.MapClaims) { c["iat"] = "1" }, false},
		{"no iat", func(_ map[string]any, c jwt.MapClaims) { delete(c, "iat") }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := env.introspect(resign(tt.edit))["active"]; got != tt.active {
				t.Fatalf("active = %v, want %v", got, tt.active)
			}
		})
	}
}
