package oauth

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync/atomic"
	"testing"
	"time"
)

// fakeIntrospection is an introspection endpoint that answers with the
// JSON stored for each token, after checking the caller's credentials.
type fakeIntrospection struct {
	answers map[string]map[string]any
	calls   atomic.Int64
}

func (f *fakeIntrospection) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.calls.Add(1)
	id, secret, ok := r.BasicAuth()
	if !ok || id != "music-api" || secret != "s3cret" {
		w.Header().Set("WWW-Authenticate", `Basic realm="as"`)
		http.Error(w, `{"error":"invalid_client"}`, http.StatusUnauthorized)
		return
	}
	if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/x-www-form-urlencoded" ||
		r.PostFormValue("token_type_hint") != "access_token" {
		http.Error(w, `{"error":"invalid_request"}`, http.StatusBadRequest)
		return
	}
	answer, ok := f.answers[r.PostFormValue("token")]
	if !ok {
		answer = map[string]any{"active": false}
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(answer)
}

func TestIntrospector(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	exp := now.Add(10 * time.Minute).Unix()
	active := func(edit func(map[string]any)) map[string]any {
		a := map[string]any{
			"active": true, "scope": "tracks:read playlists:read", "client_id": "demo-client",
			"sub": "demo-user-alice", "token_type": "Bearer", "iss": "http://as.test",
			"aud": "http://api.test", "exp": exp, "iat": now.Unix(), "nbf": now.Unix(),
		}
		if edit != nil {
			edit(a)
		}
		return a
	}
	fake := &fakeIntrospection{answers: map[string]map[string]any{
		"good":          active(nil),
		"aud-array":     active(func(a map[string]any) { a["aud"] = []string{"http://x.test", "http://api.test"} }),
		"no-aud":        active(func(a map[string]any) { delete(a, "aud"); delete(a, "iss"); delete(a, "token_type") }),
		"other-issuer":  active(func(a map[string]any) { a["iss"] = "http://evil.test" }),
		"other-aud":     active(func(a map[string]any) { a["aud"] = "http://other.test" }),
		"refresh-token": active(func(a map[string]any) { a["token_type"] = "refresh_token" }),
		"expired":       active(func(a map[string]any) { a["exp"] = now.Add(-time.Second).Unix() }),
		"not-yet":       active(func(a map[string]any) { a["nbf"] = now.Add(time.Hour).Unix() }),
	}}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	in := NewIntrospector(IntrospectionConfig{
		URL: srv.URL, ClientID: "music-api", ClientSecret: "s3cret",
		Issuer: "http://as.test", Audience: "http://api.test", CacheSize: 100,
		Now: func() time.Time { return now },
	})

	for _, tt := range []struct {
		token string
		ok    bool
	}{
		{"good", true}, {"aud-array", true}, {"no-aud", true},
		{"unknown", false}, {"other-issuer", false}, {"other-aud", false},
		{"refresh-token", false}, {"expired", false}, {"not-yet", false},
	} {
		t.Run(tt.token, func(t *testing.T) {
			p, err := in.Validate(context.Background(), tt.token)
			if !tt.ok {
				var oe *Error
				if !errors.As(err, &oe) || oe.Code != CodeInvalidToken {
					t.Fatalf("got %v, %v; want invalid_token", p, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if p.Subject != "demo-user-alice" || p.ClientID != "demo-client" || !slices.Equal(p.Scopes, []string{"tracks:read", "playlists:read"}) {
				t.Fatalf("principal %+v", p)
			}
		})
	}

	t.Run("answers are cached for a short time", func(t *testing.T) {
		in := NewIntrospector(IntrospectionConfig{
			URL: srv.URL, ClientID: "music-api", ClientSecret: "s3cret",
			Issuer: "http://as.test", Audience: "http://api.test", CacheSize: 100,
			Now: func() time.Time { return now },
		})
		start := fake.calls.Load()
		for range 3 {
			if _, err := in.Validate(context.Background(), "good"); err != nil {
				t.Fatal(err)
			}
			_, _ = in.Validate(context.Background(), "unknown")
		}
		if n := fake.calls.Load() - start; n != 2 {
			t.Fatalf("%d calls to the introspection endpoint for 2 tokens, want 2", n)
		}
		in.cfg.Now = func() time.Time { return now.Add(DefaultIntrospectionCacheTTL) }
		if _, err := in.Validate(context.Background(), "good"); err != nil {
			t.Fatal(err)
		}
		if n := fake.calls.Load() - start; n != 3 {
			t.Fatalf("the cached answer outlived its %s: %d calls", DefaultIntrospectionCacheTTL, n)
		}
	})

	t.Run("wrong credentials are a server problem, not the token's", func(t *testing.T) {
		bad := NewIntrospector(IntrospectionConfig{URL: srv.URL, ClientID: "music-api", ClientSecret: "wrong", Now: func() time.Time { return now }})
		_, err := bad.Validate(context.Background(), "good")
		var oe *Error
		if err == nil || errors.As(err, &oe) {
			t.Fatalf("got %v, want a plain error", err)
		}
	})

	t.Run("an unreachable endpoint is a server problem", func(t *testing.T) {
		down := httptest.NewServer(http.NotFoundHandler())
		down.Close()
		in := NewIntrospector(IntrospectionConfig{URL: down.URL, ClientID: "music-api", ClientSecret: "s3cret"})
		_, err := in.Validate(context.Background(), "good")
		var oe *Error
		if err == nil || errors.As(err, &oe) {
			t.Fatalf("got %v, want a plain error", err)
		}
	})
}
