package main

import (
	"database/sql"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/oauthlab/oauthlab/shared/actortest"
	"github.com/oauthlab/oauthlab/shared/contract"
	"github.com/oauthlab/oauthlab/shared/pgtest"
)

// Two replicas of the real resource API on one PostgreSQL database, as
// behind a load balancer (one resource identifier, two addresses): both
// start on the same schema and seed, and what one writes the other reads.
func TestReplicasOnPostgreSQL(t *testing.T) {
	s := startSystem(t) // the authorization server, and a first API on SQLite
	dsn := pgtest.DSN(t)
	replicas := []string{actortest.FreeAddr(t), actortest.FreeAddr(t)}
	for _, addr := range replicas {
		s.startAPI(t, addr, s.apiURL, dsn, "jwt")
	}
	tok := s.userToken(t, contract.Alice, "playlists:read", "playlists:write")

	req, err := http.NewRequest(http.MethodPost, "http://"+replicas[0]+"/v1/me/playlists",
		strings.NewReader(`{"name":"On PostgreSQL","track_ids":["trk_001"]}`))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var created struct{ ID string }
	if err := json.NewDecoder(resp.Body).Decode(&created); err != nil || resp.StatusCode != http.StatusCreated {
		t.Fatalf("create on replica 1: %d, %v", resp.StatusCode, err)
	}

	status, _, body := get(t, "http://"+replicas[1]+"/v1/me/playlists/"+created.ID, tok.AccessToken)
	if status != http.StatusOK || body["name"] != "On PostgreSQL" {
		t.Fatalf("read on replica 2: %d %v", status, body)
	}
	// The demo seed ran once for both: alice has her two demo playlists
	// and the new one, not four.
	status, _, body = get(t, "http://"+replicas[1]+"/v1/me/playlists", tok.AccessToken)
	if status != http.StatusOK || body["total"] != float64(3) {
		t.Fatalf("alice's playlists on replica 2: %d %v", status, body)
	}
	// And the rows are in PostgreSQL, not in a file named like the URL.
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRow(`SELECT count(*) FROM playlists WHERE owner = $1`, contract.Alice.Subject).Scan(&n); err != nil || n != 3 {
		t.Fatalf("alice's playlists in PostgreSQL: %d, %v", n, err)
	}
}
