// Package music is the client's view of the resource API: the shapes of its
// JSON and one method per endpoint. It knows nothing of OAuth: the
// *http.Client it is given (from oauth2.NewClient) adds the access token to
// every request and refreshes it when it expires.
package music
