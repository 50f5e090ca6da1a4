package store

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/oauthlab/oauthlab/client/internal/flow"
)

// clock is a settable time source.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func open(t *testing.T) (*Store, *clock, string) {
	t.Helper()
	clk := &clock{t: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	path := filepath.Join(t.TempDir(), "sub", "client.db")
	s, err := Open(context.Background(), path, clk.now)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, clk, path
}

func TestSessions(t *testing.T) {
	s, clk, _ := open(t)
	ctx := context.Background()
	if ok, err := s.TouchSession(ctx, "nope"); ok || err != nil {
		t.Fatalf("TouchSession(unknown) = %v, %v", ok, err)
	}
	if err := s.CreateSession(ctx, "sid"); err != nil {
		t.Fatal(err)
	}
	if ok, err := s.TouchSession(ctx, "sid"); !ok || err != nil {
		t.Fatalf("TouchSession = %v, %v", ok, err)
	}
	clk.add(SessionTTL + time.Second)
	if ok, _ := s.TouchSession(ctx, "sid"); ok {
		t.Fatal("a session unseen for longer than SessionTTL is still live")
	}
}

func TestAttempts(t *testing.T) {
	s, clk, _ := open(t)
	ctx := context.Background()
	s.CreateSession(ctx, "sid")
	if _, err := s.PendingAttempt(ctx, "sid", "x"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("PendingAttempt with none = %v, want ErrNotFound", err)
	}
	a1 := Attempt{State: "s1", Verifier: "v1", Scope: "tracks:read", CreatedAt: clk.now()}
	clk.add(time.Second)
	a2 := Attempt{State: "s2", Verifier: "v2", Scope: "playlists:read", CreatedAt: clk.now()}
	for _, a := range []Attempt{a1, a2} {
		if err := s.SaveAttempt(ctx, "sid", a); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct{ state, want string }{
		{"s1", "s1"},     // the matching one, though older
		{"s2", "s2"},     // the matching one
		{"forged", "s2"}, // none matches: the newest, to show the mismatch
	}
	for _, tt := range tests {
		got, err := s.PendingAttempt(ctx, "sid", tt.state)
		if err != nil || got.State != tt.want {
			t.Errorf("PendingAttempt(%q) = %+v, %v; want state %s", tt.state, got, err, tt.want)
		}
	}
	got, _ := s.PendingAttempt(ctx, "sid", "s1")
	if got.Verifier != "v1" || got.Scope != "tracks:read" {
		t.Errorf("attempt = %+v", got)
	}
	// Another session sees none of them.
	s.CreateSession(ctx, "other")
	if _, err := s.PendingAttempt(ctx, "other", "s1"); !errors.Is(err, ErrNotFound) {
		t.Errorf("another session's attempt: %v", err)
	}
	// Used once, then gone.
	if err := s.DeleteAttempt(ctx, "sid", "s2"); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.PendingAttempt(ctx, "sid", "s2"); got.State == "s2" {
		t.Error("a deleted attempt is still pending")
	}
	// Expired attempts are ignored.
	clk.add(AttemptTTL + time.Second)
	if _, err := s.PendingAttempt(ctx, "sid", "s1"); !errors.Is(err, ErrNotFound) {
		t.Errorf("expired attempt: %v", err)
	}
}

func TestTokens(t *testing.T) {
	s, _, path := open(t)
	ctx := context.Background()
	s.CreateSession(ctx, "sid")
	if _, _, err := s.Token(ctx, "sid"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Token before any = %v", err)
	}
	exp := time.UnixMilli(1767323045123)
	tok := (&oauth2.Token{AccessToken: "at", TokenType: "Bearer", RefreshToken: "rt", Expiry: exp}).
		WithExtra(map[string]any{"scope": "tracks:read"})
	if err := s.SaveToken(ctx, "sid", tok, "ignored"); err != nil {
		t.Fatal(err)
	}
	// A refreshed token replaces it; with no scope in the response, the
	// fallback is kept.
	tok2 := &oauth2.Token{AccessToken: "at2", TokenType: "Bearer", RefreshToken: "rt2", Expiry: exp.Add(time.Hour)}
	if err := s.SaveToken(ctx, "sid", tok2, "tracks:read"); err != nil {
		t.Fatal(err)
	}
	s.Close()

	// Persisted: a restart finds it.
	s2, err := Open(ctx, path, func() time.Time { return exp })
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	got, scope, err := s2.Token(ctx, "sid")
	if err != nil {
		t.Fatal(err)
	}
	if got.AccessToken != "at2" || got.RefreshToken != "rt2" || !got.Expiry.Equal(exp.Add(time.Hour)) || scope != "tracks:read" {
		t.Errorf("Token = %+v scope %q", got, scope)
	}
	if err := s2.DeleteToken(ctx, "sid"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s2.Token(ctx, "sid"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Token after delete = %v", err)
	}
}

func TestSteps(t *testing.T) {
	s, clk, _ := open(t)
	ctx := context.Background()
	s.CreateSession(ctx, "sid")
	step := func(i int) flow.Step {
		return flow.Step{Kind: flow.KindAPICall, At: clk.now().Add(time.Duration(i) * time.Second), Title: fmt.Sprint(i),
			HTTP: &flow.Exchange{Method: "GET", URL: "http://api/x", Status: 200}}
	}
	if err := s.AddSteps(ctx, "sid", step(0), step(1)); err != nil {
		t.Fatal(err)
	}
	got, err := s.Steps(ctx, "sid")
	if err != nil || len(got) != 2 || got[0].Title != "0" || got[1].HTTP.Status != 200 || !got[1].At.Equal(step(1).At) {
		t.Fatalf("Steps = %+v, %v", got, err)
	}
	// The timeline is capped: the oldest steps go.
	for i := 2; i < MaxStepsSession+10; i++ {
		if err := s.AddSteps(ctx, "sid", step(i)); err != nil {
			t.Fatal(err)
		}
	}
	got, _ = s.Steps(ctx, "sid")
	if len(got) != MaxStepsSession || got[0].Title != "10" {
		t.Fatalf("after %d steps: %d kept, first %q", MaxStepsSession+10, len(got), got[0].Title)
	}
	if err := s.ClearSteps(ctx, "sid"); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Steps(ctx, "sid"); len(got) != 0 {
		t.Errorf("Steps after clear = %d", len(got))
	}
}

// Concurrent writers wait for each other: "database is locked" never
// escapes.
func TestConcurrentWrites(t *testing.T) {
	s, _, _ := open(t)
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, 50)
	for i := range 50 {
		wg.Go(func() {
			id := fmt.Sprint("sid", i)
			if err := s.CreateSession(ctx, id); err != nil {
				errs <- err
				return
			}
			if err := s.AddSteps(ctx, id, flow.Step{Kind: flow.KindError}); err != nil {
				errs <- err
				return
			}
			if _, err := s.Steps(ctx, id); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestRotateSession(t *testing.T) {
	s, clk, _ := open(t)
	ctx := context.Background()
	s.CreateSession(ctx, "old")
	s.SaveAttempt(ctx, "old", Attempt{State: "st", Verifier: "v", CreatedAt: clk.now()})
	s.SaveToken(ctx, "old", &oauth2.Token{AccessToken: "at", TokenType: "Bearer"}, "tracks:read")
	s.AddSteps(ctx, "old", flow.Step{Kind: flow.KindAccessToken})
	if err := s.RotateSession(ctx, "old", "new"); err != nil {
		t.Fatal(err)
	}
	if ok, _ := s.TouchSession(ctx, "old"); ok {
		t.Error("the old id still works")
	}
	if ok, _ := s.TouchSession(ctx, "new"); !ok {
		t.Error("the new id does not work")
	}
	if tok, _, err := s.Token(ctx, "new"); err != nil || tok.AccessToken != "at" {
		t.Errorf("Token(new) = %v, %v", tok, err)
	}
	if a, err := s.PendingAttempt(ctx, "new", "st"); err != nil || a.Verifier != "v" {
		t.Errorf("PendingAttempt(new) = %+v, %v", a, err)
	}
	if steps, _ := s.Steps(ctx, "new"); len(steps) != 1 {
		t.Errorf("Steps(new) = %d, want 1", len(steps))
	}
	if err := s.RotateSession(ctx, "gone", "x"); !errors.Is(err, ErrNotFound) {
		t.Errorf("RotateSession(unknown) = %v, want ErrNotFound", err)
	}
}
