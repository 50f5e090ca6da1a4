package config

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestLoad(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		check   func(Config) bool
		wantErr []string
	}{
		{name: "defaults of docs/contract.md", env: nil, check: func(c Config) bool {
			return c.Addr == ":9000" && c.Issuer == "http://localhost:9000" && c.Audience == "http://localhost:9090" &&
				c.DBPath == "data/authserver.db" && c.SeedDemo && c.SigningAlg == DefaultSigningAlg &&
				c.AccessTokenTTL == 10*time.Minute && c.RefreshTokenTTL == 720*time.Hour && c.CodeTTL == time.Minute &&
				!c.CookieSecure && c.RegistrationToken == "" && c.DemoClientRedirectURI == "http://localhost:8080/callback" &&
				c.RegistrationsPerHour == 20 && c.TrustedProxies == nil
		}},
		{name: "trusted proxies", env: map[string]string{"AUTHSERVER_TRUSTED_PROXIES": "127.0.0.1/32, 10.89.0.10"}, check: func(c Config) bool {
			return fmt.Sprint(c.TrustedProxies) == "[127.0.0.1/32 10.89.0.10/32]"
		}},
		{name: "https issuer makes cookies secure", env: map[string]string{"AUTHSERVER_ISSUER": "https://auth.example/"}, check: func(c Config) bool {
			return c.CookieSecure && c.Issuer == "https://auth.example"
		}},
		{name: "explicit cookie setting wins", env: map[string]string{"AUTHSERVER_ISSUER": "https://auth.example", "AUTHSERVER_COOKIE_SECURE": "false"}, check: func(c Config) bool {
			return !c.CookieSecure
		}},
		{name: "test settings", env: map[string]string{"AUTHSERVER_ACCESS_TOKEN_TTL": "2s", "AUTHSERVER_SIGNING_ALG": "RS256", "AUTHSERVER_SEED_DEMO": "false"}, check: func(c Config) bool {
			return c.AccessTokenTTL == 2*time.Second && c.SigningAlg == "RS256" && !c.SeedDemo
		}},
		{name: "registrations per hour", env: map[string]string{"AUTHSERVER_REGISTRATIONS_PER_HOUR": "5"}, check: func(c Config) bool {
			return c.RegistrationsPerHour == 5
		}},
		{name: "registrations per hour must be positive", env: map[string]string{"AUTHSERVER_REGISTRATIONS_PER_HOUR": "0"}, wantErr: []string{"AUTHSERVER_REGISTRATIONS_PER_HOUR"}},
		{name: "every mistake reported at once", env: map[string]string{
			"AUTHSERVER_ISSUER": "localhost:9000", "AUTHSERVER_SIGNING_ALG": "HS256", "AUTHSERVER_CODE_TTL": "1h", "AUTHSERVER_SEED_DEMO": "maybe",
			"AUTHSERVER_TRUSTED_PROXIES": "nginx, 0.0.0.0/0",
		}, wantErr: []string{"AUTHSERVER_ISSUER", "AUTHSERVER_SIGNING_ALG", "AUTHSERVER_CODE_TTL", "AUTHSERVER_SEED_DEMO",
			`AUTHSERVER_TRUSTED_PROXIES: "nginx"`, `AUTHSERVER_TRUSTED_PROXIES: "0.0.0.0/0" covers every address`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Load(func(k string) string { return tt.env[k] })
			if tt.wantErr != nil {
				if err == nil {
					t.Fatal("want an error")
				}
				for _, w := range tt.wantErr {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("error %q does not mention %s", err, w)
					}
				}
				return
			}
			if err != nil || !tt.check(c) {
				t.Fatalf("Load = %+v, %v", c, err)
			}
		})
	}
}
