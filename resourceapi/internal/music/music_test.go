package music

import (
	"errors"
	"strings"
	"testing"
)

func TestCleanName(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"Road trip", "Road trip", true},
		{"  padded  ", "padded", true},
		{strings.Repeat("é", 100), strings.Repeat("é", 100), true}, // characters, not bytes
		{strings.Repeat("é", 101), "", false},
		{"", "", false},
		{" \t ", "", false},
		{"tab\tinside", "", false},
		{"nul\x00", "", false},
		{"bad \xff utf-8", "", false},
	}
	for _, tt := range tests {
		got, err := CleanName(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("CleanName(%q) = %q, %v; want %q ok=%v", tt.in, got, err, tt.want, tt.ok)
		}
		var inv *InvalidError
		if err != nil && !errors.As(err, &inv) {
			t.Errorf("CleanName(%q): error %T is not an *InvalidError", tt.in, err)
		}
	}
}

func TestCleanDescription(t *testing.T) {
	tests := []struct {
		in string
		ok bool
	}{
		{"", true},
		{"two\nlines", true},
		{strings.Repeat("x", 500), true},
		{strings.Repeat("x", 501), false},
		{"bell\a", false},
	}
	for _, tt := range tests {
		if _, err := CleanDescription(tt.in); (err == nil) != tt.ok {
			t.Errorf("CleanDescription(%.20q): %v, want ok=%v", tt.in, err, tt.ok)
		}
	}
}

func TestIDs(t *testing.T) {
	tests := []struct {
		id            string
		track, playls bool
	}{
		{"trk_001", true, false},
		{"pl_alice_tea_party", false, true},
		{"trk_", false, false},
		{"pl_", false, false},
		{"trk_a-b", false, false},
		{"trk_" + strings.Repeat("a", 64), true, false},
		{"trk_" + strings.Repeat("a", 65), false, false},
		{"TRK_001", false, false},
		{"trk_../x", false, false},
	}
	for _, tt := range tests {
		if got := ValidTrackID(tt.id); got != tt.track {
			t.Errorf("ValidTrackID(%q) = %v", tt.id, got)
		}
		if got := ValidPlaylistID(tt.id); got != tt.playls {
			t.Errorf("ValidPlaylistID(%q) = %v", tt.id, got)
		}
	}
}

func TestCleanTrackIDs(t *testing.T) {
	got, err := CleanTrackIDs("track_ids", []string{"trk_2", "trk_1", "trk_2"})
	if err != nil || strings.Join(got, ",") != "trk_2,trk_1" {
		t.Fatalf("got %v, %v; want repeats dropped in first-seen order", got, err)
	}
	many := make([]string, MaxTracksPerChange+1)
	for i := range many {
		many[i] = "trk_1"
	}
	if _, err := CleanTrackIDs("track_ids", many); err == nil {
		t.Fatal("no error for too many ids")
	}
	if _, err := CleanTrackIDs("add_track_ids", []string{"x"}); err == nil || !strings.HasPrefix(err.Error(), "add_track_ids: ") {
		t.Fatalf("error %v does not name the field", err)
	}
}

func TestPlaylistChangeValidate(t *testing.T) {
	name := "  New name "
	ch, err := PlaylistChange{Name: &name}.Validate()
	if err != nil || *ch.Name != "New name" {
		t.Fatalf("got %v, %v", ch.Name, err)
	}
	if _, err := (PlaylistChange{}).Validate(); err == nil {
		t.Fatal("an empty change is accepted")
	}
	empty := ""
	if _, err := (PlaylistChange{Description: &empty}).Validate(); err != nil {
		t.Fatalf("clearing the description: %v", err)
	}
	if _, err := (PlaylistChange{Name: &empty}).Validate(); err == nil {
		t.Fatal("an empty name is accepted")
	}
}
