package web

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/oauthlab/oauthlab/resourceapi/internal/store"
)

// FuzzPlaylistBodies sends arbitrary bodies to the create and edit
// endpoints: every answer is a success or a 4xx with the JSON error shape,
// never a 500.
func FuzzPlaylistBodies(f *testing.F) {
	for _, s := range []string{
		`{"name":"a"}`, `{"name":"a","track_ids":["trk_001","trk_001"]}`, `{"add_track_ids":["trk_002"],"remove_track_ids":["trk_011"]}`,
		`{"name":null}`, `{"description":"` + strings.Repeat("x", 600) + `"}`, `[]`, `null`, `{"name":"\u0000"}`, `{"track_ids":[1]}`, `{`,
	} {
		f.Add(s)
	}
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(f.TempDir(), "fuzz.db"))
	if err != nil {
		f.Fatal(err)
	}
	defer st.Close()
	if err := st.Seed(ctx, true); err != nil {
		f.Fatal(err)
	}
	h := NewHandler(Config{
		Resource: testResource, Issuer: testIssuer, Store: st, Validator: writerValidator{},
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	f.Fuzz(func(t *testing.T, body string) {
		for _, target := range []struct{ method, path string }{
			{"POST", "/v1/me/playlists"}, {"PATCH", "/v1/me/playlists/pl_alice_tea_party"},
		} {
			req := httptest.NewRequest(target.method, target.path, strings.NewReader(body))
			req.Header.Set("Authorization", "Bearer x")
			req.Header.Set("Content-Type", "application/json")
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code >= 500 {
				t.Fatalf("%s %s with %q: %d %s", target.method, target.path, body, rec.Code, rec.Body)
			}
			if rec.Code >= 400 && !strings.HasPrefix(rec.Body.String(), `{"error":"`) {
				t.Fatalf("%s %s with %q: %d without the JSON error shape: %s", target.method, target.path, body, rec.Code, rec.Body)
			}
		}
	})
}
