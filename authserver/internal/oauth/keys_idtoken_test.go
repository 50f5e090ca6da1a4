package oauth

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// kidOf reads the kid from a JWT's header without checking anything.
func kidOf(t *testing.T, raw string) string {
	t.Helper()
	tok, _, err := jwt.NewParser().ParseUnverified(raw, jwt.MapClaims{})
	if err != nil {
		t.Fatal(err)
	}
	kid, _ := tok.Header["kid"].(string)
	return kid
}

// TestIDTokenKeyRotation: an ID-token key added by `keys rotate -purpose
// id_token` is published at once, signs ID tokens and logout tokens of its
// algorithm from its start, and the key it replaced stays published (and
// accepted for id_token_hint) for the ID token lifetime plus five minutes.
// Other algorithms keep their own key; a retired key is gone at once.
//
// covers: OIDC Core §10.1.1
func TestIDTokenKeyRotation(t *testing.T) {
	ctx := context.Background()
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	now := t0
	clock := func() time.Time { return now }
	store := &memKeys{}
	if err := EnsureKey(ctx, store, AlgES256, now); err != nil {
		t.Fatal(err)
	}
	if err := EnsureIDTokenKey(ctx, store, now); err != nil {
		t.Fatal(err)
	}
	keys := NewKeys(store, 10*time.Minute, clock)
	old, err := keys.IDTokenKey(ctx, AlgRS256)
	if err != nil {
		t.Fatal(err)
	}
	es, err := keys.IDTokenKey(ctx, AlgES256) // another algorithm, created on first use
	if err != nil {
		t.Fatal(err)
	}
	access, _ := keys.Active(ctx)

	// `authserver keys rotate -purpose id_token -publish-ahead 2m`.
	next, _ := GenerateKey(AlgRS256, now)
	next.Purpose, next.SignsFrom = PurposeIDToken, now.Add(2*time.Minute)
	_ = store.AddSigningKey(ctx, next)

	srv := &Server{Keys: keys, Issuer: "https://as.example", Now: clock}
	steps := []struct {
		name      string
		at        time.Duration // since t0
		signs     string
		published []string // the ID-token keys in the JWKS
	}{
		{"published ahead, not signing yet", 2 * time.Second, old.KID, []string{next.KID, old.KID, es.KID}},
		{"signs from its start", 2 * time.Minute, next.KID, []string{next.KID, old.KID, es.KID}},
		{"the old key stays until ID token lifetime + margin", 2*time.Minute + IDTokenTTL + 5*time.Minute - time.Second, next.KID, []string{next.KID, old.KID, es.KID}},
		{"then drops out", 2*time.Minute + IDTokenTTL + 5*time.Minute, next.KID, []string{next.KID, es.KID}},
	}
	for _, st := range steps {
		now = t0.Add(st.at)
		got, err := keys.IDTokenKey(ctx, AlgRS256)
		if err != nil || got.KID != st.signs {
			t.Fatalf("%s: RS256 ID tokens signed by %s (%v), want %s", st.name, got.KID, err, st.signs)
		}
		logout, err := srv.LogoutToken(ctx, Client{ID: "c"}, "sub", "sid")
		if err != nil || kidOf(t, logout) != st.signs {
			t.Fatalf("%s: logout token signed by %s (%v), want %s", st.name, kidOf(t, logout), err, st.signs)
		}
		if got, _ := keys.IDTokenKey(ctx, AlgES256); got.KID != es.KID {
			t.Fatalf("%s: ES256 ID tokens signed by %s, want %s (rotating RS256 leaves it alone)", st.name, got.KID, es.KID)
		}
		pub, err := keys.Published(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var kids []string
		for _, k := range pub {
			if k.IDTokenKey() {
				kids = append(kids, k.KID)
			}
		}
		slices.Sort(kids)
		want := slices.Sorted(slices.Values(st.published))
		if !slices.Equal(kids, want) {
			t.Fatalf("%s: published ID-token keys %v, want %v", st.name, kids, want)
		}
		if !slices.ContainsFunc(pub, func(k SigningKey) bool { return k.KID == access.KID }) {
			t.Fatalf("%s: the access-token key left the JWKS", st.name)
		}
		// What the JWKS holds is what an id_token_hint may be signed by.
		_, ok := keys.LookupIDTokenKey(ctx, old.KID)
		if want := slices.Contains(st.published, old.KID); ok != want {
			t.Fatalf("%s: LookupIDTokenKey(old) = %v, want %v", st.name, ok, want)
		}
		if _, ok := keys.Lookup(ctx, next.KID); ok {
			t.Fatalf("%s: an ID-token key was found as an access-token key", st.name)
		}
	}

	// A key published ahead and then retired never signs and leaves the
	// JWKS at once.
	ahead, _ := GenerateKey(AlgRS256, now)
	ahead.Purpose, ahead.SignsFrom = PurposeIDToken, now.Add(time.Hour)
	_ = store.AddSigningKey(ctx, ahead)
	now = now.Add(2 * time.Second)
	if _, ok := keys.LookupIDTokenKey(ctx, ahead.KID); !ok {
		t.Fatal("a key published ahead is not in the JWKS")
	}
	store.keys[len(store.keys)-1].RetiredAt = now
	now = now.Add(2 * time.Second)
	if _, ok := keys.LookupIDTokenKey(ctx, ahead.KID); ok {
		t.Error("a retired ID-token key is still published")
	}
	now = now.Add(2 * time.Hour)
	if got, _ := keys.IDTokenKey(ctx, AlgRS256); got.KID != next.KID {
		t.Errorf("after the retired key's start, ID tokens are signed by %s, want %s", got.KID, next.KID)
	}
}

// replicaWins is a store on which another replica always creates the first
// ID-token key of an algorithm just before this process does.
type replicaWins struct {
	memKeys
	winner SigningKey
}

func (r *replicaWins) EnsureSigningKey(ctx context.Context, k SigningKey) (bool, error) {
	return true, r.AddSigningKey(ctx, k)
}

func (r *replicaWins) EnsureIDTokenSigningKey(ctx context.Context, k SigningKey) (bool, error) {
	w, err := GenerateKey(k.Alg, k.CreatedAt)
	if err != nil {
		return false, err
	}
	w.Purpose, r.winner = PurposeIDToken, w
	return false, r.AddSigningKey(ctx, w)
}

// TestFirstIDTokenKeyOfAnAlgorithmIsTheStores: the first key of an
// algorithm is created through the store's atomic EnsureIDTokenSigningKey,
// so a process that lost the race signs with the winner's key and adds
// none of its own.
func TestFirstIDTokenKeyOfAnAlgorithmIsTheStores(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	store := &replicaWins{}
	if err := EnsureKey(ctx, store, AlgES256, now); err != nil {
		t.Fatal(err)
	}
	got, err := NewKeys(store, 10*time.Minute, func() time.Time { return now }).IDTokenKey(ctx, AlgEdDSA)
	if err != nil {
		t.Fatal(err)
	}
	var stored []string
	for _, k := range store.keys {
		if k.IDTokenKey() {
			stored = append(stored, k.KID)
		}
	}
	if got.KID != store.winner.KID || len(stored) != 1 {
		t.Errorf("signs with %s, stored ID-token keys %v; want only the other replica's %s", got.KID, stored, store.winner.KID)
	}
}
