package oauth

import (
	"context"
	"testing"
	"time"
)

// covers: RFC 7636 §4.6, RFC 7636 §4.1
func TestPKCE(t *testing.T) {
	// RFC 7636 Appendix B.
	const verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
	const challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
	if got := S256Challenge(verifier); got != challenge {
		t.Fatalf("S256Challenge = %s, want %s", got, challenge)
	}
	tests := []struct {
		name     string
		verifier string
		valid    bool
		matches  bool
	}{
		{"RFC 7636 example", verifier, true, true},
		{"another verifier", "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXZ", true, false},
		{"too short", "abc", false, false},
		{"too long", string(make([]byte, 129)), false, false},
		{"bad characters", "dBjftJeZ4CVP+mB92K27uhbUJU1p1r_wW1gFWFOEjXk", false, false},
	}
	for _, tt := range tests {
		if got := ValidVerifier(tt.verifier); got != tt.valid {
			t.Errorf("%s: ValidVerifier = %v, want %v", tt.name, got, tt.valid)
		}
		if got := VerifyS256(tt.verifier, challenge); got != tt.matches {
			t.Errorf("%s: VerifyS256 = %v, want %v", tt.name, got, tt.matches)
		}
	}
	for c, want := range map[string]bool{challenge: true, "short": false, challenge[:42] + "=": false, challenge[:42] + "+": false} {
		if got := ValidS256Challenge(c); got != want {
			t.Errorf("ValidS256Challenge(%q) = %v, want %v", c, got, want)
		}
	}
}

func TestCheckScope(t *testing.T) {
	web := Client{Scopes: []string{"tracks:read", "playlists:read", "charts:read", "podcasts:read"}}
	s := &Server{Audience: "http://music", Resources: NewRegistry(DefaultResources("http://music", "http://podcasts"))}
	tests := []struct {
		name      string
		raw       string
		given     bool
		userGrant bool
		resources []string
		want      string
		err       string
	}{
		{name: "default for a user grant", userGrant: true, want: "tracks:read playlists:read charts:read"},
		{name: "default for a machine grant", want: "charts:read"},
		{name: "subset", raw: "tracks:read", given: true, userGrant: true, want: "tracks:read"},
		{name: "repeats dropped", raw: "tracks:read  tracks:read", given: true, userGrant: true, want: "tracks:read"},
		{name: "not registered", raw: "playlists:write", given: true, userGrant: true, err: "invalid_scope"},
		{name: "unknown", raw: "admin", given: true, userGrant: true, err: "invalid_scope"},
		{name: "user data without a user", raw: "tracks:read", given: true, err: "invalid_scope"},
		{name: "bad characters", raw: "tracks:read\\", given: true, userGrant: true, err: "invalid_scope"},
		// covers: RFC 8707 §2
		{name: "scope of another resource", raw: "podcasts:read", given: true, userGrant: true, err: "invalid_scope"},
		{name: "scope of the named resource", raw: "podcasts:read", given: true, userGrant: true, resources: []string{"http://podcasts"}, want: "podcasts:read"},
		{name: "default for the named resource", userGrant: true, resources: []string{"http://podcasts"}, want: "podcasts:read"},
		{name: "two resources", raw: "tracks:read podcasts:read", given: true, userGrant: true, resources: []string{"http://music", "http://podcasts"}, want: "tracks:read podcasts:read"},
	}
	for _, tt := range tests {
		if tt.resources == nil {
			tt.resources = []string{"http://music"}
		}
		got, err := s.checkScope(tt.raw, tt.given, web, tt.resources, tt.userGrant)
		if tt.err != "" {
			if oe, ok := AsError(err); !ok || oe.Code != tt.err {
				t.Errorf("%s: err = %v, want %s", tt.name, err, tt.err)
			}
			continue
		}
		if err != nil || joinScopes(got) != tt.want {
			t.Errorf("%s: got %q, %v; want %q", tt.name, got, err, tt.want)
		}
	}
}

func joinScopes(s []string) string {
	out := ""
	for i, v := range s {
		if i > 0 {
			out += " "
		}
		out += v
	}
	return out
}

// covers: RFC 9700 §4.1.3, RFC 8252 §7.3
func TestCheckRedirectURI(t *testing.T) {
	tests := map[string]bool{
		"https://app.example/cb":          true,
		"https://app.example/cb?x=1":      true,
		"http://localhost:8080/callback":  true,
		"http://127.0.0.1:5000/cb":        true,
		"http://[::1]:5000/cb":            true,
		"http://app.example/cb":           false,
		"https://app.example/cb#frag":     false,
		"/cb":                             false,
		"app.example/cb":                  false,
		"javascript:alert(1)":             false,
		"https://user:pw@app.example/cb":  false,
		"ftp://app.example/cb":            false,
		"http://localhost.evil.example/x": false,
	}
	for uri, ok := range tests {
		if err := checkRedirectURI(uri); (err == nil) != ok {
			t.Errorf("checkRedirectURI(%q) = %v, want ok=%v", uri, err, ok)
		}
	}
}

// memKeys is an in-memory KeyStore for tests.
type memKeys struct{ keys []SigningKey }

func (m *memKeys) SigningKeys(context.Context) ([]SigningKey, error) {
	out := make([]SigningKey, len(m.keys))
	for i, k := range m.keys {
		out[len(m.keys)-1-i] = k
	}
	return out, nil
}

func (m *memKeys) AddSigningKey(_ context.Context, k SigningKey) error {
	m.keys = append(m.keys, k)
	return nil
}

// TestKeyRotation: a key added by another process is used within a second;
// the old key stays published until its tokens have expired (TTL + margin).
func TestKeyRotation(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	store := &memKeys{}
	if err := EnsureKey(ctx, store, AlgES256, now); err != nil {
		t.Fatal(err)
	}
	if err := EnsureKey(ctx, store, AlgES256, now); err != nil || len(store.keys) != 1 {
		t.Fatalf("EnsureKey twice: %d keys, %v; want 1", len(store.keys), err)
	}
	keys := NewKeys(store, 10*time.Minute, clock)
	first, _ := keys.Active(ctx)

	// `authserver keys rotate`, run in another process.
	second, _ := GenerateKey(AlgEdDSA, now)
	_ = store.AddSigningKey(ctx, second)

	steps := []struct {
		name      string
		advance   time.Duration
		active    string
		published []string
	}{
		{"cached for under a second", 0, first.KID, []string{first.KID}},
		{"new key active after a second", 1100 * time.Millisecond, second.KID, []string{second.KID, first.KID}},
		{"old key still published before TTL+margin", 14 * time.Minute, second.KID, []string{second.KID, first.KID}},
		{"old key retired after TTL+margin", time.Minute, second.KID, []string{second.KID}},
	}
	for _, st := range steps {
		now = now.Add(st.advance)
		active, err := keys.Active(ctx)
		if err != nil || active.KID != st.active {
			t.Fatalf("%s: active = %s (%v), want %s", st.name, active.KID, err, st.active)
		}
		pub, _ := keys.Published(ctx)
		var kids []string
		for _, k := range pub {
			kids = append(kids, k.KID)
		}
		if joinScopes(kids) != joinScopes(st.published) {
			t.Fatalf("%s: published %v, want %v", st.name, kids, st.published)
		}
	}

	// A change of configured algorithm adds a key at start.
	if err := EnsureKey(ctx, store, AlgRS256, now); err != nil || len(store.keys) != 3 || store.keys[2].Alg != AlgRS256 {
		t.Fatalf("EnsureKey with a new alg: %v", err)
	}
}
