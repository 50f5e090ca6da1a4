// Package config reads the demo client's configuration from the environment.
//
// Every URL can be changed: the authorization URL is the one the browser
// follows, while the token, revocation and API URLs are called by the client
// itself and may be internal names (docker-compose). The defaults are the
// project's contract (docs/contract.md), so a fresh `make run` needs no settings.
package config
