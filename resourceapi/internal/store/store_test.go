package store

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/oauthlab/oauthlab/resourceapi/internal/music"
	"github.com/oauthlab/oauthlab/shared/contract"
)

func open(t *testing.T, path string) *Store {
	t.Helper()
	s, err := Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if err := s.Seed(context.Background(), true); err != nil {
		t.Fatal(err)
	}
	return s
}

var alice, bob = contract.Alice.Subject, contract.Bob.Subject

func TestSeedRunsOnce(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "api.db")
	s := open(t, path)
	if err := s.DeletePlaylist(ctx, alice, "pl_alice_tea_party"); err != nil {
		t.Fatal(err)
	}
	s.Close()

	// A restart seeds again: the catalogue is refreshed, but the playlist
	// alice deleted stays deleted.
	s = open(t, path)
	if _, err := s.Playlist(ctx, alice, "pl_alice_tea_party"); !errors.Is(err, music.ErrNotFound) {
		t.Fatalf("deleted demo playlist: %v, want ErrNotFound", err)
	}
	_, total, err := s.Tracks(ctx, music.Page{Limit: 100})
	if err != nil || total != len(catalogue) {
		t.Fatalf("catalogue: %d tracks, %v; want %d", total, err, len(catalogue))
	}
	top, err := s.TopTracks(ctx, alice, 100)
	if err != nil || len(top) != len(demoLibraries[alice].plays) {
		t.Fatalf("alice's plays were seeded twice or lost: %d, %v", len(top), err)
	}
}

func TestWithoutDemoUsers(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "api.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Seed(ctx, false); err != nil {
		t.Fatal(err)
	}
	if top, err := s.TopTracks(ctx, alice, 10); err != nil || len(top) != 0 {
		t.Fatalf("demo plays without the demo seed: %v %v", top, err)
	}
	if charts, err := s.Charts(ctx, 5); err != nil || len(charts) != 5 {
		t.Fatalf("charts: %v %v", charts, err)
	}
}

func TestPlaylistsAreTheOwners(t *testing.T) {
	ctx := context.Background()
	s := open(t, filepath.Join(t.TempDir(), "api.db"))
	p, err := s.CreatePlaylist(ctx, bob, music.NewPlaylist{Name: "Bob's", TrackIDs: []string{"trk_001"}})
	if err != nil {
		t.Fatal(err)
	}
	stolen := "stolen"
	if _, err := s.Playlist(ctx, alice, p.ID); !errors.Is(err, music.ErrNotFound) {
		t.Errorf("alice reads bob's playlist: %v", err)
	}
	if _, err := s.UpdatePlaylist(ctx, alice, p.ID, music.PlaylistChange{Name: &stolen}); !errors.Is(err, music.ErrNotFound) {
		t.Errorf("alice renames bob's playlist: %v", err)
	}
	if err := s.DeletePlaylist(ctx, alice, p.ID); !errors.Is(err, music.ErrNotFound) {
		t.Errorf("alice deletes bob's playlist: %v", err)
	}
	got, err := s.Playlist(ctx, bob, p.ID)
	if err != nil || got.Name != "Bob's" || got.TrackCount != 1 {
		t.Fatalf("bob's playlist after alice's tries: %+v, %v", got, err)
	}
}

func TestUpdatePlaylist(t *testing.T) {
	ctx := context.Background()
	s := open(t, filepath.Join(t.TempDir(), "api.db"))
	clock := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	s.Now = func() time.Time { return clock }
	p, err := s.CreatePlaylist(ctx, alice, music.NewPlaylist{Name: "a", TrackIDs: []string{"trk_001", "trk_002"}})
	if err != nil {
		t.Fatal(err)
	}
	clock = clock.Add(time.Hour)
	desc := "now with a description"
	p, err = s.UpdatePlaylist(ctx, alice, p.ID, music.PlaylistChange{
		Description:    &desc,
		AddTrackIDs:    []string{"trk_003", "trk_001"}, // trk_001 is in already
		RemoveTrackIDs: []string{"trk_002", "trk_024"}, // trk_024 is not in
	})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, tr := range p.Tracks {
		ids = append(ids, tr.ID)
	}
	if fmt.Sprint(ids) != "[trk_001 trk_003]" || p.Name != "a" || p.Description != desc || p.TrackCount != 2 {
		t.Fatalf("after update: %+v", p)
	}
	if !p.CreatedAt.Equal(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)) || !p.UpdatedAt.Equal(clock) {
		t.Fatalf("times: created %s updated %s", p.CreatedAt, p.UpdatedAt)
	}
	// An unknown track rolls the whole change back.
	newName := "renamed"
	_, err = s.UpdatePlaylist(ctx, alice, p.ID, music.PlaylistChange{Name: &newName, AddTrackIDs: []string{"trk_999"}})
	var inv *music.InvalidError
	if !errors.As(err, &inv) {
		t.Fatalf("unknown track: %v", err)
	}
	if got, _ := s.Playlist(ctx, alice, p.ID); got.Name != "a" {
		t.Fatalf("a failed update was partly applied: name %q", got.Name)
	}
}

func TestPlaylistLimit(t *testing.T) {
	ctx := context.Background()
	s := open(t, filepath.Join(t.TempDir(), "api.db"))
	for i := range music.MaxPlaylists {
		if _, err := s.CreatePlaylist(ctx, "user-x", music.NewPlaylist{Name: fmt.Sprint(i)}); err != nil {
			t.Fatal(err)
		}
	}
	_, err := s.CreatePlaylist(ctx, "user-x", music.NewPlaylist{Name: "one too many"})
	var inv *music.InvalidError
	if !errors.As(err, &inv) {
		t.Fatalf("playlist %d: %v, want an *InvalidError", music.MaxPlaylists+1, err)
	}
	list, total, err := s.Playlists(ctx, "user-x", music.Page{Limit: 5, Offset: 10})
	if err != nil || total != music.MaxPlaylists || len(list) != 5 {
		t.Fatalf("page: %d items of %d, %v", len(list), total, err)
	}
}

// TestConcurrentWrites: many writers at once all succeed; SQLite's single
// writer never shows up as "database is locked".
func TestConcurrentWrites(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "api.db")
	s := open(t, path)
	other := open(t, path) // a second process on the same file, as far as SQLite can tell
	var wg sync.WaitGroup
	errs := make(chan error, 200)
	for i := range 100 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			st := s
			if i%2 == 1 {
				st = other
			}
			p, err := st.CreatePlaylist(ctx, alice, music.NewPlaylist{Name: fmt.Sprint("p", i), TrackIDs: []string{"trk_001"}})
			if err != nil {
				errs <- err
				return
			}
			if _, _, err := st.Playlists(ctx, alice, music.Page{Limit: 10}); err != nil {
				errs <- err
			}
			if err := st.DeletePlaylist(ctx, alice, p.ID); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
