// Package storetest is the conformance suite of the client's store: the
// behaviour every implementation must show on every database, checked
// against the one-sentence error contracts of the roles in store/roles.go.
// internal/store runs it on a SQLite file and on a PostgreSQL database;
// where a test plays two replicas it opens the same database twice.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/oauthlab/oauthlab/client/internal/identity"
	"github.com/oauthlab/oauthlab/client/internal/store"
	"github.com/oauthlab/oauthlab/shared/actortest"
)

// Opener opens one more connection to the same database, as another
// replica would, and closes it when the test ends.
type Opener func(t *testing.T) store.All

// Run runs the suite. newDatabase makes a fresh, empty database for one
// test and returns how to open it.
func Run(t *testing.T, newDatabase func(t *testing.T) Opener) {
	tests := []struct {
		name string
		test func(t *testing.T, open Opener)
	}{
		{"LookupsReturnErrNotFound", testLookups},
		{"AttemptConsumedOnceAcrossReplicas", testAttemptConsumedOnce},
		{"TokenClaimHasOneHolder", testTokenClaimHasOneHolder},
		{"ReplaceTokenIsCompareAndSwap", testReplaceToken},
		{"SignoutStateUsedOnce", testSignoutStateUsedOnce},
		{"LogoutJTIRecordedOnce", testLogoutJTIRecordedOnce},
		{"CSRFKeyAgreedByReplicas", testCSRFKeyAgreed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.test(t, newDatabase(t)) })
	}
}

// concurrency is how many callers the race tests run at once.
const concurrency = 32

// race runs fn from concurrency callers at once, spread over the
// replicas, and returns how many returned nil; any error but want fails
// the test.
func race(t *testing.T, replicas []store.All, want error, fn func(i int, s store.All) error) int {
	t.Helper()
	return actortest.Race(t, concurrency, replicas, want, fn)
}

// connected opens the database with a session "sess" that has tokens.
func connected(t *testing.T, open Opener) store.All {
	t.Helper()
	s := open(t)
	ctx := context.Background()
	if err := s.CreateSession(ctx, "sess"); err != nil {
		t.Fatal(err)
	}
	if err := s.SaveToken(ctx, "sess", &oauth2.Token{AccessToken: "at-0", TokenType: "Bearer", RefreshToken: "rt-0"}, "tracks:read"); err != nil {
		t.Fatal(err)
	}
	return s
}

func testLookups(t *testing.T, open Opener) {
	s := open(t)
	ctx := context.Background()
	if err := s.CreateSession(ctx, "sess"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Token(ctx, "sess"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Token of a session without tokens: %v, want ErrNotFound", err)
	}
	if _, err := s.Identity(ctx, "sess"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Identity of a session nobody signed in to: %v, want ErrNotFound", err)
	}
	if _, err := s.PendingAttempt(ctx, "sess", "st"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("PendingAttempt without attempts: %v, want ErrNotFound", err)
	}
	if err := s.ClaimToken(ctx, "sess", "me", time.Now().Add(time.Minute)); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("ClaimToken without tokens: %v, want ErrNotFound", err)
	}
	if err := s.RotateSession(ctx, "nobody", "new"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("RotateSession of an unknown session: %v, want ErrNotFound", err)
	}
	if ok, err := s.TouchSession(ctx, "nobody"); ok || err != nil {
		t.Errorf("TouchSession of an unknown session: %v, %v; want false, nil", ok, err)
	}
}

func testAttemptConsumedOnce(t *testing.T, open Opener) {
	a, b := open(t), open(t)
	ctx := context.Background()
	if err := a.CreateSession(ctx, "sess"); err != nil {
		t.Fatal(err)
	}
	if err := a.SaveAttempt(ctx, "sess", store.Attempt{State: "st", Verifier: "v", Scope: "tracks:read", CreatedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	if got, err := b.PendingAttempt(ctx, "sess", "st"); err != nil || got.Verifier != "v" {
		t.Fatalf("the other replica reads the attempt: %+v, %v", got, err)
	}
	wins := race(t, []store.All{a, b}, store.ErrAlreadyUsed, func(_ int, s store.All) error {
		return s.ConsumeAttempt(ctx, "sess", "st")
	})
	if wins != 1 {
		t.Fatalf("%d of %d concurrent callbacks consumed the attempt, want exactly 1", wins, concurrency)
	}
	if used, err := b.AttemptUsed(ctx, "st"); !used || err != nil {
		t.Errorf("AttemptUsed after consumption: %v, %v", used, err)
	}
}

func testTokenClaimHasOneHolder(t *testing.T, open Opener) {
	a := connected(t, open)
	b := open(t)
	ctx := context.Background()
	now := time.Now()
	holders := race(t, []store.All{a, b}, store.ErrClaimed, func(i int, s store.All) error {
		return s.ClaimToken(ctx, "sess", fmt.Sprint("request-", i), now.Add(time.Minute))
	})
	if holders != 1 {
		t.Fatalf("%d of %d concurrent requests claimed the tokens, want exactly 1", holders, concurrency)
	}
	// Find the holder, release, and the claim is free for the next.
	for i := range concurrency {
		if err := a.ReleaseToken(ctx, "sess", fmt.Sprint("request-", i)); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.ClaimToken(ctx, "sess", "next", now.Add(time.Minute)); err != nil {
		t.Errorf("claim after release: %v", err)
	}
	if err := a.ClaimToken(ctx, "sess", "next", now.Add(time.Minute)); err != nil {
		t.Errorf("the holder claiming again: %v, want nil", err)
	}
	if err := a.ClaimToken(ctx, "sess", "other", now.Add(time.Minute)); !errors.Is(err, store.ErrClaimed) {
		t.Errorf("claiming a held claim: %v, want ErrClaimed", err)
	}
}

func testReplaceToken(t *testing.T, open Opener) {
	a := connected(t, open)
	b := open(t)
	ctx := context.Background()
	old := &oauth2.Token{AccessToken: "at-0"}
	wins := race(t, []store.All{a, b}, store.ErrAlreadyUsed, func(i int, s store.All) error {
		return s.ReplaceToken(ctx, "sess", old, &oauth2.Token{AccessToken: fmt.Sprint("at-", i+1), RefreshToken: fmt.Sprint("rt-", i+1)}, "tracks:read")
	})
	if wins != 1 {
		t.Fatalf("%d of %d concurrent replacements won, want exactly 1", wins, concurrency)
	}
	tok, _, err := b.Token(ctx, "sess")
	if err != nil || tok.AccessToken == "at-0" || tok.RefreshToken == "rt-0" {
		t.Errorf("after the replacement: %+v, %v", tok, err)
	}
}

func testSignoutStateUsedOnce(t *testing.T, open Opener) {
	a, b := open(t), open(t)
	ctx := context.Background()
	if err := a.CreateSession(ctx, "sess"); err != nil {
		t.Fatal(err)
	}
	if err := a.SaveSignoutState(ctx, "sess", "bye"); err != nil {
		t.Fatal(err)
	}
	wins := race(t, []store.All{a, b}, store.ErrStateUsed, func(_ int, s store.All) error {
		return s.UseSignoutState(ctx, "sess", "bye")
	})
	if wins != 1 {
		t.Fatalf("%d of %d concurrent sign-out answers won, want exactly 1", wins, concurrency)
	}
}

func testLogoutJTIRecordedOnce(t *testing.T, open Opener) {
	a, b := open(t), open(t)
	ctx := context.Background()
	until := time.Now().Add(time.Hour)
	wins := race(t, []store.All{a, b}, identity.ErrReplayed, func(_ int, s store.All) error {
		return s.RecordLogoutJTI(ctx, "jti-1", until)
	})
	if wins != 1 {
		t.Fatalf("%d of %d concurrent deliveries of one logout token were accepted, want exactly 1", wins, concurrency)
	}
}

func testCSRFKeyAgreed(t *testing.T, open Opener) {
	a, b := open(t), open(t)
	keys := make([][]byte, concurrency)
	race(t, []store.All{a, b}, nil, func(i int, s store.All) error {
		k, err := s.CSRFKey(context.Background())
		keys[i] = k
		return err
	})
	for i, k := range keys {
		if len(k) != 32 || string(k) != string(keys[0]) {
			t.Fatalf("replica call %d got another CSRF key (%d bytes)", i, len(k))
		}
	}
}
