package throttle

import (
	"testing"
	"time"
)

func TestBackoff(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	b := Backoff{Counter: NewMemory(time.Hour, clock), Free: 2, Base: time.Second, Max: 4 * time.Second, Now: clock}

	steps := []struct {
		name    string
		advance time.Duration
		fail    bool
		reset   bool
		want    time.Duration
	}{
		{name: "fresh key", want: 0},
		{name: "one free failure", fail: true, want: 0},
		{name: "second failure: wait Base", fail: true, want: time.Second},
		{name: "time passes", advance: 600 * time.Millisecond, want: 400 * time.Millisecond},
		{name: "waited enough", advance: 400 * time.Millisecond, want: 0},
		{name: "third failure: twice as long", fail: true, want: 2 * time.Second},
		{name: "fourth: capped at Max", fail: true, want: 4 * time.Second},
		{name: "fifth: still Max, never a lock", fail: true, want: 4 * time.Second},
		{name: "forgotten an hour after the last failure", advance: time.Hour, want: 0},
		{name: "reset forgets", fail: true, reset: true, want: 0},
	}
	for _, s := range steps {
		now = now.Add(s.advance)
		if s.fail {
			b.Fail("k")
		}
		if s.reset {
			b.Reset("k")
		}
		if got := b.Wait("k"); got != s.want {
			t.Fatalf("%s: Wait = %v, want %v", s.name, got, s.want)
		}
	}
	if got := b.Wait("other"); got != 0 {
		t.Fatalf("keys must be counted apart: Wait(other) = %v", got)
	}
}
