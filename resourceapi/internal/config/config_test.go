package config

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"
)

func env(kv map[string]string) func(string) string {
	return func(k string) string { return kv[k] }
}

func TestLoadDefaults(t *testing.T) {
	c, err := Load(env(nil))
	if err != nil {
		t.Fatal(err)
	}
	want := Config{
		Addr:             ":9090",
		URL:              "http://localhost:9090",
		Issuer:           "http://localhost:9000",
		JWKSURL:          "http://localhost:9000/.well-known/jwks.json",
		TokenValidation:  "jwt",
		IntrospectionURL: "http://localhost:9000/introspect",
		ClientID:         "music-api",
		ClientSecret:     "music-api-secret",
		DB:               "data/resourceapi.db",
		SeedDemo:         true,
		LogFormat:        "text",
		LogLevel:         "info",
		JWKSRefresh:      time.Minute,
		MaxTokenLifetime: 15 * time.Minute,
	}
	if !reflect.DeepEqual(c, want) {
		t.Fatalf("defaults:\n got %+v\nwant %+v", c, want)
	}
}

func TestLoadOverrides(t *testing.T) {
	c, err := Load(env(map[string]string{
		"RESOURCEAPI_ISSUER":           "http://localhost:9000/",
		"RESOURCEAPI_JWKS_URL":         "http://authserver:9000/.well-known/jwks.json",
		"RESOURCEAPI_TOKEN_VALIDATION": "introspection",
		"RESOURCEAPI_SEED_DEMO":        "false",
		"RESOURCEAPI_TRUSTED_PROXIES":  "10.0.0.2, 10.1.0.0/16",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if c.Issuer != "http://localhost:9000" {
		t.Errorf("issuer keeps its trailing slash: %q", c.Issuer)
	}
	if c.JWKSURL != "http://authserver:9000/.well-known/jwks.json" {
		t.Errorf("JWKSURL = %q", c.JWKSURL)
	}
	if c.IntrospectionURL != "http://localhost:9000/introspect" {
		t.Errorf("IntrospectionURL = %q", c.IntrospectionURL)
	}
	if c.TokenValidation != ValidationIntrospection || c.SeedDemo {
		t.Errorf("got %+v", c)
	}
	if got := fmt.Sprint(c.TrustedProxies); got != "[10.0.0.2/32 10.1.0.0/16]" {
		t.Errorf("TrustedProxies = %s", got)
	}
}

func TestLoadReportsEveryMistake(t *testing.T) {
	_, err := Load(env(map[string]string{
		"RESOURCEAPI_URL":              "localhost:9090",
		"RESOURCEAPI_TOKEN_VALIDATION": "opaque",
		"RESOURCEAPI_SEED_DEMO":        "maybe",
		"RESOURCEAPI_TRUSTED_PROXIES":  "lb",
	}))
	if err == nil {
		t.Fatal("no error")
	}
	for _, key := range []string{"RESOURCEAPI_URL", "RESOURCEAPI_TOKEN_VALIDATION", "RESOURCEAPI_SEED_DEMO", "RESOURCEAPI_TRUSTED_PROXIES"} {
		if !strings.Contains(err.Error(), key) {
			t.Errorf("error does not name %s: %v", key, err)
		}
	}
}

func TestLoadPodcastsTrustedProxies(t *testing.T) {
	c, err := LoadPodcasts(env(map[string]string{"PODCASTAPI_TRUSTED_PROXIES": "::1"}))
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(c.TrustedProxies); got != "[::1/128]" {
		t.Errorf("TrustedProxies = %s", got)
	}
	_, err = LoadPodcasts(env(map[string]string{"PODCASTAPI_TRUSTED_PROXIES": "::1/200"}))
	if err == nil || !strings.Contains(err.Error(), "PODCASTAPI_TRUSTED_PROXIES") {
		t.Errorf("a bad proxy list: err = %v", err)
	}
}
