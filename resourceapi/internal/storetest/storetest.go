// Package storetest is the conformance suite of the resource API's store:
// the behaviour every implementation must show, on every database, checked
// against the error contracts in the doc comments of music's store
// interfaces. internal/store runs it on a SQLite file and on a PostgreSQL
// database.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/oauthlab/oauthlab/resourceapi/internal/music"
	"github.com/oauthlab/oauthlab/shared/actortest"
	"github.com/oauthlab/oauthlab/shared/contract"
)

// Store is what the suite tests: every role of music.Store, and the seed.
type Store interface {
	music.Store
	// Seed loads the reference data, and the demo users' data once per
	// database when demoUsers is set; it is safe to run from several
	// replicas at once.
	Seed(ctx context.Context, demoUsers bool) error
	// Seen is the DPoP replay cache (dpop.ReplayCache): it records key
	// until the time given and reports whether it was already recorded.
	Seen(ctx context.Context, key string, until time.Time) (bool, error)
}

// Opener opens one more connection to the same database, as another
// replica of the resource API would, and closes it when the test ends.
type Opener func(t *testing.T) Store

// Run runs the suite. newDatabase makes a fresh, empty database for one
// test and returns how to open it; the suite opens it twice where it plays
// two replicas.
func Run(t *testing.T, newDatabase func(t *testing.T) Opener) {
	tests := []struct {
		name string
		test func(t *testing.T, open Opener)
	}{
		{"SeedKeepsDeletedDemoData", testSeedKeepsDeletedDemoData},
		{"SeedFromTwoReplicasAtOnce", testSeedFromTwoReplicasAtOnce},
		{"SeedWithoutDemoUsers", testSeedWithoutDemoUsers},
		{"TopTracks", testTopTracks},
		{"Charts", testCharts},
		{"TracksPages", testTracksPages},
		{"PlaylistsAreTheOwners", testPlaylistsAreTheOwners},
		{"UpdatePlaylist", testUpdatePlaylist},
		{"PlaylistLimit", testPlaylistLimit},
		{"ConcurrentCreatesKeepTheLimit", testConcurrentCreatesKeepTheLimit},
		{"ConcurrentDeletesSucceedOnce", testConcurrentDeletesSucceedOnce},
		{"ConcurrentAppendsToOnePlaylist", testConcurrentAppendsToOnePlaylist},
		{"ConcurrentWritesNeverFail", testConcurrentWritesNeverFail},
		{"DPoPReplayOnce", testDPoPReplayOnce},
		{"DPoPReplayAcrossReplicas", testDPoPReplayAcrossReplicas},
		{"DPoPReplayOfAGoneRequest", testDPoPReplayOfAGoneRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.test(t, newDatabase(t)) })
	}
}

// concurrency is how many callers the concurrency tests run at once.
const concurrency = 32

var alice, bob = contract.Alice.Subject, contract.Bob.Subject

// The demo playlists the seed creates.
const (
	aliceTeaParty  = "pl_alice_tea_party"
	aliceRainyDays = "pl_alice_rainy_days"
	bobSiteWork    = "pl_bob_site_work"
)

// seeded opens the database and seeds it with the demo users.
func seeded(t *testing.T, open Opener) Store {
	t.Helper()
	s := open(t)
	if err := s.Seed(context.Background(), true); err != nil {
		t.Fatalf("Seed: %v", err)
	}
	return s
}

func playlistIDs(t *testing.T, s Store, owner string) []string {
	t.Helper()
	list, total, err := s.Playlists(context.Background(), owner, music.Page{Limit: music.MaxPageLimit})
	if err != nil {
		t.Fatalf("Playlists(%s): %v", owner, err)
	}
	if total != len(list) {
		t.Fatalf("Playlists(%s): total %d but %d items", owner, total, len(list))
	}
	var ids []string
	for _, p := range list {
		ids = append(ids, p.ID)
	}
	return ids
}

// A restart seeds again: the reference data stays as it is, and a demo
// playlist the user deleted stays deleted.
func testSeedKeepsDeletedDemoData(t *testing.T, open Opener) {
	ctx := context.Background()
	s := seeded(t, open)
	_, tracks, err := s.Tracks(ctx, music.Page{Limit: 1})
	if err != nil || tracks == 0 {
		t.Fatalf("catalogue: %d tracks, %v", tracks, err)
	}
	top, err := s.TopTracks(ctx, alice, music.MaxPageLimit)
	if err != nil || len(top) == 0 {
		t.Fatalf("alice's plays: %v, %v", top, err)
	}
	if err := s.DeletePlaylist(ctx, alice, aliceTeaParty); err != nil {
		t.Fatal(err)
	}

	again := seeded(t, open)
	if _, err := again.Playlist(ctx, alice, aliceTeaParty); !errors.Is(err, music.ErrNotFound) {
		t.Fatalf("deleted demo playlist after a second seed: %v, want ErrNotFound", err)
	}
	if _, n, err := again.Tracks(ctx, music.Page{Limit: 1}); err != nil || n != tracks {
		t.Fatalf("catalogue after a second seed: %d tracks, %v; want %d", n, err, tracks)
	}
	if top2, err := again.TopTracks(ctx, alice, music.MaxPageLimit); err != nil || len(top2) != len(top) || top2[0] != top[0] {
		t.Fatalf("alice's plays were seeded twice or lost: %v, %v", top2, err)
	}
}

// Two replicas starting on a new database seed at the same moment: both
// succeed, and the demo data is there once.
func testSeedFromTwoReplicasAtOnce(t *testing.T, open Opener) {
	ctx := context.Background()
	replicas := []Store{open(t), open(t)}
	errs := make([]error, len(replicas))
	actortest.AtOnce(len(replicas), func(i int) { errs[i] = replicas[i].Seed(ctx, true) })
	for i, err := range errs {
		if err != nil {
			t.Fatalf("replica %d: Seed: %v", i, err)
		}
	}
	if got, want := playlistIDs(t, replicas[0], alice), []string{aliceRainyDays, aliceTeaParty}; !slices.Equal(got, want) {
		t.Fatalf("alice's playlists: %v, want %v", got, want)
	}
	if got, want := playlistIDs(t, replicas[1], bob), []string{bobSiteWork}; !slices.Equal(got, want) {
		t.Fatalf("bob's playlists: %v, want %v", got, want)
	}
	p, err := replicas[1].Playlist(ctx, bob, bobSiteWork)
	if err != nil || p.TrackCount != len(p.Tracks) || p.TrackCount == 0 {
		t.Fatalf("bob's demo playlist: %+v, %v", p, err)
	}
}

func testSeedWithoutDemoUsers(t *testing.T, open Opener) {
	ctx := context.Background()
	s := open(t)
	if err := s.Seed(ctx, false); err != nil {
		t.Fatal(err)
	}
	if top, err := s.TopTracks(ctx, alice, 10); err != nil || top == nil || len(top) != 0 {
		t.Fatalf("demo plays without the demo seed: %#v, %v; want an empty list", top, err)
	}
	if ids := playlistIDs(t, s, alice); len(ids) != 0 {
		t.Fatalf("demo playlists without the demo seed: %v", ids)
	}
	if charts, err := s.Charts(ctx, 5); err != nil || len(charts) != 5 {
		t.Fatalf("charts without the demo seed: %v, %v", charts, err)
	}
}

func testTopTracks(t *testing.T, open Opener) {
	ctx := context.Background()
	s := seeded(t, open)
	top, err := s.TopTracks(ctx, alice, 3)
	if err != nil || len(top) != 3 {
		t.Fatalf("TopTracks(alice, 3): %v, %v", top, err)
	}
	for i, tt := range top {
		if tt.Rank != i+1 || tt.Track.ID == "" || tt.Track.Title == "" {
			t.Fatalf("line %d: %+v", i, tt)
		}
		if i > 0 && tt.PlayCount > top[i-1].PlayCount {
			t.Fatalf("not most played first: %+v", top)
		}
	}
	if none, err := s.TopTracks(ctx, "nobody", 3); err != nil || none == nil || len(none) != 0 {
		t.Fatalf("TopTracks of an owner without plays: %#v, %v; want an empty list", none, err)
	}
}

func testCharts(t *testing.T, open Opener) {
	s := seeded(t, open)
	charts, err := s.Charts(context.Background(), 10)
	if err != nil || len(charts) != 10 {
		t.Fatalf("Charts(10): %v, %v", charts, err)
	}
	for i, e := range charts {
		if e.Rank != i+1 || e.Plays <= 0 || e.Track.ID == "" {
			t.Fatalf("entry %d: %+v", i, e)
		}
		if i > 0 && e.Plays > charts[i-1].Plays {
			t.Fatalf("not most played first: %+v", charts)
		}
	}
}

func testTracksPages(t *testing.T, open Opener) {
	ctx := context.Background()
	s := seeded(t, open)
	all, total, err := s.Tracks(ctx, music.Page{Limit: music.MaxPageLimit})
	if err != nil || total != len(all) || total < 10 {
		t.Fatalf("all tracks: %d of %d, %v", len(all), total, err)
	}
	for i := 1; i < len(all); i++ {
		a, b := all[i-1], all[i]
		if a.Artist > b.Artist || a.Artist == b.Artist && a.Title > b.Title {
			t.Fatalf("not by artist, then title: %+v before %+v", a, b)
		}
	}
	page, n, err := s.Tracks(ctx, music.Page{Limit: 5, Offset: 5})
	if err != nil || n != total || !slices.Equal(page, all[5:10]) {
		t.Fatalf("page 2 of 5: %v (total %d), %v; want %v", page, n, err, all[5:10])
	}
	past, n, err := s.Tracks(ctx, music.Page{Limit: 5, Offset: total})
	if err != nil || n != total || past == nil || len(past) != 0 {
		t.Fatalf("page past the end: %#v (total %d), %v; want an empty page", past, n, err)
	}
}

func testPlaylistsAreTheOwners(t *testing.T, open Opener) {
	ctx := context.Background()
	s := seeded(t, open)
	p, err := s.CreatePlaylist(ctx, bob, music.NewPlaylist{Name: "Bob's", TrackIDs: []string{"trk_001"}})
	if err != nil {
		t.Fatal(err)
	}
	stolen := "stolen"
	if _, err := s.Playlist(ctx, alice, p.ID); !errors.Is(err, music.ErrNotFound) {
		t.Errorf("alice reads bob's playlist: %v, want ErrNotFound", err)
	}
	if _, err := s.UpdatePlaylist(ctx, alice, p.ID, music.PlaylistChange{Name: &stolen}); !errors.Is(err, music.ErrNotFound) {
		t.Errorf("alice renames bob's playlist: %v, want ErrNotFound", err)
	}
	if err := s.DeletePlaylist(ctx, alice, p.ID); !errors.Is(err, music.ErrNotFound) {
		t.Errorf("alice deletes bob's playlist: %v, want ErrNotFound", err)
	}
	if _, err := s.Playlist(ctx, bob, "pl_doesnotexist"); !errors.Is(err, music.ErrNotFound) {
		t.Errorf("a playlist that does not exist: %v, want ErrNotFound", err)
	}
	got, err := s.Playlist(ctx, bob, p.ID)
	if err != nil || got.Name != "Bob's" || got.TrackCount != 1 {
		t.Fatalf("bob's playlist after alice's tries: %+v, %v", got, err)
	}
	if ids := playlistIDs(t, s, bob); len(ids) != 2 || ids[0] != p.ID {
		t.Fatalf("bob's playlists, newest first: %v", ids)
	}
}

func testUpdatePlaylist(t *testing.T, open Opener) {
	ctx := context.Background()
	s := seeded(t, open)
	p, err := s.CreatePlaylist(ctx, alice, music.NewPlaylist{Name: "a", TrackIDs: []string{"trk_001", "trk_002"}})
	if err != nil {
		t.Fatal(err)
	}
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
	if p.UpdatedAt.Before(p.CreatedAt) {
		t.Fatalf("updated %s before created %s", p.UpdatedAt, p.CreatedAt)
	}
	// An unknown track rolls the whole change back.
	newName := "renamed"
	_, err = s.UpdatePlaylist(ctx, alice, p.ID, music.PlaylistChange{Name: &newName, AddTrackIDs: []string{"trk_999"}})
	var inv *music.InvalidError
	if !errors.As(err, &inv) {
		t.Fatalf("unknown track: %v, want an *InvalidError", err)
	}
	if got, _ := s.Playlist(ctx, alice, p.ID); got.Name != "a" {
		t.Fatalf("a failed update was partly applied: name %q", got.Name)
	}
	// So does an unknown track on create.
	if _, err := s.CreatePlaylist(ctx, alice, music.NewPlaylist{Name: "b", TrackIDs: []string{"trk_001", "trk_999"}}); !errors.As(err, &inv) {
		t.Fatalf("create with an unknown track: %v, want an *InvalidError", err)
	}
	if ids := playlistIDs(t, s, alice); len(ids) != 3 {
		t.Fatalf("a failed create left a playlist: %v", ids)
	}
	if _, err := s.UpdatePlaylist(ctx, alice, "pl_doesnotexist", music.PlaylistChange{Name: &newName}); !errors.Is(err, music.ErrNotFound) {
		t.Fatalf("update of a playlist that does not exist: %v, want ErrNotFound", err)
	}
}

// fillPlaylists gives owner n playlists.
func fillPlaylists(t *testing.T, s Store, owner string, n int) {
	t.Helper()
	for i := range n {
		if _, err := s.CreatePlaylist(context.Background(), owner, music.NewPlaylist{Name: fmt.Sprint(i)}); err != nil {
			t.Fatal(err)
		}
	}
}

func testPlaylistLimit(t *testing.T, open Opener) {
	ctx := context.Background()
	s := seeded(t, open)
	fillPlaylists(t, s, "user-x", music.MaxPlaylists)
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

// race runs call concurrency times at once, half on each replica, and
// returns the errors by caller.
func race(replicas []Store, call func(i int, s Store) error) []error {
	errs := make([]error, concurrency)
	actortest.AtOnce(concurrency, func(i int) { errs[i] = call(i, replicas[i%len(replicas)]) })
	return errs
}

// The playlist limit is counted: concurrent creates, on two replicas, must
// not pass it.
func testConcurrentCreatesKeepTheLimit(t *testing.T, open Opener) {
	ctx := context.Background()
	replicas := []Store{seeded(t, open), open(t)}
	const room = 5
	fillPlaylists(t, replicas[0], "user-x", music.MaxPlaylists-room)
	errs := race(replicas, func(i int, s Store) error {
		_, err := s.CreatePlaylist(ctx, "user-x", music.NewPlaylist{Name: fmt.Sprint("racer ", i)})
		return err
	})
	created := 0
	for i, err := range errs {
		var inv *music.InvalidError
		switch {
		case err == nil:
			created++
		case !errors.As(err, &inv):
			t.Errorf("caller %d: %v, want nil or an *InvalidError", i, err)
		}
	}
	_, total, err := replicas[1].Playlists(ctx, "user-x", music.Page{Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	if created != room || total != music.MaxPlaylists {
		t.Fatalf("%d concurrent creates with room for %d: %d created, %d playlists in all (limit %d)",
			concurrency, room, created, total, music.MaxPlaylists)
	}
}

// A playlist is deleted once: of concurrent deletes exactly one succeeds,
// the others get ErrNotFound.
func testConcurrentDeletesSucceedOnce(t *testing.T, open Opener) {
	ctx := context.Background()
	replicas := []Store{seeded(t, open), open(t)}
	p, err := replicas[0].CreatePlaylist(ctx, alice, music.NewPlaylist{Name: "short-lived", TrackIDs: []string{"trk_001"}})
	if err != nil {
		t.Fatal(err)
	}
	errs := race(replicas, func(_ int, s Store) error { return s.DeletePlaylist(ctx, alice, p.ID) })
	deleted := 0
	for i, err := range errs {
		switch {
		case err == nil:
			deleted++
		case !errors.Is(err, music.ErrNotFound):
			t.Errorf("caller %d: %v, want nil or ErrNotFound", i, err)
		}
	}
	if deleted != 1 {
		t.Fatalf("%d concurrent deletes: %d succeeded, want exactly 1", concurrency, deleted)
	}
}

// Concurrent edits of one playlist all land: each added track is there
// once, and none is lost.
func testConcurrentAppendsToOnePlaylist(t *testing.T, open Opener) {
	ctx := context.Background()
	replicas := []Store{seeded(t, open), open(t)}
	catalogue, _, err := replicas[0].Tracks(ctx, music.Page{Limit: music.MaxPageLimit})
	if err != nil {
		t.Fatal(err)
	}
	p, err := replicas[0].CreatePlaylist(ctx, alice, music.NewPlaylist{Name: "everyone adds one"})
	if err != nil {
		t.Fatal(err)
	}
	errs := race(replicas, func(i int, s Store) error {
		_, err := s.UpdatePlaylist(ctx, alice, p.ID, music.PlaylistChange{AddTrackIDs: []string{catalogue[i%len(catalogue)].ID}})
		return err
	})
	for i, err := range errs {
		if err != nil {
			t.Errorf("caller %d: %v", i, err)
		}
	}
	got, err := replicas[1].Playlist(ctx, alice, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := min(concurrency, len(catalogue))
	if got.TrackCount != want || len(got.Tracks) != want {
		t.Fatalf("after %d concurrent additions: %d tracks (%d listed), want %d", concurrency, got.TrackCount, len(got.Tracks), want)
	}
}

// Many writers at once, on two replicas, all succeed: neither SQLite's
// single writer nor PostgreSQL's serialization failures reach a caller.
func testConcurrentWritesNeverFail(t *testing.T, open Opener) {
	ctx := context.Background()
	replicas := []Store{seeded(t, open), open(t)}
	errs := race(replicas, func(i int, s Store) error {
		p, err := s.CreatePlaylist(ctx, alice, music.NewPlaylist{Name: fmt.Sprint("p", i), TrackIDs: []string{"trk_001"}})
		if err != nil {
			return err
		}
		name := fmt.Sprint("renamed ", i)
		if _, err := s.UpdatePlaylist(ctx, alice, p.ID, music.PlaylistChange{Name: &name, AddTrackIDs: []string{"trk_002"}}); err != nil {
			return err
		}
		if _, _, err := s.Playlists(ctx, alice, music.Page{Limit: 10}); err != nil {
			return err
		}
		return s.DeletePlaylist(ctx, alice, p.ID)
	})
	for i, err := range errs {
		if err != nil {
			t.Errorf("caller %d: %v", i, err)
		}
	}
}

// testDPoPReplayOnce: 32 callers present one proof at once; exactly one
// is told it is new (RFC 9449 §11.1), and a key whose time has passed is
// new again.
func testDPoPReplayOnce(t *testing.T, open Opener) {
	ctx := context.Background()
	s := open(t)
	until := time.Now().Add(time.Minute)
	var wg sync.WaitGroup
	fresh := make([]bool, concurrency)
	errs := make([]error, concurrency)
	for i := range concurrency {
		wg.Go(func() {
			seen, err := s.Seen(ctx, "one-jti", until)
			fresh[i], errs[i] = !seen, err
		})
	}
	wg.Wait()
	n := 0
	for i := range concurrency {
		if errs[i] != nil {
			t.Fatalf("caller %d: %v", i, errs[i])
		}
		if fresh[i] {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("%d of %d callers were told the proof is new, want exactly 1", n, concurrency)
	}
	if seen, err := s.Seen(ctx, "old-jti", time.Now().Add(-time.Minute)); err != nil || seen {
		t.Fatalf("first sight of a key: seen=%v %v", seen, err)
	}
	if seen, err := s.Seen(ctx, "old-jti", until); err != nil || seen {
		t.Fatalf("a key whose time has passed: seen=%v %v, want new again", seen, err)
	}
	if seen, err := s.Seen(ctx, "old-jti", until); err != nil || !seen {
		t.Fatalf("the same key again: seen=%v %v, want seen", seen, err)
	}
}

// testDPoPReplayAcrossReplicas: a proof one replica accepted is a replay
// at another.
func testDPoPReplayAcrossReplicas(t *testing.T, open Opener) {
	ctx := context.Background()
	a, b := open(t), open(t)
	until := time.Now().Add(time.Minute)
	if seen, err := a.Seen(ctx, "jti-x", until); err != nil || seen {
		t.Fatalf("replica a: seen=%v %v", seen, err)
	}
	if seen, err := b.Seen(ctx, "jti-x", until); err != nil || !seen {
		t.Fatalf("replica b: seen=%v %v, want seen (a accepted it)", seen, err)
	}
}

// testDPoPReplayOfAGoneRequest: a call whose context is already cancelled
// (the client went away) fails and records nothing, so the proof is still
// new when it comes again.
func testDPoPReplayOfAGoneRequest(t *testing.T, open Opener) {
	s := open(t)
	until := time.Now().Add(time.Minute)
	gone, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.Seen(gone, "jti-of-a-gone-request", until); err == nil {
		t.Fatal("Seen with a cancelled context: no error")
	}
	if seen, err := s.Seen(context.Background(), "jti-of-a-gone-request", until); err != nil || seen {
		t.Fatalf("the same proof later: seen=%v %v, want new", seen, err)
	}
}
