package music

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestRequests(t *testing.T) {
	var method, path, body string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		method, path, body = r.Method, r.URL.RequestURI(), string(b)
		if r.Method == http.MethodDelete {
			w.WriteHeader(http.StatusNoContent)
			return
		}
		io.WriteString(w, `{"id":"pl_1","name":"n"}`)
	}))
	defer srv.Close()
	c := &Client{BaseURL: srv.URL, HTTP: srv.Client()}
	ctx := context.Background()
	name := "new name"
	tests := []struct {
		name             string
		call             func() error
		method, path, bd string
	}{
		{"create sends an empty track list, not null", func() error {
			_, err := c.CreatePlaylist(ctx, NewPlaylist{Name: "n"})
			return err
		}, "POST", "/v1/me/playlists", `{"name":"n","description":"","track_ids":[]}`},
		{"rename leaves out what does not change", func() error {
			_, err := c.UpdatePlaylist(ctx, "pl_1", PlaylistChange{Name: &name})
			return err
		}, "PATCH", "/v1/me/playlists/pl_1", `{"name":"new name"}`},
		{"add a track", func() error {
			_, err := c.UpdatePlaylist(ctx, "pl_1", PlaylistChange{AddTrackIDs: []string{"trk_1"}})
			return err
		}, "PATCH", "/v1/me/playlists/pl_1", `{"add_track_ids":["trk_1"]}`},
		{"ids are escaped into the path", func() error {
			_, err := c.Playlist(ctx, "a/../b")
			return err
		}, "GET", "/v1/me/playlists/a%2F..%2Fb", ``},
		{"delete", func() error { return c.DeletePlaylist(ctx, "pl_1") }, "DELETE", "/v1/me/playlists/pl_1", ``},
		{"top tracks", func() error {
			_, err := c.TopTracks(ctx, "week")
			return err
		}, "GET", "/v1/me/top-tracks?period=week", ``},
	}
	for _, tt := range tests {
		if err := tt.call(); err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if method != tt.method || path != tt.path || body != tt.bd {
			t.Errorf("%s: sent %s %s %s, want %s %s %s", tt.name, method, path, body, tt.method, tt.path, tt.bd)
		}
	}
}

func TestErrors(t *testing.T) {
	tests := []struct {
		name      string
		status    int
		challenge string
		body      string
		want      Error
	}{
		{"challenge wins", 403, `Bearer error="insufficient_scope", error_description="needs more", scope="playlists:write"`,
			`{"error":"other"}`, Error{Status: 403, Code: "insufficient_scope", Description: "needs more", Scope: "playlists:write"}},
		{"body when no challenge", 404, "", `{"error":"not_found","error_description":"no such playlist"}`,
			Error{Status: 404, Code: "not_found", Description: "no such playlist"}},
		{"neither", 500, "", `oops`, Error{Status: 500}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if tt.challenge != "" {
					w.Header().Set("WWW-Authenticate", tt.challenge)
				}
				w.WriteHeader(tt.status)
				io.WriteString(w, tt.body)
			}))
			defer srv.Close()
			_, err := (&Client{BaseURL: srv.URL, HTTP: srv.Client()}).Playlists(context.Background())
			var got *Error
			if !errors.As(err, &got) || *got != tt.want {
				t.Fatalf("err = %#v, want %#v", err, tt.want)
			}
		})
	}
}

func TestUnreadableAnswer(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `<html>`)
	}))
	defer srv.Close()
	_, err := (&Client{BaseURL: srv.URL, HTTP: srv.Client()}).Charts(context.Background())
	if !errors.Is(err, ErrUnreadable) {
		t.Fatalf("err = %v, want ErrUnreadable", err)
	}
}
