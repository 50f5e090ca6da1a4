package e2e

import (
	"testing"

	"github.com/oauthlab/oauthlab/shared/contract"
)

// BenchmarkAuthorizationCodeFlow measures what a person waits for, across
// the three real processes on loopback: one whole Authorization Code flow
// through the client (home page, connect, sign-in, consent, callback, code
// exchange) and then one page of the user's data (an API call with the new
// token). The password check (bcrypt, deliberately slow) is part of it.
//
//	go test ./e2e -run '^$' -bench AuthorizationCodeFlow -benchtime 20x
func BenchmarkAuthorizationCodeFlow(b *testing.B) {
	sys := startSystem(b, nil)
	for b.Loop() {
		a := connectAs(b, sys, contract.Alice)
		if p := a.get(sys.Client + "/tracks"); p.Doc.Find(".track").Length() == 0 {
			b.Fatalf("no tracks after the flow (status %d)", p.Status)
		}
	}
}

// BenchmarkAPIPage measures one page of the client that calls the resource
// API with a token it already holds: session lookup, API call with token
// validation, page rendering, and the inspector's record of the call.
func BenchmarkAPIPage(b *testing.B) {
	sys := startSystem(b, nil)
	a := connectAs(b, sys, contract.Alice)
	for b.Loop() {
		if p := a.get(sys.Client + "/tracks"); p.Status != 200 {
			b.Fatalf("/tracks answered %d", p.Status)
		}
	}
}
