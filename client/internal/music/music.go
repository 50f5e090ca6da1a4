package music

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/oauthlab/oauthlab/client/internal/flow"
)

// Track is one song of the catalogue.
type Track struct {
	ID         string `json:"id"`
	Title      string `json:"title"`
	Artist     string `json:"artist"`
	Album      string `json:"album"`
	DurationMS int    `json:"duration_ms"`
}

// Duration formats the track length as m:ss.
func (t Track) Duration() string {
	s := t.DurationMS / 1000
	return fmt.Sprintf("%d:%02d", s/60, s%60)
}

// TopTrack is one line of the user's most played tracks.
type TopTrack struct {
	Rank      int   `json:"rank"`
	PlayCount int   `json:"play_count"`
	Track     Track `json:"track"`
}

// TopTracks is the answer of GET /v1/me/top-tracks.
type TopTracks struct {
	Period string     `json:"period"`
	Items  []TopTrack `json:"items"`
}

// Playlist is a playlist; Tracks is filled only by Playlist (one playlist).
type Playlist struct {
	ID          string    `json:"id"`
	Name        string    `json:"name"`
	Description string    `json:"description"`
	TrackCount  int       `json:"track_count"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
	Tracks      []Track   `json:"tracks,omitempty"`
}

// PlaylistPage is the answer of GET /v1/me/playlists.
type PlaylistPage struct {
	Items  []Playlist `json:"items"`
	Total  int        `json:"total"`
	Limit  int        `json:"limit"`
	Offset int        `json:"offset"`
}

// TrackPage is the answer of GET /v1/tracks (the catalogue).
type TrackPage struct {
	Items  []Track `json:"items"`
	Total  int     `json:"total"`
	Limit  int     `json:"limit"`
	Offset int     `json:"offset"`
}

// ChartEntry is one line of the service-wide charts.
type ChartEntry struct {
	Rank  int   `json:"rank"`
	Plays int   `json:"plays"`
	Track Track `json:"track"`
}

// Charts is the answer of GET /v1/charts.
type Charts struct {
	Items []ChartEntry `json:"items"`
}

// NewPlaylist is the body of POST /v1/me/playlists.
type NewPlaylist struct {
	Name        string   `json:"name"`
	Description string   `json:"description"`
	TrackIDs    []string `json:"track_ids"`
}

// PlaylistChange is the body of PATCH /v1/me/playlists/{id}; nil and empty
// fields are left out, and leave the playlist as it is.
type PlaylistChange struct {
	Name           *string  `json:"name,omitempty"`
	Description    *string  `json:"description,omitempty"`
	AddTrackIDs    []string `json:"add_track_ids,omitempty"`
	RemoveTrackIDs []string `json:"remove_track_ids,omitempty"`
}

// Error is an answer of the API that is not a success.
type Error struct {
	Status      int
	Code        string // RFC 6750 §3.1 code, or the API's own
	Description string
	Scope       string // the scope needed, from an insufficient_scope challenge
}

func (e *Error) Error() string {
	if e.Code == "" {
		return fmt.Sprintf("resource API answered %d", e.Status)
	}
	return fmt.Sprintf("resource API answered %d %s: %s", e.Status, e.Code, e.Description)
}

// ErrUnreadable is an answer of the API that is not the JSON it documents.
var ErrUnreadable = errors.New("resource API: unreadable answer")

// Client calls the resource API.
type Client struct {
	BaseURL string
	HTTP    *http.Client // adds the access token (oauth2.NewClient)
}

// TopTracks reads the user's most played tracks of the period ("week").
func (c *Client) TopTracks(ctx context.Context, period string) (TopTracks, error) {
	var out TopTracks
	err := c.do(ctx, http.MethodGet, "/v1/me/top-tracks?period="+url.QueryEscape(period), nil, &out)
	return out, err
}

// Playlists lists the user's playlists.
func (c *Client) Playlists(ctx context.Context) (PlaylistPage, error) {
	var out PlaylistPage
	err := c.do(ctx, http.MethodGet, "/v1/me/playlists", nil, &out)
	return out, err
}

// Playlist reads one playlist with its tracks.
func (c *Client) Playlist(ctx context.Context, id string) (Playlist, error) {
	var out Playlist
	err := c.do(ctx, http.MethodGet, "/v1/me/playlists/"+url.PathEscape(id), nil, &out)
	return out, err
}

// CreatePlaylist creates a playlist.
func (c *Client) CreatePlaylist(ctx context.Context, p NewPlaylist) (Playlist, error) {
	if p.TrackIDs == nil {
		p.TrackIDs = []string{}
	}
	var out Playlist
	err := c.do(ctx, http.MethodPost, "/v1/me/playlists", p, &out)
	return out, err
}

// UpdatePlaylist renames a playlist or changes its tracks.
func (c *Client) UpdatePlaylist(ctx context.Context, id string, ch PlaylistChange) (Playlist, error) {
	var out Playlist
	err := c.do(ctx, http.MethodPatch, "/v1/me/playlists/"+url.PathEscape(id), ch, &out)
	return out, err
}

// DeletePlaylist deletes a playlist.
func (c *Client) DeletePlaylist(ctx context.Context, id string) error {
	return c.do(ctx, http.MethodDelete, "/v1/me/playlists/"+url.PathEscape(id), nil, nil)
}

// Catalogue lists tracks that can be added to a playlist.
func (c *Client) Catalogue(ctx context.Context) (TrackPage, error) {
	var out TrackPage
	err := c.do(ctx, http.MethodGet, "/v1/tracks?limit=100", nil, &out)
	return out, err
}

// Charts reads the service-wide charts (charts:read, client credentials).
func (c *Client) Charts(ctx context.Context) (Charts, error) {
	var out Charts
	err := c.do(ctx, http.MethodGet, "/v1/charts", nil, &out)
	return out, err
}

// maxBody caps what is read of an answer.
const maxBody = 1 << 20

func (c *Client) do(ctx context.Context, method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.BaseURL+path, body)
	if err != nil {
		return err
	}
	req.Header.Set("Accept", "application/json")
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return err
	}
	if resp.StatusCode >= 300 {
		return apiError(resp, raw)
	}
	if out == nil || resp.StatusCode == http.StatusNoContent {
		return nil
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return fmt.Errorf("%w: %s %s: %v", ErrUnreadable, method, path, err)
	}
	return nil
}

// apiError reads the error of an answer: RFC 6750 §3 puts it in the
// WWW-Authenticate challenge of a 401 or 403; the JSON body repeats it.
func apiError(resp *http.Response, raw []byte) *Error {
	e := &Error{Status: resp.StatusCode}
	_, params := flow.ParseChallenge(resp.Header.Get("WWW-Authenticate"))
	e.Code, e.Description, e.Scope = params["error"], params["error_description"], params["scope"]
	var body struct {
		Error            string `json:"error"`
		ErrorDescription string `json:"error_description"`
	}
	if json.Unmarshal(raw, &body) == nil {
		if e.Code == "" {
			e.Code = body.Error
		}
		if e.Description == "" {
			e.Description = body.ErrorDescription
		}
	}
	return e
}
