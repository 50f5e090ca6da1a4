// Package store keeps the music service's data: the catalogue, each user's
// plays and playlists, and the charts, in SQLite (the default: a file) or
// PostgreSQL (a postgres:// URL), through shared/sqldb. The queries are
// written once, in SQL both databases speak; only the schema has a version
// per database, in migrations/sqlite/ and migrations/postgres/ (embedded,
// applied at start, numbered alike). Demo data is seeded once per database.
//
// Every change runs in a serializable transaction (SQLite's single writer
// connection; PostgreSQL's SERIALIZABLE, run again on a serialization
// failure), so the limits a store counts, such as music.MaxPlaylists, hold
// under concurrent requests and across replicas. The behaviour both
// databases must show is the suite in ../storetest.
package store
