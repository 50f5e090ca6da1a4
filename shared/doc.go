// Package shared is the root of the module that holds what two or more of the
// three actors (authserver, resourceapi, client) truly share: the outside
// contract's defaults and demo data (contract), the scope vocabulary
// (scopes), configuration reading (envconfig), logging (logging), server
// start-up and shutdown (serve), the database layer that opens SQLite or
// PostgreSQL with an actor's migrations (sqldb; sqlitedb is its SQLite
// part, which the stores not yet moved to sqldb still use), DPoP proofs,
// keys and their verification (dpop), and for tests the helper that starts
// real actor processes (actortest) and a fresh PostgreSQL database per test
// (pgtest).
package shared
