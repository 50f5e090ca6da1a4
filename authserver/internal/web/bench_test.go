package web_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// Benchmarks of whole requests through the real router and SQLite:
//
//	go test ./authserver/internal/web -run '^$' -bench . -benchmem

func benchPost(b *testing.B, env *testEnv, path, user, pass string, form url.Values) map[string]any {
	req, _ := http.NewRequest(http.MethodPost, env.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(user, pass)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&m); err != nil || resp.StatusCode != http.StatusOK {
		b.Fatalf("%s: %d %v", path, resp.StatusCode, err)
	}
	return m
}

// BenchmarkClientCredentials: authenticate (cached bcrypt), sign, store.
func BenchmarkClientCredentials(b *testing.B) {
	env := newTestEnv(b)
	form := url.Values{"grant_type": {"client_credentials"}}
	benchPost(b, env, "/token", "demo-machine", "machine-secret", form) // warm the secret cache
	for b.Loop() {
		benchPost(b, env, "/token", "demo-machine", "machine-secret", form)
	}
}

// BenchmarkIntrospect: authenticate, verify the JWT, look up jti and grant.
func BenchmarkIntrospect(b *testing.B) {
	env := newTestEnv(b)
	tok := benchPost(b, env, "/token", "demo-machine", "machine-secret", url.Values{"grant_type": {"client_credentials"}})
	form := url.Values{"token": {tok["access_token"].(string)}}
	benchPost(b, env, "/introspect", "music-api", "music-api-secret", form)
	for b.Loop() {
		if m := benchPost(b, env, "/introspect", "music-api", "music-api-secret", form); m["active"] != true {
			b.Fatal("inactive")
		}
	}
}

// BenchmarkClientCredentialsParallel: the same from 16 callers at once
// (8 per CPU on two), as `make loadtest` drives it. Here the writes of
// concurrent requests share SQLite commits (group commit, shared/sqlitedb),
// so ns/op, the time per token at this concurrency, is well below the
// serial benchmark's.
func BenchmarkClientCredentialsParallel(b *testing.B) {
	env := newTestEnv(b)
	form := url.Values{"grant_type": {"client_credentials"}}
	benchPost(b, env, "/token", "demo-machine", "machine-secret", form) // warm the secret cache
	b.SetParallelism(8)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			benchPost(b, env, "/token", "demo-machine", "machine-secret", form)
		}
	})
}
