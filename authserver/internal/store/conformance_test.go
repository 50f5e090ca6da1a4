package store_test

import (
	"context"
	"testing"

	"github.com/oauthlab/oauthlab/authserver/internal/store"
	"github.com/oauthlab/oauthlab/authserver/internal/storetest"
	"github.com/oauthlab/oauthlab/shared/pgtest"
)

// databases are the two the store runs on, each as a maker of fresh ones.
var databases = pgtest.Databases("authserver.db")

// TestConformance runs the store's conformance suite on both databases.
func TestConformance(t *testing.T) {
	for name, newDSN := range databases {
		t.Run(name, func(t *testing.T) {
			storetest.Run(t, func(t *testing.T) storetest.Opener {
				dsn := newDSN(t)
				return func(t *testing.T) store.Server {
					t.Helper()
					db, err := store.Open(context.Background(), dsn)
					if err != nil {
						t.Fatal(err)
					}
					t.Cleanup(func() { db.Close() })
					return db
				}
			})
		})
	}
}
