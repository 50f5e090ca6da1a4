// Package config reads the resource API's settings from the environment
// (RESOURCEAPI_*, LOG_FORMAT, LOG_LEVEL), with the defaults of docs/contract.md.
// Load takes the getenv function main received, so tests pass their own
// environment and nothing global is read.
package config
