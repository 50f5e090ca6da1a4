// Package store keeps the music service's data in SQLite: the catalogue,
// each user's plays and playlists, and the charts. The schema lives in
// migrations/ (embedded, applied at start); demo data is seeded once.
//
// SQLite allows one writer at a time, so the store opens two pools on the
// same file: a single-connection pool for writes, whose transactions take the
// write lock at BEGIN (no "database is locked" halfway through), and a pool
// of readers, which WAL mode lets run beside the writer.
package store
