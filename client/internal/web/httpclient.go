package web

import (
	"context"
	"net/http"

	"golang.org/x/oauth2"
)

// httpClientFrom returns the *http.Client that recording put in ctx for
// x/oauth2, so hand-made requests are recorded too.
func httpClientFrom(ctx context.Context) *http.Client {
	if hc, ok := ctx.Value(oauth2.HTTPClient).(*http.Client); ok {
		return hc
	}
	return http.DefaultClient
}
