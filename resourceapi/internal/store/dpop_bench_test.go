package store

import (
	"context"
	"strconv"
	"testing"
	"time"
)

// BenchmarkSeen is the replay cache's cost per DPoP request, on SQLite and
// on PostgreSQL (skipped without a test server): one INSERT of a new key
// (the common case) per call.
//
// Run: go test ./resourceapi/internal/store -run '^$' -bench Seen
func BenchmarkSeen(b *testing.B) {
	ctx := context.Background()
	for _, name := range []string{"sqlite", "postgres"} {
		b.Run(name, func(b *testing.B) {
			s, err := Open(ctx, databases[name](b))
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			until := time.Now().Add(time.Minute)
			keys := make([]string, b.N)
			for i := range keys {
				keys[i] = "bench-key-" + strconv.Itoa(i) + "-0123456789abcdefghijklmnopq"
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if seen, err := s.Seen(ctx, keys[i], until); err != nil || seen {
					b.Fatal(seen, err)
				}
			}
		})
	}
}
