package music

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Track is one song of the catalogue.
type Track struct {
	ID         string `json:"id"`
	Title      string `json:"title"`
	Artist     string `json:"artist"`
	Album      string `json:"album"`
	DurationMS int    `json:"duration_ms"`
}

// TopTrack is one line of a user's most played tracks.
type TopTrack struct {
	Rank      int   `json:"rank"`
	PlayCount int   `json:"play_count"`
	Track     Track `json:"track"`
}

// ChartEntry is one line of the service-wide charts.
type ChartEntry struct {
	Rank  int   `json:"rank"`
	Plays int   `json:"plays"`
	Track Track `json:"track"`
}

// PlaylistSummary is a playlist without its tracks, as lists show it.
type PlaylistSummary struct {
	ID          string    `json:"id"`
	Name        string    `json:"name"`
	Description string    `json:"description"`
	TrackCount  int       `json:"track_count"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// Playlist is a playlist with its tracks, in order.
type Playlist struct {
	PlaylistSummary
	Tracks []Track `json:"tracks"`
}

// NewPlaylist is what a user sends to create a playlist.
type NewPlaylist struct {
	Name        string
	Description string
	TrackIDs    []string
}

// PlaylistChange is an edit: nil fields stay as they are.
type PlaylistChange struct {
	Name           *string
	Description    *string
	AddTrackIDs    []string
	RemoveTrackIDs []string
}

// Page selects a slice of a list.
type Page struct {
	Limit, Offset int
}

// The persistence the web handlers need, as one small interface per role,
// so a handler asks only for what it uses. Every method that reads or
// changes a user's data takes the owner, so one user can never reach
// another's playlists: a playlist of someone else is simply not found.
// Each method's doc comment states its error contract; the conformance
// suite in storetest checks exactly those sentences on every database.

// ListeningStore reads what each user listened to.
type ListeningStore interface {
	// TopTracks returns at most limit of the owner's tracks, most played
	// first; an owner without plays gets an empty list, never an error.
	TopTracks(ctx context.Context, owner string, limit int) ([]TopTrack, error)
}

// ChartStore reads the service-wide charts.
type ChartStore interface {
	// Charts returns at most limit entries, most played first, ranked from
	// 1; its only errors are the database's.
	Charts(ctx context.Context, limit int) ([]ChartEntry, error)
}

// CatalogueStore reads the catalogue.
type CatalogueStore interface {
	// Tracks returns one page of the catalogue by artist, then title, and
	// the catalogue's size; a page past the end is empty, not an error.
	Tracks(ctx context.Context, page Page) ([]Track, int, error)
}

// PlaylistReader reads a user's playlists.
type PlaylistReader interface {
	// Playlists returns one page of the owner's playlists, newest first,
	// and how many the owner has; an owner without any gets an empty page
	// and 0, never an error.
	Playlists(ctx context.Context, owner string, page Page) ([]PlaylistSummary, int, error)
	// Playlist returns ErrNotFound when the owner has no playlist id.
	Playlist(ctx context.Context, owner, id string) (Playlist, error)
}

// PlaylistWriter changes a user's playlists. Each call is all or nothing.
type PlaylistWriter interface {
	// CreatePlaylist returns an *InvalidError, and creates nothing, when
	// the owner already has MaxPlaylists playlists (even with concurrent
	// calls) or a track id is not in the catalogue.
	CreatePlaylist(ctx context.Context, owner string, p NewPlaylist) (Playlist, error)
	// UpdatePlaylist returns ErrNotFound when the owner has no playlist
	// id, and an *InvalidError, changing nothing, when an added track is
	// not in the catalogue or the playlist would pass MaxPlaylistTracks.
	UpdatePlaylist(ctx context.Context, owner, id string, ch PlaylistChange) (Playlist, error)
	// DeletePlaylist returns ErrNotFound when the owner has no playlist id,
	// so of several concurrent deletes of one playlist exactly one succeeds.
	DeletePlaylist(ctx context.Context, owner, id string) error
}

// Store is every role at once: what one implementation provides.
type Store interface {
	ListeningStore
	ChartStore
	CatalogueStore
	PlaylistReader
	PlaylistWriter
}

// ErrNotFound is a playlist that does not exist or belongs to someone else:
// the two are not told apart, so ids cannot be probed.
var ErrNotFound = errors.New("not found")

// InvalidError is input that breaks a rule; its message is for the user.
type InvalidError struct{ Msg string }

func (e *InvalidError) Error() string { return e.Msg }

// Invalid returns an *InvalidError.
func Invalid(format string, args ...any) error {
	return &InvalidError{Msg: fmt.Sprintf(format, args...)}
}

// Limits on user input.
const (
	MaxNameLen         = 100
	MaxDescriptionLen  = 500
	MaxTracksPerChange = 100  // track ids in one request
	MaxPlaylistTracks  = 1000 // tracks in one playlist
	MaxPlaylists       = 200  // playlists per user
	DefaultPageLimit   = 20
	MaxPageLimit       = 100
)

// Prefixes of ids, so that a track id is never mistaken for a playlist id.
const (
	TrackIDPrefix    = "trk_"
	PlaylistIDPrefix = "pl_"
)

// CleanName trims a playlist name and checks it: 1 to 100 characters, no
// control characters.
func CleanName(name string) (string, error) {
	name = strings.TrimSpace(name)
	n := utf8.RuneCountInString(name)
	switch {
	case n == 0:
		return "", Invalid("name: must not be empty")
	case n > MaxNameLen:
		return "", Invalid("name: must be at most %d characters, not %d", MaxNameLen, n)
	case !utf8.ValidString(name) || strings.ContainsFunc(name, unicode.IsControl):
		return "", Invalid("name: must not contain control characters")
	}
	return name, nil
}

// CleanDescription trims a description and checks it: at most 500
// characters; line breaks and tabs are the only control characters allowed.
func CleanDescription(d string) (string, error) {
	d = strings.TrimSpace(d)
	if n := utf8.RuneCountInString(d); n > MaxDescriptionLen {
		return "", Invalid("description: must be at most %d characters, not %d", MaxDescriptionLen, n)
	}
	bad := func(r rune) bool { return unicode.IsControl(r) && r != '\n' && r != '\t' && r != '\r' }
	if !utf8.ValidString(d) || strings.ContainsFunc(d, bad) {
		return "", Invalid("description: must not contain control characters")
	}
	return d, nil
}

// ValidTrackID reports whether id looks like a track id: trk_ then 1 to 64
// letters, digits or underscores.
func ValidTrackID(id string) bool { return validID(id, TrackIDPrefix) }

// ValidPlaylistID reports whether id looks like a playlist id.
func ValidPlaylistID(id string) bool { return validID(id, PlaylistIDPrefix) }

func validID(id, prefix string) bool {
	rest, ok := strings.CutPrefix(id, prefix)
	if !ok || len(rest) == 0 || len(rest) > 64 {
		return false
	}
	for i := 0; i < len(rest); i++ {
		c := rest[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

// CleanTrackIDs checks a list of track ids from a request (field names the
// list in messages) and drops repeats, keeping the first-seen order.
func CleanTrackIDs(field string, ids []string) ([]string, error) {
	if len(ids) > MaxTracksPerChange {
		return nil, Invalid("%s: at most %d track ids per request, not %d", field, MaxTracksPerChange, len(ids))
	}
	out := make([]string, 0, len(ids))
	seen := make(map[string]bool, len(ids))
	for _, id := range ids {
		if !ValidTrackID(id) {
			return nil, Invalid("%s: %q is not a track id (track ids look like trk_...)", field, clip(id))
		}
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out, nil
}

// Validate checks and cleans a new playlist.
func (p NewPlaylist) Validate() (NewPlaylist, error) {
	var err error
	if p.Name, err = CleanName(p.Name); err != nil {
		return p, err
	}
	if p.Description, err = CleanDescription(p.Description); err != nil {
		return p, err
	}
	if p.TrackIDs, err = CleanTrackIDs("track_ids", p.TrackIDs); err != nil {
		return p, err
	}
	return p, nil
}

// Validate checks and cleans an edit. An edit that changes nothing is an
// error, as it is most likely a misspelt request.
func (ch PlaylistChange) Validate() (PlaylistChange, error) {
	if ch.Name == nil && ch.Description == nil && ch.AddTrackIDs == nil && ch.RemoveTrackIDs == nil {
		return ch, Invalid("nothing to change: send at least one of name, description, add_track_ids, remove_track_ids")
	}
	if ch.Name != nil {
		name, err := CleanName(*ch.Name)
		if err != nil {
			return ch, err
		}
		ch.Name = &name
	}
	if ch.Description != nil {
		d, err := CleanDescription(*ch.Description)
		if err != nil {
			return ch, err
		}
		ch.Description = &d
	}
	var err error
	if ch.AddTrackIDs, err = CleanTrackIDs("add_track_ids", ch.AddTrackIDs); err != nil {
		return ch, err
	}
	if ch.RemoveTrackIDs, err = CleanTrackIDs("remove_track_ids", ch.RemoveTrackIDs); err != nil {
		return ch, err
	}
	return ch, nil
}

// clip shortens user input quoted back in a message.
func clip(s string) string {
	if len(s) <= 40 {
		return s
	}
	return s[:40] + "..."
}
