module github.com/oauthlab/oauthlab/client

go 1.26.0

require (
	github.com/golang-jwt/jwt/v5 v5.3.1
	github.com/mattn/go-sqlite3 v1.14.53
	github.com/oauthlab/oauthlab/shared v0.0.0
	golang.org/x/oauth2 v0.38.0
)

// The shared module lives beside this one in the repository; the replace
// lets this module build on its own too (a Docker build stage, say).
replace github.com/oauthlab/oauthlab/shared => ../shared
