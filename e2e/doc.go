// Package e2e holds the project's system tests: they check the three actors
// together, as a learner runs them, rather than one actor at a time.
//
//   - compose_test.go loads docker-compose.yml with the Compose
//     specification's own Go loader and checks services, ports, volumes,
//     health checks, build contexts, start-up order and the split between
//     browser-facing and back-channel URLs; it also checks the Dockerfiles.
//   - wiring_test.go starts the three real binaries with exactly the
//     environment docker-compose.yml gives each service (service names and
//     ports pointed at loopback) and runs the flows over plain HTTP, proving
//     the compose wiring is consistent without a Docker engine.
//   - browser_test.go drives Debian's chromium, headless, through the whole
//     Authorization Code flow against the three real servers.
//
// The module is test-only and kept apart so that the actors' go.mod files do
// not carry chromedp or compose-go.
package e2e
