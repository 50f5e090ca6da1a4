package web

import (
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"

	"github.com/oauthlab/oauthlab/shared/actortest"
)

// Every form of the client, with a body the handler accepts.
var clientForms = []struct {
	path string
	form url.Values
}{
	{"/connect", url.Values{"scope": {"tracks:read"}}},
	{"/charts", url.Values{}},
	{"/playlists", url.Values{"name": {"Mine"}}},
	{"/playlists/pl_1", url.Values{"name": {"Renamed"}}},
	{"/playlists/pl_1/tracks", url.Values{"track_id": {"trk_1"}}},
	{"/playlists/pl_1/tracks/remove", url.Values{"track_id": {"trk_1"}}},
	{"/playlists/pl_1/delete", url.Values{}},
	{"/disconnect", url.Values{}}, // last: it ends the session
}

// withToken copies form and sets its csrf_token.
func withToken(form url.Values, token string) url.Values {
	out := url.Values{}
	for k, v := range form {
		out[k] = v
	}
	out.Set(csrfField, token)
	return out
}

// RFC 9700 §4.7: a second origin on the same host (another port of
// 127.0.0.1) plants cookies in the victim's browser, then posts the client's
// forms. A double-submit cookie would let it win; the session-bound token,
// the duplicate-cookie check and the Sec-Fetch-Site / Origin checks refuse
// every form.
// covers: RFC 6749 §10.12, RFC 9700 §4.7
func TestSameSiteCSRFRefusedOnEveryForm(t *testing.T) {
	h := newHarness(t, &fakeAS{codeStatus: 200, codeBody: goodToken}, topTracksAPI(200, "", tracksBody))
	h.connected() // the victim holds tokens

	// The attacker loads the client in its own browser: a pre-session cookie
	// and the token that goes with it.
	attackerJar, _ := cookiejar.New(nil)
	attacker := &harness{t: t, client: h.client, http: &http.Client{Jar: attackerJar}}
	attackerToken := attacker.formToken()
	attackerPre := attacker.cookie(preSessionCookie)
	if attackerPre == "" {
		t.Fatal("a page view set no pre-session cookie")
	}

	// Planted with Path=/: it replaces the victim's pre-session cookie.
	tosser := actortest.CookieTosser(t, "127.0.0.1", &http.Cookie{Name: preSessionCookie, Value: attackerPre})
	if _, err := h.http.Get(tosser); err != nil {
		t.Fatal(err)
	}
	victimToken := h.formToken()
	if victimToken == attackerToken {
		t.Fatal("the victim's pages carry the attacker's token")
	}

	for _, f := range clientForms {
		t.Run(f.path, func(t *testing.T) {
			forged := []struct {
				name   string
				token  string
				header []string
			}{
				{"the attacker's token for its planted cookie", attackerToken, nil},
				{"no token", "", nil},
				{"same-site page, with the victim's token", victimToken, []string{"Sec-Fetch-Site", "same-site"}},
				{"cross-site page, with the victim's token", victimToken, []string{"Sec-Fetch-Site", "cross-site"}},
				{"another port's Origin, with the victim's token", victimToken, []string{"Origin", tosser}},
				{"Origin null, with the victim's token", victimToken, []string{"Origin", "null"}},
			}
			for _, tt := range forged {
				r := h.do(http.MethodPost, f.path, withToken(f.form, tt.token), tt.header...)
				if r.status != http.StatusForbidden || !strings.Contains(r.body, `id="error"`) || !strings.Contains(r.body, "did not come from this app") {
					t.Errorf("%s: status %d, want 403 and the refusal page:\n%.300s", tt.name, r.status, r.body)
				}
			}
			// The victim's own page still works.
			r := h.do(http.MethodPost, f.path, withToken(f.form, h.formToken()), "Sec-Fetch-Site", "same-origin")
			if r.status == http.StatusForbidden || r.status == http.StatusBadRequest {
				t.Errorf("the victim's own form: status %d:\n%.300s", r.status, r.body)
			}
		})
	}
}

// A session cookie planted with a narrower Path is sent before the
// victim's own, so the client would act in the attacker's session (and, on
// /callback, hand it the victim's tokens). Two cookies of one name are
// refused on every request.
// covers: RFC 9700 §4.7
func TestTossedDuplicateSessionCookieRefused(t *testing.T) {
	h := newHarness(t, &fakeAS{codeStatus: 200, codeBody: goodToken}, topTracksAPI(200, "", tracksBody))
	h.connected()
	var paths []string
	for _, f := range clientForms {
		paths = append(paths, f.path)
	}
	for _, path := range append(paths, "/callback") {
		t.Run(path, func(t *testing.T) {
			tosser := actortest.CookieTosser(t, "127.0.0.1",
				&http.Cookie{Name: sessionCookie, Value: "attackers-session", Path: path},
				&http.Cookie{Name: preSessionCookie, Value: "attackers-presession", Path: path})
			if _, err := h.http.Get(tosser); err != nil {
				t.Fatal(err)
			}
			method, form := http.MethodPost, url.Values{csrfField: {""}}
			if path == "/callback" {
				method, form = http.MethodGet, nil
			}
			r := h.do(method, path, form)
			if r.status != http.StatusBadRequest || !strings.Contains(r.body, "two session cookies") {
				t.Errorf("%s %s with a planted duplicate cookie: status %d, want 400 and the explanation:\n%.300s", method, path, r.status, r.body)
			}
		})
	}
}

// Served over https, the client's cookies carry the __Host- prefix: a
// browser then takes them only from a secure origin, host-only, Path=/.
func TestHostPrefixedCookiesOverHTTPS(t *testing.T) {
	h := newHarness(t, &fakeAS{}, topTracksAPI(200, "", tracksBody), "CLIENT_URL", "https://music.example")
	r := h.do(http.MethodGet, "/", nil)
	ck := r.header.Get("Set-Cookie")
	for _, want := range []string{"__Host-" + preSessionCookie + "=", "Path=/", "Secure", "HttpOnly"} {
		if !strings.Contains(ck, want) {
			t.Errorf("Set-Cookie %q lacks %s", ck, want)
		}
	}
	if strings.Contains(ck, "Domain=") {
		t.Errorf("Set-Cookie %q has a Domain: a __Host- cookie must not", ck)
	}
}
