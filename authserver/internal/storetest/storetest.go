// Package storetest is the conformance suite of the authorization server's
// store: the behaviour every implementation must show on every database,
// checked against the one-sentence error contracts of the roles in
// oauth/roles.go and store/roles.go. internal/store runs it on a SQLite file
// and on a PostgreSQL database; where a test plays two replicas it opens the
// same database twice.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/oauthlab/oauthlab/authserver/internal/oauth"
	"github.com/oauthlab/oauthlab/authserver/internal/store"
	"github.com/oauthlab/oauthlab/shared/actortest"
	"github.com/oauthlab/oauthlab/shared/contract"
)

// Opener opens one more connection to the same database, as another
// replica would, and closes it when the test ends.
type Opener func(t *testing.T) store.Server

// Run runs the suite. newDatabase makes a fresh, empty database for one
// test and returns how to open it.
func Run(t *testing.T, newDatabase func(t *testing.T) Opener) {
	tests := []struct {
		name string
		test func(t *testing.T, open Opener)
	}{
		{"SeedFromTwoReplicasAtOnce", testSeedFromTwoReplicasAtOnce},
		{"LookupsReturnErrNotFound", testLookupsReturnErrNotFound},
		{"CodeRedeemedOnceAcrossReplicas", testCodeRedeemedOnce},
		{"PendingRequestConsumedOnce", testPendingConsumedOnce},
		{"RefreshRotatedOnce", testRefreshRotatedOnce},
		{"FamilyRevocation", testFamilyRevocation},
		{"ExpiryAndCleanup", testExpiryAndCleanup},
		{"FirstSigningKeyCreatedOnce", testFirstKeyCreatedOnce},
		{"FirstIDTokenKeyOfAnAlgCreatedOnce", testFirstIDTokenKeyCreatedOnce},
		{"IDTokenKeysRotate", testIDTokenKeysRotate},
		{"ServerSecretAgreedByReplicas", testServerSecretAgreed},
		{"ClientSecretJWTAfterRestart", testClientSecretJWTAfterRestart},
		{"ThrottleCountsEveryReplica", testThrottleCountsEveryReplica},
		{"LeaseHasOneHolder", testLeaseHasOneHolder},
		{"MachineTokenRevokedOnEveryReplica", testMachineTokenRevokedOnEveryReplica},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.test(t, newDatabase(t)) })
	}
}

// concurrency is how many callers the race tests run at once.
const concurrency = 32

const redirectURI = "http://localhost:8080/callback"

var alice = contract.Alice.Subject

// seeded opens the database and seeds the demo data.
func seeded(t *testing.T, open Opener) store.Server {
	t.Helper()
	s := open(t)
	if err := s.SeedDemo(context.Background(), redirectURI); err != nil {
		t.Fatalf("SeedDemo: %v", err)
	}
	return s
}

// race runs fn from concurrency callers at once, spread over the
// replicas, and returns how many returned nil; any error but want fails
// the test.
func race(t *testing.T, replicas []store.Server, want error, fn func(s store.Server) error) int {
	t.Helper()
	return actortest.Race(t, concurrency, replicas, want, func(_ int, s store.Server) error { return fn(s) })
}

// grantWithCode stores a user grant of demo-client with an unused code.
func grantWithCode(t *testing.T, s store.Server, id string, now time.Time) oauth.Code {
	t.Helper()
	g := oauth.Grant{ID: id, UserID: alice, ClientID: contract.WebClient.ID, Scopes: []string{"tracks:read"}, CreatedAt: now}
	code := oauth.Code{Hash: "code-" + id, GrantID: id, ClientID: g.ClientID, UserID: alice, Scopes: g.Scopes,
		RedirectURI: redirectURI, RedirectGiven: true, CodeChallenge: "cc", ExpiresAt: now.Add(time.Minute)}
	if err := s.CreateGrant(context.Background(), g, &code); err != nil {
		t.Fatalf("CreateGrant: %v", err)
	}
	return code
}

// issued is what one token response stores: an access token and, when
// refresh is not empty, a refresh token of the grant.
func issued(grantID, jti, refresh string, now time.Time) oauth.Issued {
	is := oauth.Issued{Access: oauth.AccessToken{JTI: jti, GrantID: grantID, ClientID: contract.WebClient.ID, UserID: alice,
		Scopes: []string{"tracks:read"}, IssuedAt: now, ExpiresAt: now.Add(5 * time.Minute)}}
	if refresh != "" {
		is.Refresh = &oauth.RefreshToken{Hash: refresh, GrantID: grantID, ClientID: contract.WebClient.ID, UserID: alice,
			Scopes: []string{"tracks:read"}, ExpiresAt: now.Add(time.Hour)}
	}
	return is
}

func testSeedFromTwoReplicasAtOnce(t *testing.T, open Opener) {
	a, b := open(t), open(t)
	ctx := context.Background()
	errs := make([]error, 4)
	actortest.AtOnce(len(errs), func(i int) { errs[i] = []store.Server{a, b}[i%2].SeedDemo(ctx, redirectURI) })
	for _, err := range errs {
		if err != nil {
			t.Fatalf("SeedDemo at once: %v", err)
		}
	}
	first, err := a.Client(ctx, contract.WebClient.ID)
	if err != nil {
		t.Fatal(err)
	}
	if err := b.SeedDemo(ctx, redirectURI); err != nil {
		t.Fatalf("SeedDemo again: %v", err)
	}
	again, _ := b.Client(ctx, contract.WebClient.ID)
	if again.SecretHash != first.SecretHash {
		t.Error("seeding again changed the demo client's secret")
	}
	if _, err := b.UserByUsername(ctx, contract.Alice.Username); err != nil {
		t.Errorf("alice after seeding: %v", err)
	}
}

func testLookupsReturnErrNotFound(t *testing.T, open Opener) {
	s := seeded(t, open)
	ctx := context.Background()
	for name, err := range map[string]error{
		"Client":         second(s.Client(ctx, "nobody")),
		"User":           second(s.User(ctx, "nobody")),
		"UserByUsername": second(s.UserByUsername(ctx, "nobody")),
		"Consent":        second(s.Consent(ctx, alice, contract.WebClient.ID)),
		"Grant":          second(s.Grant(ctx, "nothing")),
		"Code":           second(s.Code(ctx, "nothing")),
		"RefreshToken":   second(s.RefreshToken(ctx, "nothing")),
		"AccessToken":    second(s.AccessToken(ctx, "nothing")),
	} {
		if !errors.Is(err, oauth.ErrNotFound) {
			t.Errorf("%s of an unknown id: %v, want ErrNotFound", name, err)
		}
	}
	if err := s.RedeemCode(ctx, "nothing", time.Now(), issued("g", "j", "", time.Now())); !errors.Is(err, oauth.ErrAlreadyUsed) {
		t.Errorf("RedeemCode of an unknown code: %v, want ErrAlreadyUsed", err)
	}
	if err := s.RevokeGrant(ctx, "nothing", time.Now()); err != nil {
		t.Errorf("RevokeGrant of an unknown grant: %v, want nil", err)
	}
}

func second[T any](_ T, err error) error { return err }

func testCodeRedeemedOnce(t *testing.T, open Opener) {
	a := seeded(t, open)
	b := open(t)
	now := time.Now().Truncate(time.Second)
	code := grantWithCode(t, a, "g1", now)
	var n atomic.Int32
	wins := race(t, []store.Server{a, b}, oauth.ErrAlreadyUsed, func(s store.Server) error {
		i := n.Add(1)
		return s.RedeemCode(context.Background(), code.Hash, now, issued("g1", fmt.Sprint("jti-", i), fmt.Sprint("rt-", i), now))
	})
	if wins != 1 {
		t.Fatalf("%d of %d concurrent redemptions won, want exactly 1", wins, concurrency)
	}
	// The losers stored nothing: only one access token exists.
	found := 0
	for i := 1; i <= concurrency; i++ {
		if _, err := b.AccessToken(context.Background(), fmt.Sprint("jti-", i)); err == nil {
			found++
		}
	}
	if found != 1 {
		t.Errorf("%d access tokens stored, want the winner's only", found)
	}
	if c, err := b.Code(context.Background(), code.Hash); err != nil || c.UsedAt.IsZero() {
		t.Errorf("code after redemption: used at %v, %v", c.UsedAt, err)
	}
}

func testPendingConsumedOnce(t *testing.T, open Opener) {
	a := seeded(t, open)
	b := open(t)
	ctx := context.Background()
	client, err := a.Client(ctx, contract.WebClient.ID)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().Truncate(time.Second)
	req := oauth.AuthorizeRequest{Client: client, RedirectURI: redirectURI, RedirectGiven: true, Scopes: []string{"tracks:read"},
		State: "st", CodeChallenge: "cc", MaxAge: -1}
	if err := a.SavePendingRequest(ctx, "req1", "bind", req, now, now.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if _, binding, err := b.PendingRequest(ctx, "req1", now); err != nil || binding != "bind" {
		t.Fatalf("the other replica reads the pending request: %q, %v", binding, err)
	}
	wins := race(t, []store.Server{a, b}, oauth.ErrAlreadyUsed, func(s store.Server) error {
		return s.ConsumePendingRequest(ctx, "req1", now)
	})
	if wins != 1 {
		t.Fatalf("%d of %d concurrent consumptions won, want exactly 1", wins, concurrency)
	}
	if _, _, err := a.PendingRequest(ctx, "req1", now); !errors.Is(err, oauth.ErrNotFound) {
		t.Errorf("a consumed request: %v, want ErrNotFound", err)
	}
	// An expired request can neither be read nor consumed.
	if err := a.SavePendingRequest(ctx, "req2", "bind", req, now, now.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	later := now.Add(2 * time.Minute)
	if _, _, err := b.PendingRequest(ctx, "req2", later); !errors.Is(err, oauth.ErrNotFound) {
		t.Errorf("an expired request: %v, want ErrNotFound", err)
	}
	if err := b.ConsumePendingRequest(ctx, "req2", later); !errors.Is(err, oauth.ErrAlreadyUsed) {
		t.Errorf("consuming an expired request: %v, want ErrAlreadyUsed", err)
	}
}

func testRefreshRotatedOnce(t *testing.T, open Opener) {
	a := seeded(t, open)
	b := open(t)
	ctx := context.Background()
	now := time.Now().Truncate(time.Second)
	code := grantWithCode(t, a, "g1", now)
	if err := a.RedeemCode(ctx, code.Hash, now, issued("g1", "jti-0", "rt-0", now)); err != nil {
		t.Fatal(err)
	}
	var n atomic.Int32
	wins := race(t, []store.Server{a, b}, oauth.ErrAlreadyUsed, func(s store.Server) error {
		i := n.Add(1)
		return s.RotateRefreshToken(ctx, "rt-0", now, issued("g1", fmt.Sprint("jti-", i), fmt.Sprint("rt-", i), now))
	})
	if wins != 1 {
		t.Fatalf("%d of %d concurrent rotations won, want exactly 1", wins, concurrency)
	}
	found := 0
	for i := 1; i <= concurrency; i++ {
		if _, err := b.RefreshToken(ctx, fmt.Sprint("rt-", i)); err == nil {
			found++
		}
	}
	if found != 1 {
		t.Errorf("%d successor refresh tokens stored, want the winner's only", found)
	}
	if rt, err := b.RefreshToken(ctx, "rt-0"); err != nil || rt.UsedAt.IsZero() {
		t.Errorf("the rotated token: used at %v, %v (its reuse must stay detectable)", rt.UsedAt, err)
	}
}

func testFamilyRevocation(t *testing.T, open Opener) {
	a := seeded(t, open)
	b := open(t)
	ctx := context.Background()
	now := time.Now().Truncate(time.Second)
	code := grantWithCode(t, a, "g1", now)
	if err := a.RedeemCode(ctx, code.Hash, now, issued("g1", "jti-0", "rt-0", now)); err != nil {
		t.Fatal(err)
	}
	if err := a.SaveConsent(ctx, oauth.Consent{UserID: alice, ClientID: contract.WebClient.ID, Scopes: []string{"tracks:read"}, GrantedAt: now}); err != nil {
		t.Fatal(err)
	}
	// Revoking on one replica is seen by the other at once.
	if err := b.RevokeGrant(ctx, "g1", now); err != nil {
		t.Fatal(err)
	}
	g, err := a.Grant(ctx, "g1")
	if err != nil || g.RevokedAt.IsZero() {
		t.Fatalf("grant after RevokeGrant: revoked at %v, %v", g.RevokedAt, err)
	}
	if err := a.RevokeGrant(ctx, "g1", now.Add(time.Hour)); err != nil {
		t.Errorf("revoking again: %v, want nil", err)
	}
	if g2, _ := a.Grant(ctx, "g1"); !g2.RevokedAt.Equal(g.RevokedAt) {
		t.Errorf("revoking again moved the revocation time to %v", g2.RevokedAt)
	}
	// RevokeConsent ends the consent and every grant of the pair.
	code2 := grantWithCode(t, a, "g2", now)
	if err := a.RedeemCode(ctx, code2.Hash, now, issued("g2", "jti-2", "rt-2", now)); err != nil {
		t.Fatal(err)
	}
	if err := b.RevokeConsent(ctx, alice, contract.WebClient.ID, now); err != nil {
		t.Fatal(err)
	}
	if g, err := a.Grant(ctx, "g2"); err != nil || g.RevokedAt.IsZero() {
		t.Errorf("grant after RevokeConsent: revoked at %v, %v", g.RevokedAt, err)
	}
	if _, err := a.Consent(ctx, alice, contract.WebClient.ID); !errors.Is(err, oauth.ErrNotFound) {
		t.Errorf("consent after RevokeConsent: %v, want ErrNotFound", err)
	}
	if err := b.RevokeConsent(ctx, alice, contract.WebClient.ID, now); err != nil {
		t.Errorf("RevokeConsent with nothing to revoke: %v, want nil", err)
	}
}

func testExpiryAndCleanup(t *testing.T, open Opener) {
	s := seeded(t, open)
	ctx := context.Background()
	now := time.Now().Truncate(time.Second)
	code := grantWithCode(t, s, "g1", now)
	if err := s.RedeemCode(ctx, code.Hash, now, issued("g1", "jti-0", "rt-0", now)); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateSession(ctx, "sess", alice, oauth.Authentication{SID: "sid", AuthTime: now}, now, now.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.SessionUser(ctx, "sess", now.Add(2*time.Minute)); !errors.Is(err, oauth.ErrNotFound) {
		t.Errorf("an expired session: %v, want ErrNotFound", err)
	}
	if err := s.DeleteExpired(ctx, now.Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AccessToken(ctx, "jti-0"); err != nil {
		t.Errorf("cleanup removed a live access token: %v", err)
	}
	if err := s.DeleteExpired(ctx, now.Add(2*time.Hour)); err != nil {
		t.Fatal(err)
	}
	for name, err := range map[string]error{
		"code":          second(s.Code(ctx, code.Hash)),
		"access token":  second(s.AccessToken(ctx, "jti-0")),
		"refresh token": second(s.RefreshToken(ctx, "rt-0")),
	} {
		if !errors.Is(err, oauth.ErrNotFound) {
			t.Errorf("expired %s after cleanup: %v, want ErrNotFound", name, err)
		}
	}
	if _, _, err := s.SessionUser(ctx, "sess", now); !errors.Is(err, oauth.ErrNotFound) {
		t.Errorf("expired session after cleanup: %v, want ErrNotFound", err)
	}
	if err := s.DeleteExpiredCounts(ctx, now); err != nil {
		t.Errorf("DeleteExpiredCounts: %v", err)
	}
}

func testFirstKeyCreatedOnce(t *testing.T, open Opener) {
	replicas := []store.Server{open(t), open(t)}
	ctx := context.Background()
	now := time.Now()
	actortest.AtOnce(8, func(i int) {
		if err := oauth.EnsureKey(ctx, replicas[i%2], oauth.AlgES256, now); err != nil {
			t.Errorf("EnsureKey: %v", err)
		}
		if err := oauth.EnsureIDTokenKey(ctx, replicas[i%2], now); err != nil {
			t.Errorf("EnsureIDTokenKey: %v", err)
		}
	})
	keys, err := replicas[0].SigningKeys(ctx)
	if err != nil {
		t.Fatal(err)
	}
	access, id := 0, 0
	for _, k := range keys {
		if k.IDTokenKey() {
			id++
		} else {
			access++
		}
	}
	if access != 1 || id != 1 {
		t.Errorf("%d access-token and %d ID-token keys after 8 concurrent starts, want 1 and 1", access, id)
	}
	// A changed algorithm adds a key; the same one again does not.
	if err := oauth.EnsureKey(ctx, replicas[1], oauth.AlgRS256, now); err != nil {
		t.Fatal(err)
	}
	if err := oauth.EnsureKey(ctx, replicas[0], oauth.AlgRS256, now); err != nil {
		t.Fatal(err)
	}
	if keys, _ := replicas[0].SigningKeys(ctx); len(keys) != 3 || keys[0].Alg != oauth.AlgRS256 {
		t.Errorf("after switching to RS256: %d keys, newest %s; want 3, RS256", len(keys), keys[0].Alg)
	}
}

// testFirstIDTokenKeyCreatedOnce: concurrent first uses of an algorithm
// for ID tokens, each with a key set of its own as separate processes
// have, spread over two replicas, create exactly one key and all sign with
// it; and of concurrent EnsureIDTokenSigningKey calls exactly one adds its
// key.
func testFirstIDTokenKeyCreatedOnce(t *testing.T, open Opener) {
	replicas := []store.Server{open(t), open(t)}
	ctx := context.Background()
	if err := oauth.EnsureKey(ctx, replicas[0], oauth.AlgES256, time.Now()); err != nil {
		t.Fatal(err)
	}
	kids := make([]string, concurrency)
	actortest.AtOnce(concurrency, func(i int) {
		k, err := oauth.NewKeys(replicas[i%2], time.Minute, time.Now).IDTokenKey(ctx, oauth.AlgES256)
		if err != nil {
			t.Errorf("IDTokenKey: %v", err)
		}
		kids[i] = k.KID
	})
	if got := idTokenKIDs(t, replicas[1], oauth.AlgES256); len(got) != 1 || slices.ContainsFunc(kids, func(k string) bool { return k != got[0] }) {
		t.Errorf("%d concurrent first uses of ES256: stored ID-token keys %v, signing with %v; want one key, used by all", concurrency, got, kids)
	}

	added := race(t, replicas, errNotAdded, func(s store.Server) error {
		k, err := oauth.GenerateKey(oauth.AlgEdDSA, time.Now())
		if err != nil {
			return err
		}
		ok, err := s.EnsureIDTokenSigningKey(ctx, k)
		if err == nil && !ok {
			return errNotAdded
		}
		return err
	})
	if got := idTokenKIDs(t, replicas[0], oauth.AlgEdDSA); added != 1 || len(got) != 1 {
		t.Errorf("%d concurrent EnsureIDTokenSigningKey: %d added, %d stored; want 1 and 1", concurrency, added, len(got))
	}
}

var errNotAdded = errors.New("a key of that algorithm exists")

// testIDTokenKeysRotate: what keeps the first ID-token key of an algorithm
// single does not stop a rotation. A second RS256 key is stored beside the
// first and listed first (it starts later), though never under a kid that
// is taken; a first use then adds nothing; ID-token keys retire, and once
// every RS256 key is retired a first use adds one again.
func testIDTokenKeysRotate(t *testing.T, open Opener) {
	s := open(t)
	ctx := context.Background()
	now := time.Now().Truncate(time.Second)
	newKey := func() oauth.SigningKey {
		t.Helper()
		k, err := oauth.GenerateKey(oauth.AlgRS256, now)
		if err != nil {
			t.Fatal(err)
		}
		k.Purpose = oauth.PurposeIDToken
		return k
	}
	first := newKey()
	if ok, err := s.EnsureIDTokenSigningKey(ctx, first); !ok || err != nil {
		t.Fatalf("the first RS256 ID-token key: %v, %v; want true, nil", ok, err)
	}
	next := newKey()
	next.SignsFrom = now.Add(2 * time.Minute)
	if err := s.AddSigningKey(ctx, next); err != nil {
		t.Fatalf("AddSigningKey of a second RS256 ID-token key: %v", err)
	}
	if err := s.AddSigningKey(ctx, next); err == nil {
		t.Error("AddSigningKey with a kid that is taken: no error")
	}
	if got, want := idTokenKIDs(t, s, oauth.AlgRS256), []string{next.KID, first.KID}; !slices.Equal(got, want) {
		t.Fatalf("RS256 ID-token keys after a rotation: %v, want %v (the later start first)", got, want)
	}
	if ok, err := s.EnsureIDTokenSigningKey(ctx, newKey()); ok || err != nil {
		t.Errorf("EnsureIDTokenSigningKey with RS256 keys stored: %v, %v; want false, nil", ok, err)
	}
	for _, kid := range []string{first.KID, next.KID} {
		if err := s.RetireSigningKey(ctx, kid, now); err != nil {
			t.Fatalf("retire ID-token key %s: %v", kid, err)
		}
	}
	if err := s.RetireSigningKey(ctx, first.KID, now); !errors.Is(err, oauth.ErrNotFound) {
		t.Errorf("retiring an ID-token key twice: %v, want ErrNotFound", err)
	}
	if ok, err := s.EnsureIDTokenSigningKey(ctx, newKey()); !ok || err != nil {
		t.Errorf("EnsureIDTokenSigningKey with every RS256 key retired: %v, %v; want true, nil", ok, err)
	}
	if got := idTokenKIDs(t, s, oauth.AlgRS256); len(got) != 3 {
		t.Errorf("RS256 ID-token keys: %v, want 3", got)
	}
}

// idTokenKIDs lists the ids of the stored ID-token keys of alg, in the
// store's order.
func idTokenKIDs(t *testing.T, s store.Server, alg string) []string {
	t.Helper()
	keys, err := s.SigningKeys(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var kids []string
	for _, k := range keys {
		if k.IDTokenKey() && k.Alg == alg {
			kids = append(kids, k.KID)
		}
	}
	return kids
}

func testServerSecretAgreed(t *testing.T, open Opener) {
	a, b := open(t), open(t)
	ctx := context.Background()
	values := make([][]byte, concurrency)
	actortest.AtOnce(len(values), func(i int) {
		v, err := []store.Server{a, b}[i%2].ServerSecret(ctx, "csrf_hmac_key", 32)
		if err != nil {
			t.Errorf("ServerSecret: %v", err)
		}
		values[i] = v
	})
	for i, v := range values {
		if len(v) != 32 || string(v) != string(values[0]) {
			t.Fatalf("replica call %d got another secret (%d bytes)", i, len(v))
		}
	}
}

// testClientSecretJWTAfterRestart: a client_secret_jwt client's secret is
// stored encrypted, and another process on the same database (a restart,
// a replica) reads the same key and checks the client's HMAC assertion.
func testClientSecretJWTAfterRestart(t *testing.T, open Opener) {
	ctx := context.Background()
	const issuer = "https://as.example"
	before := open(t)
	key, err := before.ServerSecret(ctx, oauth.ClientSecretKeyName, 32)
	if err != nil {
		t.Fatal(err)
	}
	srv := &oauth.Server{Store: before, ClientSecretKey: key, Issuer: issuer, Now: time.Now}
	c, err := srv.NewClient(oauth.ClientMetadata{GrantTypes: []string{oauth.GrantClientCredentials},
		TokenEndpointAuthMethod: oauth.AuthSecretJWT}, "")
	if err != nil {
		t.Fatal(err)
	}
	secret := oauth.NewSecret()
	if err := srv.SetClientSecret(&c, secret); err != nil {
		t.Fatal(err)
	}
	if err := before.CreateClient(ctx, c); err != nil {
		t.Fatal(err)
	}

	after := open(t)
	stored, err := after.Client(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(stored.SecretEnc) == 0 || strings.Contains(string(stored.SecretEnc), secret) {
		t.Fatalf("secret_enc = %q: want the secret, encrypted", stored.SecretEnc)
	}
	key, err = after.ServerSecret(ctx, oauth.ClientSecretKeyName, 32)
	if err != nil {
		t.Fatal(err)
	}
	srv = &oauth.Server{Store: after, ClientSecretKey: key, Issuer: issuer, Now: time.Now}
	assertion, err := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"iss": c.ID, "sub": c.ID, "aud": issuer,
		"exp": time.Now().Add(time.Minute).Unix(), "jti": oauth.NewSecret()}).SignedString([]byte(secret))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := srv.AuthenticateClient(ctx, oauth.ClientCredentials{ID: c.ID, Method: oauth.AuthClientAssertion, Assertion: assertion}); err != nil {
		t.Fatalf("HMAC assertion after a restart: %v", err)
	}
}

func testThrottleCountsEveryReplica(t *testing.T, open Opener) {
	a, b := open(t), open(t)
	ctx := context.Background()
	now := time.Now()
	race(t, []store.Server{a, b}, nil, func(s store.Server) error {
		_, err := s.AddFailure(ctx, "login:alice", now, now.Add(-time.Hour))
		return err
	})
	e, err := b.Failures(ctx, "login:alice")
	if err != nil || e.Count != concurrency {
		t.Fatalf("after %d failures on two replicas: count %d, %v", concurrency, e.Count, err)
	}
	// A failure after the forget interval starts again at 1.
	later := now.Add(2 * time.Hour)
	if e, err := a.AddFailure(ctx, "login:alice", later, later.Add(-time.Hour)); err != nil || e.Count != 1 {
		t.Errorf("after the forget interval: count %d, %v; want 1", e.Count, err)
	}
	// Windows: counted from the first failure, restarted after the window.
	for range 3 {
		if _, _, err := a.AddInWindow(ctx, "client-auth:x", now, now.Add(-15*time.Minute)); err != nil {
			t.Fatal(err)
		}
	}
	n, start, err := b.AddInWindow(ctx, "client-auth:x", now.Add(time.Minute), now.Add(-14*time.Minute))
	if err != nil || n != 4 || start.UnixMilli() != now.UnixMilli() {
		t.Errorf("fourth failure in the window: %d since %v, %v", n, start, err)
	}
	if n, _, _ := b.AddInWindow(ctx, "client-auth:x", now.Add(20*time.Minute), now.Add(5*time.Minute)); n != 1 {
		t.Errorf("first failure of a new window: count %d, want 1", n)
	}
	if err := a.ForgetFailures(ctx, "login:alice"); err != nil {
		t.Fatal(err)
	}
	if e, err := b.Failures(ctx, "login:alice"); err != nil || e.Count != 0 {
		t.Errorf("after ForgetFailures: %+v, %v; want the zero entry", e, err)
	}
}

func testLeaseHasOneHolder(t *testing.T, open Opener) {
	a, b := open(t), open(t)
	ctx := context.Background()
	now := time.Now()
	var n atomic.Int32
	holders := race(t, []store.Server{a, b}, errNotHeld, func(s store.Server) error {
		ok, err := s.TakeLease(ctx, "cleanup", fmt.Sprint("replica-", n.Add(1)), now, time.Hour)
		if err == nil && !ok {
			return errNotHeld
		}
		return err
	})
	if holders != 1 {
		t.Fatalf("%d of %d replicas took the lease, want 1", holders, concurrency)
	}
	if ok, err := b.TakeLease(ctx, "cleanup", "latecomer", now.Add(30*time.Minute), time.Hour); ok || err != nil {
		t.Errorf("taking a running lease: %v, %v; want false, nil", ok, err)
	}
	if ok, err := b.TakeLease(ctx, "cleanup", "latecomer", now.Add(2*time.Hour), time.Hour); !ok || err != nil {
		t.Errorf("taking an ended lease: %v, %v; want true, nil", ok, err)
	}
	if ok, err := a.TakeLease(ctx, "cleanup", "latecomer", now.Add(2*time.Hour+time.Minute), time.Hour); !ok || err != nil {
		t.Errorf("the holder renewing its lease: %v, %v; want true, nil", ok, err)
	}
}

var errNotHeld = errors.New("lease held by another")

func testMachineTokenRevokedOnEveryReplica(t *testing.T, open Opener) {
	a, b := open(t), open(t)
	ctx := context.Background()
	now := time.Now().Truncate(time.Second)
	if revoked, err := b.MachineTokenRevoked(ctx, "jti-m1"); revoked || err != nil {
		t.Fatalf("a jti never revoked: %v, %v; want false, nil", revoked, err)
	}
	// Revoked from many callers on both replicas at once: each is a no-op
	// after the first, none an error.
	race(t, []store.Server{a, b}, nil, func(s store.Server) error {
		return s.RevokeMachineToken(ctx, "jti-m1", now.Add(time.Hour))
	})
	for name, s := range map[string]store.Server{"a": a, "b": b} {
		if revoked, err := s.MachineTokenRevoked(ctx, "jti-m1"); !revoked || err != nil {
			t.Errorf("replica %s: %v, %v; want true, nil", name, revoked, err)
		}
	}
	if revoked, err := b.MachineTokenRevoked(ctx, "jti-m2"); revoked || err != nil {
		t.Errorf("another jti: %v, %v; want false, nil", revoked, err)
	}
	// Kept while the token could still be used, dropped once it expired.
	if err := a.DeleteExpired(ctx, now); err != nil {
		t.Fatal(err)
	}
	if revoked, _ := b.MachineTokenRevoked(ctx, "jti-m1"); !revoked {
		t.Error("cleanup dropped the revocation of a token that has not expired")
	}
	if err := a.DeleteExpired(ctx, now.Add(2*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if revoked, _ := b.MachineTokenRevoked(ctx, "jti-m1"); revoked {
		t.Error("cleanup kept the revocation of an expired token")
	}
}
