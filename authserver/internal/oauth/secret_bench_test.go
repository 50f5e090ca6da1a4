package oauth

import (
	"context"
	"testing"
	"time"
)

// clientStore is a one-off fake: it embeds the interface and overrides the
// one method client authentication needs.
type clientStore struct {
	Store
	c Client
}

func (s clientStore) Client(context.Context, string) (Client, error) { return s.c, nil }

// BenchmarkAuthenticateClient shows why verified secrets are cached: bcrypt
// (cost 10) on every token request would cap a core at about 20 requests a
// second.
func BenchmarkAuthenticateClient(b *testing.B) {
	hash, err := HashPassword("demo-secret")
	if err != nil {
		b.Fatal(err)
	}
	c := Client{ID: "demo-client", SecretHash: hash, AuthMethod: AuthSecretBasic}
	creds := ClientCredentials{ID: "demo-client", Secret: "demo-secret", HasSecret: true, Method: AuthSecretBasic}
	b.Run("bcrypt", func(b *testing.B) {
		for b.Loop() {
			s := &Server{Store: clientStore{c: c}, Now: time.Now} // fresh cache each time
			if _, err := s.AuthenticateClient(context.Background(), creds); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("cached", func(b *testing.B) {
		s := &Server{Store: clientStore{c: c}, Now: time.Now}
		for b.Loop() {
			if _, err := s.AuthenticateClient(context.Background(), creds); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func TestAuthenticateClientCache(t *testing.T) {
	hash, err := HashPassword("right")
	if err != nil {
		t.Fatal(err)
	}
	c := Client{ID: "app", SecretHash: hash, AuthMethod: AuthSecretBasic}
	s := &Server{Store: clientStore{c: c}, Now: time.Now}
	tests := []struct {
		name   string
		creds  ClientCredentials
		wantOK bool
	}{
		{"right secret", ClientCredentials{ID: "app", Secret: "right", HasSecret: true, Method: AuthSecretBasic}, true},
		{"right secret again (cached)", ClientCredentials{ID: "app", Secret: "right", HasSecret: true, Method: AuthSecretBasic}, true},
		{"wrong secret after a cached success", ClientCredentials{ID: "app", Secret: "wrong", HasSecret: true, Method: AuthSecretBasic}, false},
		{"no secret", ClientCredentials{ID: "app"}, false},
		{"empty secret", ClientCredentials{ID: "app", HasSecret: true, Method: AuthSecretBasic}, false},
	}
	for _, tt := range tests {
		_, err := s.AuthenticateClient(context.Background(), tt.creds)
		if (err == nil) != tt.wantOK {
			t.Errorf("%s: err = %v, want ok=%v", tt.name, err, tt.wantOK)
		}
	}
	// A changed secret hash invalidates the cache entry.
	newHash, _ := HashPassword("rotated")
	s.Store = clientStore{c: Client{ID: "app", SecretHash: newHash, AuthMethod: AuthSecretBasic}}
	if _, err := s.AuthenticateClient(context.Background(), ClientCredentials{ID: "app", Secret: "right", HasSecret: true, Method: AuthSecretBasic}); err == nil {
		t.Fatal("the old secret still works after the secret changed")
	}
}
