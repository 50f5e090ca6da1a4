package store

import (
	"context"
	"database/sql"
	"errors"

	"github.com/oauthlab/oauthlab/resourceapi/internal/music"
	"github.com/oauthlab/oauthlab/shared/contract"
	"github.com/oauthlab/oauthlab/shared/sqldb"
)

// The catalogue: made-up artists and songs, so the demo needs no licence.
var catalogue = []music.Track{
	{ID: "trk_001", Title: "Paper Lanterns", Artist: "The Quiet Harbours", Album: "Low Tide", DurationMS: 215000},
	{ID: "trk_002", Title: "Salt and Static", Artist: "The Quiet Harbours", Album: "Low Tide", DurationMS: 198000},
	{ID: "trk_003", Title: "Northbound", Artist: "The Quiet Harbours", Album: "Low Tide", DurationMS: 242000},
	{ID: "trk_004", Title: "Glass Orchard", Artist: "Mira Vell", Album: "Glass Orchard", DurationMS: 187000},
	{ID: "trk_005", Title: "Copper Sky", Artist: "Mira Vell", Album: "Glass Orchard", DurationMS: 203000},
	{ID: "trk_006", Title: "Small Hours", Artist: "Mira Vell", Album: "Glass Orchard", DurationMS: 176000},
	{ID: "trk_007", Title: "Engine Room", Artist: "Delta Foxtrot", Album: "Signal Flags", DurationMS: 231000},
	{ID: "trk_008", Title: "Morse Code Heart", Artist: "Delta Foxtrot", Album: "Signal Flags", DurationMS: 209000},
	{ID: "trk_009", Title: "Radio Silence", Artist: "Delta Foxtrot", Album: "Signal Flags", DurationMS: 254000},
	{ID: "trk_010", Title: "Wonderland Avenue", Artist: "Cheshire Grin", Album: "Down the Rabbit Hole", DurationMS: 224000},
	{ID: "trk_011", Title: "Tea at Six", Artist: "Cheshire Grin", Album: "Down the Rabbit Hole", DurationMS: 161000},
	{ID: "trk_012", Title: "Looking Glass", Artist: "Cheshire Grin", Album: "Down the Rabbit Hole", DurationMS: 238000},
	{ID: "trk_013", Title: "Scaffolding", Artist: "Hard Hat Choir", Album: "Can We Fix It", DurationMS: 192000},
	{ID: "trk_014", Title: "Concrete Lullaby", Artist: "Hard Hat Choir", Album: "Can We Fix It", DurationMS: 247000},
	{ID: "trk_015", Title: "Blueprints", Artist: "Hard Hat Choir", Album: "Can We Fix It", DurationMS: 205000},
	{ID: "trk_016", Title: "Velvet Freeway", Artist: "Juno Park", Album: "Night Drive", DurationMS: 263000},
	{ID: "trk_017", Title: "Sodium Lights", Artist: "Juno Park", Album: "Night Drive", DurationMS: 219000},
	{ID: "trk_018", Title: "Exit 42", Artist: "Juno Park", Album: "Night Drive", DurationMS: 184000},
	{ID: "trk_019", Title: "Granite", Artist: "Old Mountain Radio", Album: "Weathered", DurationMS: 301000},
	{ID: "trk_020", Title: "Kettle Song", Artist: "Old Mountain Radio", Album: "Weathered", DurationMS: 168000},
	{ID: "trk_021", Title: "First Frost", Artist: "Old Mountain Radio", Album: "Weathered", DurationMS: 226000},
	{ID: "trk_022", Title: "Pixel Garden", Artist: "Byte Ballet", Album: "Render", DurationMS: 195000},
	{ID: "trk_023", Title: "Loading Screen", Artist: "Byte Ballet", Album: "Render", DurationMS: 142000},
	{ID: "trk_024", Title: "Save Point", Artist: "Byte Ballet", Album: "Render", DurationMS: 233000},
}

// The charts: plays across the whole service this week.
var chartPlays = map[string]int{
	"trk_016": 183402, "trk_004": 171230, "trk_010": 150877, "trk_007": 142019,
	"trk_022": 120554, "trk_001": 118920, "trk_013": 97311, "trk_019": 88016,
	"trk_005": 76540, "trk_017": 71200, "trk_008": 65012, "trk_024": 60433,
	"trk_011": 51877, "trk_002": 48120, "trk_014": 40999, "trk_020": 35410,
	"trk_023": 30066, "trk_003": 28731, "trk_009": 22150, "trk_012": 20894,
	"trk_006": 18300, "trk_015": 15020, "trk_018": 12001, "trk_021": 9870,
}

// demoLibrary is what one demo user listened to and collected.
type demoLibrary struct {
	plays     map[string]int
	playlists []demoPlaylist
}

type demoPlaylist struct {
	id, name, description string
	tracks                []string
}

// Alice likes quiet, whimsical songs; Bob likes building-site anthems and
// night drives: who is signed in shows at a glance.
var demoLibraries = map[string]demoLibrary{
	contract.Alice.Subject: {
		plays: map[string]int{
			"trk_010": 42, "trk_012": 35, "trk_011": 29, "trk_004": 23, "trk_001": 18,
			"trk_006": 14, "trk_005": 11, "trk_002": 8, "trk_020": 5, "trk_022": 3,
		},
		playlists: []demoPlaylist{
			{id: "pl_alice_tea_party", name: "Tea Party", description: "Songs for a very merry unbirthday.",
				tracks: []string{"trk_011", "trk_010", "trk_012", "trk_020"}},
			{id: "pl_alice_rainy_days", name: "Rainy Days", description: "Quiet songs for reading.",
				tracks: []string{"trk_001", "trk_004", "trk_006"}},
		},
	},
	contract.Bob.Subject: {
		plays: map[string]int{
			"trk_013": 51, "trk_015": 37, "trk_014": 30, "trk_016": 26, "trk_007": 21,
			"trk_017": 17, "trk_018": 12, "trk_019": 9, "trk_009": 6, "trk_024": 2,
		},
		playlists: []demoPlaylist{
			{id: "pl_bob_site_work", name: "Site Work", description: "Loud enough to hear over the mixer.",
				tracks: []string{"trk_013", "trk_014", "trk_015", "trk_007", "trk_008"}},
		},
	},
}

// Seed loads the catalogue and the charts (every start: the catalogue is
// reference data) and the demo users' plays and playlists (once per
// database: a playlist a user deleted stays deleted after a restart).
func (s *Store) Seed(ctx context.Context, demoUsers bool) error {
	return s.tx(ctx, func(tx sqldb.Queryer) error {
		for _, t := range catalogue {
			if _, err := tx.ExecContext(ctx, `INSERT INTO tracks (id, title, artist, album, duration_ms)
				VALUES (?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET
				title = excluded.title, artist = excluded.artist, album = excluded.album, duration_ms = excluded.duration_ms`,
				t.ID, t.Title, t.Artist, t.Album, t.DurationMS); err != nil {
				return err
			}
		}
		for id, plays := range chartPlays {
			if _, err := tx.ExecContext(ctx, `INSERT INTO chart_plays (track_id, plays) VALUES (?, ?)
				ON CONFLICT (track_id) DO UPDATE SET plays = excluded.plays`, id, plays); err != nil {
				return err
			}
		}
		if !demoUsers {
			return nil
		}
		var done int
		err := tx.QueryRowContext(ctx, `SELECT 1 FROM seeds WHERE name = 'demo-users'`).Scan(&done)
		if err == nil {
			return nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		now := s.Now().UnixMilli()
		for owner, lib := range demoLibraries {
			for id, n := range lib.plays {
				if _, err := tx.ExecContext(ctx, `INSERT INTO weekly_plays (owner, track_id, play_count) VALUES (?, ?, ?)
					ON CONFLICT DO NOTHING`, owner, id, n); err != nil {
					return err
				}
			}
			for i, p := range lib.playlists {
				// Older playlists first, a second apart, so the newest-first
				// order of the list is the order written above, reversed.
				at := now - int64(len(lib.playlists)-i)*1000
				if _, err := tx.ExecContext(ctx, `INSERT INTO playlists (id, owner, name, description, created_at, updated_at)
					VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`, p.id, owner, p.name, p.description, at, at); err != nil {
					return err
				}
				if err := appendTracks(ctx, tx, p.id, p.tracks); err != nil {
					return err
				}
			}
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO seeds (name) VALUES ('demo-users')`)
		return err
	})
}
