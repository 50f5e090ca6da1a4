package oauth

import (
	"context"
	"errors"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/oauthlab/oauthlab/resourceapi/internal/oauthtest"
)

// countingKeys counts how often a key is looked up for a token being
// parsed, that is how many signatures were checked. (A cached token's key is
// looked up too, to see that it is still published; that is not counted.)
type countingKeys struct {
	KeySet
	n atomic.Int64
}

func (c *countingKeys) KeyfuncCtx(ctx context.Context) jwt.Keyfunc {
	kf := c.KeySet.KeyfuncCtx(ctx)
	return func(t *jwt.Token) (any, error) {
		if t.Raw != "" {
			c.n.Add(1)
		}
		return kf(t)
	}
}

func newValidator(t *testing.T, s *oauthtest.Signer, now func() time.Time, cacheSize int) (*JWTValidator, *countingKeys) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	keys, err := NewJWKS(ctx, JWKSConfig{URL: s.JWKSURL(), RefreshInterval: time.Hour, UnknownKIDInterval: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	ck := &countingKeys{KeySet: keys}
	return NewJWTValidator(JWTConfig{Issuer: s.Issuer, Audience: s.Audience, Keys: ck, CacheSize: cacheSize, Now: now}), ck
}

func TestJWTValidatorPrincipal(t *testing.T) {
	s := oauthtest.New(t, "http://as.test", "http://api.test")
	v, _ := newValidator(t, s, nil, 10)
	p, err := v.Validate(context.Background(), s.Token("demo-user-bob", "playlists:read playlists:write"))
	if err != nil {
		t.Fatal(err)
	}
	if p.Subject != "demo-user-bob" || p.ClientID != "demo-client" || !slices.Equal(p.Scopes, []string{"playlists:read", "playlists:write"}) {
		t.Fatalf("principal %+v", p)
	}
	if !p.HasAnyScope("charts:read", "playlists:write") || p.HasAnyScope("tracks:read") {
		t.Fatal("HasAnyScope is wrong")
	}
}

// TestJWTValidatorCache: a token is verified once, then served from the
// cache until it expires, and never after.
func TestJWTValidatorCache(t *testing.T) {
	s := oauthtest.New(t, "http://as.test", "http://api.test")
	clock := time.Now()
	now := func() time.Time { return clock }
	v, keys := newValidator(t, s, now, 10)
	claims := s.Claims("demo-user-alice", "tracks:read")
	claims["exp"] = clock.Add(time.Minute).Unix()
	tok := s.Sign("ES256", claims, nil)
	for range 5 {
		if _, err := v.Validate(context.Background(), tok); err != nil {
			t.Fatal(err)
		}
	}
	if n := keys.n.Load(); n != 1 {
		t.Fatalf("signature checked %d times for one token, want 1", n)
	}
	// Past exp, and past the leeway, the cache must not answer any more.
	clock = clock.Add(time.Minute + DefaultLeeway + time.Second)
	_, err := v.Validate(context.Background(), tok)
	var oe *Error
	if !errors.As(err, &oe) || oe.Code != CodeInvalidToken {
		t.Fatalf("expired token: %v", err)
	}
	// A refused token is not cached: each try is checked again.
	_, _ = v.Validate(context.Background(), tok)
	if n := keys.n.Load(); n != 3 {
		t.Fatalf("key looked up %d times, want 3", n)
	}
}

// TestJWTValidatorLeeway: a small clock skew between the servers is fine.
func TestJWTValidatorLeeway(t *testing.T) {
	s := oauthtest.New(t, "http://as.test", "http://api.test")
	clock := time.Now()
	v, _ := newValidator(t, s, func() time.Time { return clock }, 0)
	for _, tt := range []struct {
		name string
		skew time.Duration // how far the token's times are ahead of our clock
		ok   bool
	}{
		{"issued 10s ahead", 10 * time.Second, true},
		{"issued 2m ahead", 2 * time.Minute, false},
	} {
		claims := s.Claims("demo-user-alice", "tracks:read")
		claims["iat"] = clock.Add(tt.skew).Unix()
		claims["nbf"] = clock.Add(tt.skew).Unix()
		_, err := v.Validate(context.Background(), s.Sign("ES256", claims, nil))
		if (err == nil) != tt.ok {
			t.Errorf("%s: err %v, want ok=%v", tt.name, err, tt.ok)
		}
	}
}
