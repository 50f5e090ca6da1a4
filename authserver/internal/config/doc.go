// Package config reads the authorization server's configuration from the
// environment (AUTHSERVER_* variables), validates it and applies the
// defaults of docs/contract.md. There are no globals: main passes os.Getenv, tests
// pass their own function.
package config
