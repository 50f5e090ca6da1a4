package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"time"

	"github.com/oauthlab/oauthlab/shared/sqldb"

	"github.com/oauthlab/oauthlab/resourceapi/internal/music"
)

//go:embed migrations/sqlite/*.sql migrations/postgres/*.sql
var migrations embed.FS

// Store implements music.Store on SQLite or PostgreSQL.
type Store struct {
	db *sqldb.DB
	// read and write run statements written with ? placeholders on the
	// two pools (for PostgreSQL they are one pool).
	read, write sqldb.Queryer
	// seen is the replay cache's INSERT, prepared once on the write pool:
	// it runs on every DPoP request, and parsing it each time was a
	// measurable part of the request (see dpop.go).
	seen *sql.Stmt
	// Now is the clock used for created_at and updated_at.
	Now func() time.Time
}

var _ music.Store = (*Store)(nil)

// Open opens the database that dsn names, a SQLite file path (created when
// missing) or a postgres:// URL, and applies the migrations.
func Open(ctx context.Context, dsn string) (*Store, error) {
	sub, err := fs.Sub(migrations, "migrations")
	if err != nil {
		return nil, err
	}
	db, err := sqldb.Open(ctx, dsn, sub)
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	seen, err := db.Write.PrepareContext(ctx, db.Rebind(seenSQL))
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("store: prepare the replay cache insert: %w", err)
	}
	return &Store{db: db, read: db.Bind(db.Read), write: db.Writer(), seen: seen, Now: time.Now}, nil
}

// Close closes the prepared statement and the pools.
func (s *Store) Close() error {
	s.seen.Close()
	return s.db.Close()
}

// Ping checks that the database answers (for /healthz).
func (s *Store) Ping(ctx context.Context) error { return s.db.Ping(ctx) }

// tx runs fn in a serializable write transaction (run again when
// PostgreSQL aborts it for a concurrent one, so fn only works on tx).
func (s *Store) tx(ctx context.Context, fn func(tx sqldb.Queryer) error) error {
	return s.db.Tx(ctx, func(tx *sql.Tx) error { return fn(s.db.Bind(tx)) })
}

// readTx runs fn in a read-only transaction that sees one snapshot.
func (s *Store) readTx(ctx context.Context, fn func(tx sqldb.Queryer) error) error {
	return s.db.ReadTx(ctx, func(tx *sql.Tx) error { return fn(s.db.Bind(tx)) })
}

// TopTracks implements music.Store.
func (s *Store) TopTracks(ctx context.Context, owner string, limit int) ([]music.TopTrack, error) {
	rows, err := s.read.QueryContext(ctx, `
		SELECT t.id, t.title, t.artist, t.album, t.duration_ms, w.play_count
		FROM weekly_plays w JOIN tracks t ON t.id = w.track_id
		WHERE w.owner = ?
		ORDER BY w.play_count DESC, t.id
		LIMIT ?`, owner, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []music.TopTrack{}
	for rows.Next() {
		var t music.TopTrack
		if err := rows.Scan(&t.Track.ID, &t.Track.Title, &t.Track.Artist, &t.Track.Album, &t.Track.DurationMS, &t.PlayCount); err != nil {
			return nil, err
		}
		t.Rank = len(out) + 1
		out = append(out, t)
	}
	return out, rows.Err()
}

// Charts implements music.Store.
func (s *Store) Charts(ctx context.Context, limit int) ([]music.ChartEntry, error) {
	rows, err := s.read.QueryContext(ctx, `
		SELECT t.id, t.title, t.artist, t.album, t.duration_ms, c.plays
		FROM chart_plays c JOIN tracks t ON t.id = c.track_id
		ORDER BY c.plays DESC, t.id
		LIMIT ?`, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []music.ChartEntry{}
	for rows.Next() {
		var e music.ChartEntry
		if err := rows.Scan(&e.Track.ID, &e.Track.Title, &e.Track.Artist, &e.Track.Album, &e.Track.DurationMS, &e.Plays); err != nil {
			return nil, err
		}
		e.Rank = len(out) + 1
		out = append(out, e)
	}
	return out, rows.Err()
}

// Tracks implements music.Store.
func (s *Store) Tracks(ctx context.Context, page music.Page) ([]music.Track, int, error) {
	var total int
	if err := s.read.QueryRowContext(ctx, `SELECT count(*) FROM tracks`).Scan(&total); err != nil {
		return nil, 0, err
	}
	rows, err := s.read.QueryContext(ctx, `
		SELECT id, title, artist, album, duration_ms FROM tracks
		ORDER BY artist, title, id LIMIT ? OFFSET ?`, page.Limit, page.Offset)
	if err != nil {
		return nil, 0, err
	}
	tracks, err := scanTracks(rows)
	return tracks, total, err
}

func scanTracks(rows *sql.Rows) ([]music.Track, error) {
	defer rows.Close()
	out := []music.Track{}
	for rows.Next() {
		var t music.Track
		if err := rows.Scan(&t.ID, &t.Title, &t.Artist, &t.Album, &t.DurationMS); err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

const summaryColumns = `p.id, p.name, p.description, p.created_at, p.updated_at,
	(SELECT count(*) FROM playlist_tracks pt WHERE pt.playlist_id = p.id)`

func scanSummary(row interface{ Scan(...any) error }) (music.PlaylistSummary, error) {
	var p music.PlaylistSummary
	var created, updated int64
	if err := row.Scan(&p.ID, &p.Name, &p.Description, &created, &updated, &p.TrackCount); err != nil {
		return p, err
	}
	p.CreatedAt = fromMillis(created)
	p.UpdatedAt = fromMillis(updated)
	return p, nil
}

// Times leave the API in RFC 3339 with whole seconds, in UTC.
func fromMillis(ms int64) time.Time { return time.UnixMilli(ms).UTC().Truncate(time.Second) }

// Playlists implements music.Store: newest first.
func (s *Store) Playlists(ctx context.Context, owner string, page music.Page) ([]music.PlaylistSummary, int, error) {
	var total int
	out := []music.PlaylistSummary{}
	err := s.readTx(ctx, func(tx sqldb.Queryer) error {
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM playlists WHERE owner = ?`, owner).Scan(&total); err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, `SELECT `+summaryColumns+` FROM playlists p
			WHERE p.owner = ? ORDER BY p.created_at DESC, p.id DESC LIMIT ? OFFSET ?`, owner, page.Limit, page.Offset)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			p, err := scanSummary(rows)
			if err != nil {
				return err
			}
			out = append(out, p)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, 0, err
	}
	return out, total, nil
}

// Playlist implements music.Store.
func (s *Store) Playlist(ctx context.Context, owner, id string) (music.Playlist, error) {
	var out music.Playlist
	err := s.readTx(ctx, func(tx sqldb.Queryer) error {
		var err error
		out, err = playlist(ctx, tx, owner, id)
		return err
	})
	return out, err
}

// playlist reads one playlist of owner, with its tracks, through q.
func playlist(ctx context.Context, q sqldb.Queryer, owner, id string) (music.Playlist, error) {
	sum, err := scanSummary(q.QueryRowContext(ctx, `SELECT `+summaryColumns+` FROM playlists p
		WHERE p.id = ? AND p.owner = ?`, id, owner))
	if errors.Is(err, sql.ErrNoRows) {
		return music.Playlist{}, music.ErrNotFound
	}
	if err != nil {
		return music.Playlist{}, err
	}
	rows, err := q.QueryContext(ctx, `
		SELECT t.id, t.title, t.artist, t.album, t.duration_ms
		FROM playlist_tracks pt JOIN tracks t ON t.id = pt.track_id
		WHERE pt.playlist_id = ? ORDER BY pt.position`, id)
	if err != nil {
		return music.Playlist{}, err
	}
	tracks, err := scanTracks(rows)
	if err != nil {
		return music.Playlist{}, err
	}
	return music.Playlist{PlaylistSummary: sum, Tracks: tracks}, nil
}

// CreatePlaylist implements music.Store. p must have been validated.
func (s *Store) CreatePlaylist(ctx context.Context, owner string, p music.NewPlaylist) (music.Playlist, error) {
	var out music.Playlist
	err := s.tx(ctx, func(tx sqldb.Queryer) error {
		var count int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM playlists WHERE owner = ?`, owner).Scan(&count); err != nil {
			return err
		}
		if count >= music.MaxPlaylists {
			return music.Invalid("you already have %d playlists, the most allowed: delete one first", count)
		}
		if err := checkTracksExist(ctx, tx, "track_ids", p.TrackIDs); err != nil {
			return err
		}
		id := newID(music.PlaylistIDPrefix)
		now := s.Now().UnixMilli()
		if _, err := tx.ExecContext(ctx, `INSERT INTO playlists (id, owner, name, description, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?)`, id, owner, p.Name, p.Description, now, now); err != nil {
			return err
		}
		if err := appendTracks(ctx, tx, id, p.TrackIDs); err != nil {
			return err
		}
		var err error
		out, err = playlist(ctx, tx, owner, id)
		return err
	})
	return out, err
}

// UpdatePlaylist implements music.Store. Removing a track that is not in the
// playlist, or adding one that is, changes nothing: a playlist holds each
// track once. Removals are applied before additions.
func (s *Store) UpdatePlaylist(ctx context.Context, owner, id string, ch music.PlaylistChange) (music.Playlist, error) {
	var out music.Playlist
	err := s.tx(ctx, func(tx sqldb.Queryer) error {
		var found int
		err := tx.QueryRowContext(ctx, `SELECT 1 FROM playlists WHERE id = ? AND owner = ?`, id, owner).Scan(&found)
		if errors.Is(err, sql.ErrNoRows) {
			return music.ErrNotFound
		}
		if err != nil {
			return err
		}
		if ch.Name != nil {
			if _, err := tx.ExecContext(ctx, `UPDATE playlists SET name = ? WHERE id = ?`, *ch.Name, id); err != nil {
				return err
			}
		}
		if ch.Description != nil {
			if _, err := tx.ExecContext(ctx, `UPDATE playlists SET description = ? WHERE id = ?`, *ch.Description, id); err != nil {
				return err
			}
		}
		for _, t := range ch.RemoveTrackIDs {
			if _, err := tx.ExecContext(ctx, `DELETE FROM playlist_tracks WHERE playlist_id = ? AND track_id = ?`, id, t); err != nil {
				return err
			}
		}
		if err := checkTracksExist(ctx, tx, "add_track_ids", ch.AddTrackIDs); err != nil {
			return err
		}
		if err := appendTracks(ctx, tx, id, ch.AddTrackIDs); err != nil {
			return err
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM playlist_tracks WHERE playlist_id = ?`, id).Scan(&n); err != nil {
			return err
		}
		if n > music.MaxPlaylistTracks {
			return music.Invalid("a playlist holds at most %d tracks", music.MaxPlaylistTracks)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE playlists SET updated_at = ? WHERE id = ?`, s.Now().UnixMilli(), id); err != nil {
			return err
		}
		out, err = playlist(ctx, tx, owner, id)
		return err
	})
	return out, err
}

// DeletePlaylist implements music.Store.
func (s *Store) DeletePlaylist(ctx context.Context, owner, id string) error {
	res, err := s.write.ExecContext(ctx, `DELETE FROM playlists WHERE id = ? AND owner = ?`, id, owner)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n == 0 {
		return music.ErrNotFound
	}
	return nil
}

// checkTracksExist returns an *music.InvalidError naming the first id that is
// not in the catalogue.
func checkTracksExist(ctx context.Context, tx sqldb.Queryer, field string, ids []string) error {
	for _, t := range ids {
		var found int
		err := tx.QueryRowContext(ctx, `SELECT 1 FROM tracks WHERE id = ?`, t).Scan(&found)
		if errors.Is(err, sql.ErrNoRows) {
			return music.Invalid("%s: there is no track %s in the catalogue", field, t)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// appendTracks adds ids at the end of the playlist, skipping those already in.
func appendTracks(ctx context.Context, tx sqldb.Queryer, playlistID string, ids []string) error {
	for _, t := range ids {
		if _, err := tx.ExecContext(ctx, `
			INSERT INTO playlist_tracks (playlist_id, track_id, position)
			SELECT ?, ?, coalesce(max(position), 0) + 1 FROM playlist_tracks WHERE playlist_id = ?
			ON CONFLICT (playlist_id, track_id) DO NOTHING`, playlistID, t, playlistID); err != nil {
			return err
		}
	}
	return nil
}

// newID returns prefix followed by 96 random bits in hex.
func newID(prefix string) string {
	b := make([]byte, 12)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return prefix + strings.ToLower(hex.EncodeToString(b))
}
