package web

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/oauthlab/oauthlab/resourceapi/internal/music"
	"github.com/oauthlab/oauthlab/resourceapi/internal/oauth"
)

// downValidator cannot reach the authorization server.
type downValidator struct{}

func (downValidator) Validate(context.Context, string) (*oauth.Principal, error) {
	return nil, errors.New("dial tcp: connection refused")
}

// okValidator accepts every token for one user.
type okValidator struct{}

func (okValidator) Validate(context.Context, string) (*oauth.Principal, error) {
	return &oauth.Principal{Subject: "u", ClientID: "c", Scopes: []string{"tracks:read"}}, nil
}

// writerValidator accepts every token as alice's, with every user scope.
type writerValidator struct{}

func (writerValidator) Validate(context.Context, string) (*oauth.Principal, error) {
	return &oauth.Principal{Subject: "demo-user-alice", ClientID: "c", Scopes: []string{"playlists:read", "playlists:write"}}, nil
}

// brokenStore fails with an error whose text must never reach a client.
type brokenStore struct{ music.Store }

func (brokenStore) TopTracks(context.Context, string, int) ([]music.TopTrack, error) {
	return nil, errors.New("disk I/O error at /secret/path")
}

// panickyStore panics, as a bug would.
type panickyStore struct{ music.Store }

func (panickyStore) TopTracks(context.Context, string, int) ([]music.TopTrack, error) {
	panic("index out of range")
}

func TestFailuresAreJSONWithoutDetail(t *testing.T) {
	tests := []struct {
		name       string
		validator  oauth.Validator
		store      music.Store
		status     int
		body       string
		retryAfter string
	}{
		{"authorization server unreachable", downValidator{}, brokenStore{}, 503,
			`{"error":"temporarily_unavailable","error_description":"the access token cannot be checked right now; try again shortly"}`, "5"},
		{"storage error", okValidator{}, brokenStore{}, 500, `{"error":"server_error","error_description":"internal error"}`, ""},
		{"panic", okValidator{}, panickyStore{}, 500, `{"error":"server_error","error_description":"internal error"}`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var logs strings.Builder
			h := NewHandler(Config{
				Resource: testResource, Issuer: testIssuer, Store: tt.store, Validator: tt.validator,
				Logger: slog.New(slog.NewTextHandler(&logs, nil)),
			})
			rec := httptest.NewRecorder()
			req := httptest.NewRequest("GET", "/v1/me/top-tracks", nil)
			req.Header.Set("Authorization", "Bearer some.secret.token")
			h.ServeHTTP(rec, req)
			body, _ := io.ReadAll(rec.Body)
			if rec.Code != tt.status || strings.TrimSpace(string(body)) != tt.body {
				t.Fatalf("got %d %s\nwant %d %s", rec.Code, body, tt.status, tt.body)
			}
			if got := rec.Header().Get("Retry-After"); got != tt.retryAfter {
				t.Errorf("Retry-After %q, want %q", got, tt.retryAfter)
			}
			if rec.Header().Get("WWW-Authenticate") != "" {
				t.Error("a server failure blames the token with a challenge")
			}
			if strings.Contains(logs.String(), "some.secret.token") {
				t.Errorf("the token reached the log:\n%s", logs.String())
			}
			if !strings.Contains(logs.String(), "level=ERROR") {
				t.Errorf("the failure was not logged:\n%s", logs.String())
			}
		})
	}
}

// TestHealthzFailsWithoutDatabase: /healthz says 503 when the database does
// not answer.
func TestHealthzFailsWithoutDatabase(t *testing.T) {
	h := NewHandler(Config{
		Resource: testResource, Issuer: testIssuer, Validator: okValidator{},
		Health: func(context.Context) error { return errors.New("closed") },
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/healthz", nil))
	if rec.Code != http.StatusServiceUnavailable {
		t.Fatalf("status %d", rec.Code)
	}
}
