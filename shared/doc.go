// Package shared is the root of the module that holds what two or more of the
// three actors (authserver, resourceapi, client) truly share: the outside
// contract's defaults and demo data (contract), the scope vocabulary
// (scopes), configuration reading (envconfig), logging (logging), server
// start-up and shutdown (serve), the SQLite set-up every store uses
// (sqlitedb), DPoP proofs, keys and their verification (dpop), and the
// helper that starts real actor processes in tests (actortest).
package shared
