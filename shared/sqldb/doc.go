// Package sqldb opens an actor's database, SQLite or PostgreSQL, chosen by
// the value of one setting, and applies the actor's embedded migrations.
//
// Why both: SQLite is the embedded default, so `make run` needs no server
// and each actor keeps one file. PostgreSQL is for running several replicas
// of an actor behind a load balancer, which a file on one disk cannot serve.
//
// Why one store implementation: each store writes its SQL once, in the
// common subset both databases speak (ON CONFLICT, integer milliseconds for
// times, TEXT ids), with `?` placeholders that [DB.Rebind] turns into
// PostgreSQL's `$1, $2, ...`. Only the schema differs, so each actor keeps
// two migration folders with the same numbering:
//
//	migrations/sqlite/001_init.sql     migrations/postgres/001_init.sql
//	migrations/sqlite/002_....sql      migrations/postgres/002_....sql
//
// [Open] refuses a set whose two folders do not hold the same file names,
// so a migration written for one database cannot be forgotten for the other.
// The schema version is the number of files applied, in name order: SQLite
// keeps it in PRAGMA user_version, PostgreSQL in a schema_version table
// (one row per file applied, with its name: a database whose history names
// other files than this program's is refused rather than migrated on). So
// each actor has a PostgreSQL database of its own, as it has a SQLite file
// of its own.
//
// Why pgx through database/sql: github.com/jackc/pgx/v5 is the maintained
// PostgreSQL driver for Go; its stdlib package registers it with
// database/sql, so the stores use the same *sql.DB, *sql.Tx and *sql.Rows
// API on both databases and one conformance suite tests both.
//
// Concurrency: SQLite allows one writer at a time, so for SQLite [DB.Write]
// is a single connection whose transactions take the write lock at BEGIN
// (BEGIN IMMEDIATE): writes queue in Go instead of failing with "database is
// locked", and WAL lets the [DB.Read] pool read beside the writer. That
// makes every SQLite transaction serializable. PostgreSQL runs writers in
// parallel, so [DB.Tx] asks it for SERIALIZABLE isolation and runs the
// transaction again when PostgreSQL reports a serialization failure: a
// store's "count, then insert" or "check, then update" holds on both
// databases alike. Migrations on PostgreSQL run under an advisory lock, so
// several replicas starting at once apply each migration once.
//
// Secrets: a PostgreSQL URL may carry a password. [Redact] removes it; use
// it wherever a DSN could reach a log line or an error.
package sqldb
