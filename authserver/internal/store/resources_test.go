package store

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/oauthlab/oauthlab/authserver/internal/oauth"
	"github.com/oauthlab/oauthlab/shared/scopes"
)

// TestResourcesSeedIsIdempotent: seeding the registry twice keeps one row
// per resource and scope, keeps an operator's edit, lists the music API
// first, and refuses a scope name another resource defines.
func TestResourcesSeedIsIdempotent(t *testing.T) {
	ctx := context.Background()
	db, _ := openTest(t)
	seed := oauth.DefaultResources("http://localhost:9090", "http://localhost:9091")
	for range 2 {
		for _, r := range seed {
			if err := db.AddResource(ctx, r, time.Now()); err != nil {
				t.Fatal(err)
			}
		}
	}
	got, err := db.Resources(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].ID != "http://localhost:9090" || len(got[0].Scopes) != len(scopes.All) || len(got[1].Scopes) != 1 {
		t.Fatalf("resources = %+v", got)
	}
	if sc := got[1].Scopes[0]; sc.Name != scopes.PodcastsRead || !sc.UserData || sc.Description == "" {
		t.Fatalf("podcasts scope = %+v", sc)
	}
	err = db.AddResource(ctx, oauth.Resource{ID: "https://other.example", Name: "Other",
		Scopes: []scopes.Scope{{Name: scopes.TracksRead, Description: "mine now"}}}, time.Now())
	var taken *ScopeTakenError
	if !errors.As(err, &taken) || taken.Resource != "http://localhost:9090" {
		t.Fatalf("a scope of another resource: %v, want ScopeTakenError", err)
	}
	if again, _ := db.Resources(ctx); len(again) != 2 {
		t.Fatalf("a refused resource was stored: %+v", again)
	}
}
