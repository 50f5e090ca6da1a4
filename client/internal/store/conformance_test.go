package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/oauthlab/oauthlab/client/internal/store"
	"github.com/oauthlab/oauthlab/client/internal/storetest"
	"github.com/oauthlab/oauthlab/shared/pgtest"
)

// databases are the two the store runs on, each as a maker of fresh ones.
var databases = pgtest.Databases("client.db")

// TestConformance runs the store's conformance suite on both databases.
func TestConformance(t *testing.T) {
	for name, newDSN := range databases {
		t.Run(name, func(t *testing.T) {
			storetest.Run(t, func(t *testing.T) storetest.Opener {
				dsn := newDSN(t)
				return func(t *testing.T) store.All {
					t.Helper()
					s, err := store.Open(context.Background(), dsn, time.Now)
					if err != nil {
						t.Fatal(err)
					}
					t.Cleanup(func() { s.Close() })
					return s
				}
			})
		})
	}
}
