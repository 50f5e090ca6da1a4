package web

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/oauthlab/oauthlab/shared/contract"
)

const allUserScopes = "tracks:read playlists:read playlists:write"

func TestTopTracksBelongToTheTokenOwner(t *testing.T) {
	api := newTestAPI(t)
	first := func(sub string) string {
		r := api.do("GET", "/v1/me/top-tracks?period=week&limit=3", api.signer.Token(sub, "tracks:read"), "")
		if r.status != 200 || r.body["period"] != "week" {
			t.Fatalf("%s: %d %s", sub, r.status, r.raw)
		}
		items := r.body["items"].([]any)
		if len(items) != 3 {
			t.Fatalf("%s: %d items, want 3", sub, len(items))
		}
		top := items[0].(map[string]any)
		if top["rank"] != 1.0 || top["play_count"].(float64) <= items[1].(map[string]any)["play_count"].(float64) {
			t.Errorf("%s: not ranked by play count: %s", sub, r.raw)
		}
		track := top["track"].(map[string]any)
		for _, f := range []string{"id", "title", "artist", "album", "duration_ms"} {
			if track[f] == nil {
				t.Errorf("track lacks %s: %v", f, track)
			}
		}
		return track["id"].(string)
	}
	if a, b := first(contract.Alice.Subject), first(contract.Bob.Subject); a == b {
		t.Errorf("alice and bob have the same top track %s: the demo data should tell them apart", a)
	}
	// A subject this API has never seen simply has nothing yet.
	r := api.do("GET", "/v1/me/top-tracks", api.signer.Token("someone-new", "tracks:read"), "")
	if r.status != 200 || r.raw != `{"period":"week","items":[]}`+"\n" {
		t.Errorf("unknown subject: %d %s", r.status, r.raw)
	}
}

func TestPlaylistLifecycle(t *testing.T) {
	api := newTestAPI(t)
	tok := api.signer.Token(contract.Alice.Subject, allUserScopes)

	r := api.do("POST", "/v1/me/playlists", tok, `{"name":"  Road trip  ","description":"for the car","track_ids":["trk_016","trk_017","trk_016"]}`)
	if r.status != http.StatusCreated {
		t.Fatalf("create: %d %s", r.status, r.raw)
	}
	id := r.body["id"].(string)
	if loc := r.header.Get("Location"); loc != "/v1/me/playlists/"+id {
		t.Errorf("Location %q", loc)
	}
	if r.body["name"] != "Road trip" || r.body["track_count"] != 2.0 || len(r.body["tracks"].([]any)) != 2 {
		t.Errorf("created playlist: %s", r.raw)
	}
	if cc := r.header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control %q on personal data", cc)
	}

	r = api.do("PATCH", "/v1/me/playlists/"+id, tok, `{"name":"Night drive","add_track_ids":["trk_018"],"remove_track_ids":["trk_016"]}`)
	if r.status != 200 || r.body["name"] != "Night drive" || r.body["description"] != "for the car" {
		t.Fatalf("patch: %d %s", r.status, r.raw)
	}
	var ids []string
	for _, tr := range r.body["tracks"].([]any) {
		ids = append(ids, tr.(map[string]any)["id"].(string))
	}
	if got := strings.Join(ids, ","); got != "trk_017,trk_018" {
		t.Errorf("tracks after patch: %s, want trk_017,trk_018", got)
	}

	r = api.do("GET", "/v1/me/playlists?limit=1", tok, "")
	if r.status != 200 || r.body["total"] != 3.0 || r.body["limit"] != 1.0 || r.body["offset"] != 0.0 {
		t.Fatalf("list: %d %s", r.status, r.raw)
	}
	if items := r.body["items"].([]any); len(items) != 1 || items[0].(map[string]any)["id"] != id {
		t.Errorf("newest playlist is not first: %s", r.raw)
	}
	r = api.do("GET", "/v1/me/playlists?limit=10&offset=1", tok, "")
	if items := r.body["items"].([]any); len(items) != 2 {
		t.Errorf("second page: %s", r.raw)
	}

	if r = api.do("DELETE", "/v1/me/playlists/"+id, tok, ""); r.status != http.StatusNoContent || r.raw != "" {
		t.Fatalf("delete: %d %s", r.status, r.raw)
	}
	if r = api.do("GET", "/v1/me/playlists/"+id, tok, ""); r.status != http.StatusNotFound || r.body["error"] != "not_found" {
		t.Errorf("after delete: %d %s", r.status, r.raw)
	}
	if r = api.do("DELETE", "/v1/me/playlists/"+id, tok, ""); r.status != http.StatusNotFound {
		t.Errorf("second delete: %d %s", r.status, r.raw)
	}
}

// TestOtherUsersPlaylists: bob cannot see, change or delete alice's
// playlist; every attempt is a 404, the same as for an id that does not
// exist, and alice's playlist is unchanged afterwards.
func TestOtherUsersPlaylists(t *testing.T) {
	api := newTestAPI(t)
	bob := api.signer.Token(contract.Bob.Subject, allUserScopes)
	alice := api.signer.Token(contract.Alice.Subject, allUserScopes)
	const id = "pl_alice_tea_party"
	for _, req := range []struct{ method, body string }{
		{"GET", ""}, {"PATCH", `{"name":"mine now"}`}, {"DELETE", ""},
	} {
		r := api.do(req.method, "/v1/me/playlists/"+id, bob, req.body)
		if r.status != http.StatusNotFound || r.body["error"] != "not_found" {
			t.Errorf("bob %s alice's playlist: %d %s", req.method, r.status, r.raw)
		}
	}
	r := api.do("GET", "/v1/me/playlists/"+id, alice, "")
	if r.status != 200 || r.body["name"] != "Tea Party" {
		t.Errorf("alice's playlist after bob's attempts: %d %s", r.status, r.raw)
	}
	r = api.do("GET", "/v1/me/playlists", bob, "")
	if strings.Contains(r.raw, "pl_alice") {
		t.Errorf("bob's list shows alice's playlists: %s", r.raw)
	}
}

// TestBadRequests: one table of malformed requests with the exact JSON each
// gets.
func TestBadRequests(t *testing.T) {
	api := newTestAPI(t)
	tok := api.signer.Token(contract.Alice.Subject, allUserScopes+" charts:read")
	long := strings.Repeat("é", 101)
	tests := []struct {
		method, path, body, contentType string
		status                          int
		want                            string // the exact error_description
	}{
		{"GET", "/v1/me/top-tracks?period=month", "", "", 400, `period: only "week" is supported`},
		{"GET", "/v1/me/top-tracks?limit=0", "", "", 400, "limit: must be a whole number from 1 to 50"},
		{"GET", "/v1/me/playlists?limit=abc", "", "", 400, "limit: must be a whole number from 1 to 100"},
		{"GET", "/v1/me/playlists?limit=101", "", "", 400, "limit: must be a whole number from 1 to 100"},
		{"GET", "/v1/me/playlists?offset=-1", "", "", 400, "offset: must be a whole number from 0 to 1000000"},
		{"GET", "/v1/tracks?limit=1.5", "", "", 400, "limit: must be a whole number from 1 to 100"},
		{"GET", "/v1/charts?limit=-3", "", "", 400, "limit: must be a whole number from 1 to 100"},
		{"GET", "/v1/me/playlists/nope", "", "", 400, `"nope" is not a playlist id (playlist ids look like pl_...)`},
		{"GET", "/v1/me/playlists/pl_doesnotexist", "", "", 404, "no such playlist"},
		{"POST", "/v1/me/playlists", `{"name":""}`, "", 400, "name: must not be empty"},
		{"POST", "/v1/me/playlists", `{"name":"   "}`, "", 400, "name: must not be empty"},
		{"POST", "/v1/me/playlists", `{}`, "", 400, "name: must not be empty"},
		{"POST", "/v1/me/playlists", `{"name":"` + long + `"}`, "", 400, "name: must be at most 100 characters, not 101"},
		{"POST", "/v1/me/playlists", `{"name":"a\u0007b"}`, "", 400, "name: must not contain control characters"},
		{"POST", "/v1/me/playlists", `{"name":"ok","description":"` + strings.Repeat("x", 501) + `"}`, "", 400, "description: must be at most 500 characters, not 501"},
		{"POST", "/v1/me/playlists", `{"name":"ok","colour":"red"}`, "", 400, `unknown field "colour"`},
		{"POST", "/v1/me/playlists", `{"name":42}`, "", 400, "name: must be a string, not number"},
		{"POST", "/v1/me/playlists", `{"name":"ok","track_ids":"trk_001"}`, "", 400, "track_ids: must be an array of strings, not string"},
		{"POST", "/v1/me/playlists", `{"name":"ok","track_ids":["trk_999"]}`, "", 400, "track_ids: there is no track trk_999 in the catalogue"},
		{"POST", "/v1/me/playlists", `{"name":"ok","track_ids":["pl_001"]}`, "", 400, `track_ids: "pl_001" is not a track id (track ids look like trk_...)`},
		{"POST", "/v1/me/playlists", `{"name":"ok"`, "", 400, "the body is not valid JSON"},
		{"POST", "/v1/me/playlists", `not json`, "", 400, "the body is not valid JSON"},
		{"POST", "/v1/me/playlists", `[1,2]`, "", 400, "the body must be a JSON object"},
		{"POST", "/v1/me/playlists", `{"name":"a"} {"name":"b"}`, "", 400, "the body must hold a single JSON object"},
		{"POST", "/v1/me/playlists", `{"name":"ok"}`, "text/plain", 400, "the body must be JSON, sent with Content-Type: application/json"},
		{"POST", "/v1/me/playlists", `{"name":"` + strings.Repeat("x", 70_000) + `"}`, "", 400, "the body is larger than 65536 bytes"},
		{"PATCH", "/v1/me/playlists/pl_alice_tea_party", `{}`, "", 400, "nothing to change: send at least one of name, description, add_track_ids, remove_track_ids"},
		{"PATCH", "/v1/me/playlists/pl_alice_tea_party", `{"add_track_ids":["trk_404"]}`, "", 400, "add_track_ids: there is no track trk_404 in the catalogue"},
		{"PATCH", "/v1/me/playlists/pl_alice_tea_party", `{"name":null,"remove_track_ids":["x"]}`, "", 400, `remove_track_ids: "x" is not a track id (track ids look like trk_...)`},
		{"PATCH", "/v1/me/playlists/pl_doesnotexist", `{"name":"x"}`, "", 404, "no such playlist"},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s %.60s %.40s", tt.method, tt.path, tt.body), func(t *testing.T) {
			var headers []string
			if tt.contentType != "" {
				headers = append(headers, "Content-Type: "+tt.contentType)
			}
			r := api.do(tt.method, tt.path, tok, tt.body, headers...)
			if r.status != tt.status {
				t.Fatalf("status %d, want %d: %s", r.status, tt.status, r.raw)
			}
			code := "invalid_request"
			if tt.status == 404 {
				code = "not_found"
			}
			if r.body["error"] != code || r.body["error_description"] != tt.want {
				t.Errorf("body %s\nwant error %q, error_description %q", r.raw, code, tt.want)
			}
			if r.header.Get("WWW-Authenticate") != "" {
				t.Errorf("a challenge on a request problem that is not about the token: %q", r.header.Get("WWW-Authenticate"))
			}
		})
	}
	// The failed edits changed nothing.
	r := api.do("GET", "/v1/me/playlists/pl_alice_tea_party", tok, "")
	if r.body["name"] != "Tea Party" || r.body["track_count"] != 4.0 {
		t.Errorf("alice's playlist changed: %s", r.raw)
	}
}

func TestUnknownRoutesAndMethods(t *testing.T) {
	api := newTestAPI(t)
	if r := api.do("GET", "/v1/nothing-here", "", ""); r.status != 404 || r.body["error"] != "not_found" {
		t.Errorf("unknown path: %d %s", r.status, r.raw)
	}
	if r := api.do("PUT", "/v1/me/playlists", "", ""); r.status != 405 || r.body["error"] != "method_not_allowed" {
		t.Errorf("PUT: %d %s", r.status, r.raw)
	}
}

func TestMetadataAndHealth(t *testing.T) {
	api := newTestAPI(t)
	r := api.do("GET", "/.well-known/oauth-protected-resource", "", "")
	want := `{"resource":"http://api.test","authorization_servers":["http://issuer.test"],` +
		`"scopes_supported":["tracks:read","playlists:read","playlists:write","charts:read"],` +
		`"bearer_methods_supported":["header"],"resource_name":"Music API (demo resource server)",` +
		`"dpop_signing_alg_values_supported":["EdDSA","ES256","ES384","PS256","RS256"]}` + "\n"
	if r.status != 200 || r.raw != want {
		t.Errorf("metadata: %d\n got %s\nwant %s", r.status, r.raw, want)
	}
	if r := api.do("GET", "/healthz", "", ""); r.status != 200 {
		t.Errorf("healthz: %d", r.status)
	}
}

func TestChartsForMachineClients(t *testing.T) {
	api := newTestAPI(t)
	claims := api.signer.Claims(contract.MachineClient.ID, "charts:read")
	claims["client_id"] = contract.MachineClient.ID
	r := api.do("GET", "/v1/charts?limit=5", api.signer.Sign("ES256", claims, nil), "")
	if r.status != 200 {
		t.Fatalf("%d %s", r.status, r.raw)
	}
	items := r.body["items"].([]any)
	if len(items) != 5 {
		t.Fatalf("%d items", len(items))
	}
	for i, it := range items {
		e := it.(map[string]any)
		if e["rank"] != float64(i+1) || e["plays"] == nil || e["track"] == nil {
			t.Errorf("entry %d: %v", i, e)
		}
		if i > 0 && e["plays"].(float64) > items[i-1].(map[string]any)["plays"].(float64) {
			t.Errorf("charts not sorted by plays")
		}
	}
	// The machine token reaches no user's data.
	if r := api.do("GET", "/v1/me/playlists", api.signer.Sign("ES256", claims, nil), ""); r.status != 403 {
		t.Errorf("machine token on /v1/me/playlists: %d", r.status)
	}
}
