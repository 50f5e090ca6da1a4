package throttle

import (
	"testing"
	"time"
)

func TestLimiter(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	l := New(3, time.Minute, func() time.Time { return now })

	tests := []struct {
		name    string
		advance time.Duration
		fail    bool
		reset   bool
		want    bool
	}{
		{name: "fresh key is allowed", want: true},
		{name: "after one failure", fail: true, want: true},
		{name: "after two failures", fail: true, want: true},
		{name: "after three failures it is refused", fail: true, want: false},
		{name: "still refused within the window", advance: 30 * time.Second, want: false},
		{name: "allowed once the window has passed", advance: 31 * time.Second, want: true},
		{name: "a new failure starts a new window", fail: true, want: true},
		{name: "reset forgets failures", fail: true, reset: true, want: true},
	}
	for _, tt := range tests {
		now = now.Add(tt.advance)
		if tt.fail {
			l.Fail("alice")
		}
		if tt.reset {
			l.Reset("alice")
		}
		got, wait := l.Allowed("alice")
		if got != tt.want {
			t.Fatalf("%s: Allowed = %v, want %v", tt.name, got, tt.want)
		}
		if !got && wait <= 0 {
			t.Fatalf("%s: refused with wait %v, want a positive wait", tt.name, wait)
		}
	}
	if ok, _ := l.Allowed("bob"); !ok {
		t.Fatal("keys must be counted separately")
	}
}
