// Package web is the resource API's HTTP layer (echo): routes.go lists every
// route with the scope it needs, one file per endpoint, auth.go checks the
// bearer token, and errors.go turns every error into the one JSON shape:
//
//	{"error": "<code>", "error_description": "<text>"}
//
// with an RFC 6750 §3 WWW-Authenticate challenge on token problems.
package web
