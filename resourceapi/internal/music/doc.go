// Package music is the domain of the resource API: a small music service
// with a track catalogue, each user's most played tracks of the week, their
// playlists, and service-wide charts.
//
// It holds the types, the input rules (names, lengths, ids) and the errors
// the web package turns into responses. It knows nothing of HTTP, SQL or
// OAuth: the owner of the data is just a string, the `sub` of a token.
package music
