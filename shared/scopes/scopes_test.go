package scopes

import (
	"slices"
	"testing"
)

func TestParse(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"", nil},
		{"tracks:read", []string{"tracks:read"}},
		{"tracks:read  playlists:read", []string{"tracks:read", "playlists:read"}},
		{" tracks:read tracks:read ", []string{"tracks:read"}},
	}
	for _, tt := range tests {
		if got := Parse(tt.in); !slices.Equal(got, tt.want) {
			t.Errorf("Parse(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestValidToken(t *testing.T) {
	tests := map[string]bool{
		"tracks:read": true,
		"a":           true,
		"":            false,
		"has space":   false,
		`quote"`:      false,
		`back\slash`:  false,
		"tab\t":       false,
		"é":           false,
	}
	for in, want := range tests {
		if got := ValidToken(in); got != want {
			t.Errorf("ValidToken(%q) = %v, want %v", in, got, want)
		}
	}
}

func TestCovers(t *testing.T) {
	granted := []string{TracksRead, PlaylistsRead}
	if !Covers(granted, []string{PlaylistsRead}) {
		t.Error("a subset should be covered")
	}
	if !Covers(granted, nil) {
		t.Error("nothing requested should be covered")
	}
	if Covers(granted, []string{PlaylistsWrite}) {
		t.Error("a scope never granted must not be covered")
	}
}

func TestEveryScopeHasADescription(t *testing.T) {
	for _, s := range All {
		if s.Description == "" || !ValidToken(s.Name) {
			t.Errorf("scope %+v needs a valid name and a description", s)
		}
		if got, ok := Lookup(s.Name); !ok || got != s {
			t.Errorf("Lookup(%q) = %+v, %v", s.Name, got, ok)
		}
	}
	if _, ok := Lookup("admin"); ok {
		t.Error("Lookup found a scope that does not exist")
	}
}
