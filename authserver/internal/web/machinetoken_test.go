package web_test

import (
	"context"
	"errors"
	"net/url"
	"testing"
	"time"

	"github.com/oauthlab/oauthlab/authserver/internal/oauth"
)

// TestMachineTokensAreNotStored: a client_credentials token writes nothing
// when issued, yet introspection reports it in full from its signed claims,
// only to those who may ask, and revocation and expiry end it.
func TestMachineTokensAreNotStored(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	token := env.machineToken()
	claims := verifyJWT(t, env, token)
	jti, _ := claims["jti"].(string)
	if _, err := env.DB.AccessToken(context.Background(), jti); !errors.Is(err, oauth.ErrNotFound) {
		t.Fatalf("the machine token's row: %v, want ErrNotFound (not stored)", err)
	}
	if claims["gty"] != "client_credentials" {
		t.Fatalf("claims = %v, want gty client_credentials", claims)
	}

	in := env.introspect(token)
	want := map[string]any{
		"active": true, "scope": "charts:read", "client_id": "demo-machine", "sub": "demo-machine",
		"token_type": "Bearer", "aud": "http://localhost:9090", "iss": env.URL, "jti": jti,
		"exp": claims["exp"], "iat": claims["iat"], "nbf": claims["iat"],
	}
	for k, v := range want {
		if in[k] != v {
			t.Errorf("introspection %s = %v, want %v (all: %v)", k, in[k], v, in)
		}
	}
	if len(in) != len(want) {
		t.Errorf("introspection = %v, want exactly %v", in, want)
	}
	// RFC 7662 §4: another client (not a resource server) learns nothing.
	if _, m := env.postForm("/introspect", "demo-client", "demo-secret", url.Values{"token": {token}}); m["active"] != false {
		t.Errorf("introspection by another client = %v, want inactive", m)
	}
	// RFC 7009 §2.1: only the client it was issued to can revoke it.
	env.postForm("/revoke", "demo-client", "demo-secret", url.Values{"token": {token}})
	if in := env.introspect(token); in["active"] != true {
		t.Fatalf("another client revoked the machine token: %v", in)
	}
	env.postForm("/revoke", "demo-machine", "machine-secret", url.Values{"token": {token}})
	if in := env.introspect(token); in["active"] != false || len(in) != 1 {
		t.Fatalf("revoked machine token: %v, want only active=false", in)
	}

	// Expiry: a fresh token is inactive once its 10 minutes are over.
	fresh := env.machineToken()
	env.advance(11 * time.Minute)
	if in := env.introspect(fresh); in["active"] != false {
		t.Fatalf("expired machine token: %v, want inactive", in)
	}
}

// TestMachineTokenDiesWithItsClient: a stored token went with its client's
// rows; a machine token, which has none, is checked against its client.
func TestMachineTokenDiesWithItsClient(t *testing.T) {
	t.Parallel()
	for name, edit := range map[string]func(*oauth.Client) error{
		"client gone":                  func(*oauth.Client) error { return oauth.ErrNotFound },
		"no longer client_credentials": func(c *oauth.Client) error { c.GrantTypes = nil; return nil },
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			env := newTestEnv(t)
			token := env.machineToken()
			if in := env.introspect(token); in["active"] != true {
				t.Fatalf("before: %v", in)
			}
			env.Server.Store = editedClient{Store: env.Server.Store, id: "demo-machine", edit: edit}
			if in := env.introspect(token); in["active"] != false {
				t.Fatalf("after %s: %v, want inactive", name, in)
			}
		})
	}
}

// editedClient is the real store with one client's row changed or gone, as
// an operator could do in the database.
type editedClient struct {
	oauth.Store
	id   string
	edit func(*oauth.Client) error
}

func (e editedClient) Client(ctx context.Context, id string) (oauth.Client, error) {
	c, err := e.Store.Client(ctx, id)
	if err == nil && id == e.id {
		err = e.edit(&c)
	}
	return c, err
}
