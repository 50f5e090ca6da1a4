module github.com/oauthlab/oauthlab/resourceapi

go 1.26

require github.com/oauthlab/oauthlab/shared v0.0.0

// The shared module lives beside this one in the repository; the replace
// lets this module build on its own too (a Docker build stage, say).
replace github.com/oauthlab/oauthlab/shared => ../shared
