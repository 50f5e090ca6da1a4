package web

import (
	"net/http"
	"testing"
)

// BenchmarkTracksPage is one page that uses the API: session lookup, token
// from SQLite, the recorded API call, the steps written back, the render.
func BenchmarkTracksPage(b *testing.B) {
	h := newHarness(b, &fakeAS{codeStatus: 200, codeBody: goodToken}, topTracksAPI(200, "", tracksBody))
	h.connected()
	b.ResetTimer()
	for b.Loop() {
		if r := h.do(http.MethodGet, "/tracks", nil); r.status != 200 {
			b.Fatalf("status %d", r.status)
		}
	}
}

// BenchmarkInspector renders a full timeline (MaxStepsSession steps would
// be the worst case; a flow with some browsing has about 40).
func BenchmarkInspector(b *testing.B) {
	h := newHarness(b, &fakeAS{codeStatus: 200, codeBody: goodToken}, topTracksAPI(200, "", tracksBody))
	h.connected()
	for range 35 {
		h.do(http.MethodGet, "/tracks", nil)
	}
	b.ResetTimer()
	for b.Loop() {
		if r := h.do(http.MethodGet, "/inspector", nil); r.status != 200 {
			b.Fatalf("status %d", r.status)
		}
	}
}
