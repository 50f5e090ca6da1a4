package store

import (
	"context"
	"testing"
	"time"

	"github.com/oauthlab/oauthlab/resourceapi/internal/music"
	"github.com/oauthlab/oauthlab/resourceapi/internal/storetest"
	"github.com/oauthlab/oauthlab/shared/contract"
	"github.com/oauthlab/oauthlab/shared/pgtest"
)

// databases are the two a Store runs on, each as a maker of fresh ones.
var databases = pgtest.Databases("api.db")

func opener(dsn string) storetest.Opener {
	return func(t *testing.T) storetest.Store { return open(t, dsn) }
}

func open(t *testing.T, dsn string) *Store {
	t.Helper()
	s, err := Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestConformance(t *testing.T) {
	for name, newDSN := range databases {
		t.Run(name, func(t *testing.T) {
			storetest.Run(t, func(t *testing.T) storetest.Opener { return opener(newDSN(t)) })
		})
	}
}

// The seed writes the whole catalogue and each demo user's library.
func TestSeedWritesEverything(t *testing.T) {
	ctx := context.Background()
	for name, newDSN := range databases {
		t.Run(name, func(t *testing.T) {
			s := open(t, newDSN(t))
			if err := s.Seed(ctx, true); err != nil {
				t.Fatal(err)
			}
			if _, total, err := s.Tracks(ctx, music.Page{Limit: 1}); err != nil || total != len(catalogue) {
				t.Fatalf("catalogue: %d tracks, %v; want %d", total, err, len(catalogue))
			}
			if charts, err := s.Charts(ctx, music.MaxPageLimit); err != nil || len(charts) != len(chartPlays) {
				t.Fatalf("charts: %d entries, %v; want %d", len(charts), err, len(chartPlays))
			}
			for owner, lib := range demoLibraries {
				top, err := s.TopTracks(ctx, owner, music.MaxPageLimit)
				if err != nil || len(top) != len(lib.plays) {
					t.Fatalf("%s's plays: %d, %v; want %d", owner, len(top), err, len(lib.plays))
				}
				for _, p := range lib.playlists {
					got, err := s.Playlist(ctx, owner, p.id)
					if err != nil || got.TrackCount != len(p.tracks) || got.Name != p.name {
						t.Fatalf("%s's playlist %s: %+v, %v", owner, p.id, got, err)
					}
				}
			}
		})
	}
}

// Times come from the store's clock, leave in UTC with whole seconds, and
// survive the database's integer columns (PostgreSQL's INTEGER would not
// hold Unix milliseconds).
func TestPlaylistTimes(t *testing.T) {
	ctx := context.Background()
	for name, newDSN := range databases {
		t.Run(name, func(t *testing.T) {
			s := open(t, newDSN(t))
			if err := s.Seed(ctx, false); err != nil {
				t.Fatal(err)
			}
			clock := time.Date(2026, 1, 2, 3, 4, 5, 600_000_000, time.UTC)
			s.Now = func() time.Time { return clock }
			p, err := s.CreatePlaylist(ctx, contract.Alice.Subject, music.NewPlaylist{Name: "a"})
			if err != nil {
				t.Fatal(err)
			}
			clock = clock.Add(time.Hour)
			desc := "later"
			p, err = s.UpdatePlaylist(ctx, contract.Alice.Subject, p.ID, music.PlaylistChange{Description: &desc})
			if err != nil {
				t.Fatal(err)
			}
			created := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
			if !p.CreatedAt.Equal(created) || !p.UpdatedAt.Equal(created.Add(time.Hour)) || p.CreatedAt.Location() != time.UTC {
				t.Fatalf("times: created %s updated %s", p.CreatedAt, p.UpdatedAt)
			}
		})
	}
}
