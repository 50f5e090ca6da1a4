package flow

import (
	"encoding/base64"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

func TestShortenAndMask(t *testing.T) {
	tests := []struct{ in, short, mask string }{
		{"", "", ""},
		{"abc", "abc…", "•••"},
		{"0123456789abcdef", "0123…", "••••••••••••"},
		{"0123456789abcdefXYZW", "0123456789…XYZW", "••••••••••••"},
	}
	for _, tt := range tests {
		if got := Shorten(tt.in); got != tt.short {
			t.Errorf("Shorten(%q) = %q, want %q", tt.in, got, tt.short)
		}
		if got := Mask(tt.in); got != tt.mask {
			t.Errorf("Mask(%q) = %q, want %q", tt.in, got, tt.mask)
		}
	}
}

func TestMaskAuthorization(t *testing.T) {
	basic := "Basic " + base64.StdEncoding.EncodeToString([]byte("demo-client:demo-secret"))
	tests := []struct{ in, want string }{
		{basic, "Basic base64(demo-client:•••••••••••)"},
		{"Basic !!!", "Basic •••"},
		{"Bearer eyJhbGciOiJFUzI1NiJ9.payload.signature", "Bearer eyJhbGciOi…ture"},
		{"DPoP something", "DPoP •••••••••"},
	}
	for _, tt := range tests {
		if got := maskAuthorization(tt.in); got != tt.want {
			t.Errorf("maskAuthorization(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestMaskForm(t *testing.T) {
	raw := "grant_type=authorization_code&code=0123456789abcdefghij&client_secret=s3cret&code_verifier=v&redirect_uri=http%3A%2F%2Fx%2Fcb"
	body, form := maskForm("application/x-www-form-urlencoded", []byte(raw))
	want := "grant_type=authorization_code&code=0123456789…ghij&client_secret=••••••&code_verifier=•&redirect_uri=http%3A%2F%2Fx%2Fcb"
	if body != want {
		t.Errorf("body = %q\nwant   %q", body, want)
	}
	if form.Get("client_secret") != "••••••" || form.Get("redirect_uri") != "http://x/cb" {
		t.Errorf("form = %v", form)
	}
}

func TestMaskJSON(t *testing.T) {
	got := maskJSON([]byte(`{"access_token":"aaaaaaaaaaaaaaaaaaaaaaaa","refresh_token":"rrrrrrrrrrrrrrrrrrrrrrrr","expires_in":600}`))
	for _, leak := range []string{"aaaaaaaaaaaaaaaaaaaaaaaa", "rrrrrrrrrrrrrrrrrrrrrrrr"} {
		if strings.Contains(got, leak) {
			t.Errorf("maskJSON shows a whole token:\n%s", got)
		}
	}
	if !strings.Contains(got, `"expires_in": 600`) {
		t.Errorf("maskJSON lost a field:\n%s", got)
	}
	if got := maskJSON([]byte("not json")); got != "not json" {
		t.Errorf("maskJSON(text) = %q", got)
	}
}

// The recorder must hand the caller the whole, unmasked body, and keep only
// a masked copy.
func TestRecorder(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Set-Cookie", "x=1")
		io.WriteString(w, `{"access_token":"the-whole-access-token-value","token_type":"Bearer"}`)
	}))
	defer srv.Close()

	rec := NewRecorder(nil)
	form := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {"the-whole-refresh-token"}}
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth("demo-client", "demo-secret")
	resp, err := rec.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(body), "the-whole-access-token-value") {
		t.Fatalf("caller got %q, want the unmasked body", body)
	}

	xs := rec.Exchanges()
	if len(xs) != 1 {
		t.Fatalf("recorded %d exchanges, want 1", len(xs))
	}
	x := xs[0]
	text := x.RequestText() + x.ResponseText()
	for _, leak := range []string{"demo-secret", "the-whole-refresh-token", "the-whole-access-token-value", "Set-Cookie"} {
		if strings.Contains(text, leak) {
			t.Errorf("recorded exchange shows %q:\n%s", leak, text)
		}
	}
	if x.Status != 200 || x.Form.Get("grant_type") != "refresh_token" || !strings.HasPrefix(text, "POST /token HTTP/1.1") {
		t.Errorf("exchange = %+v", x)
	}

	// A server that cannot be reached is recorded with the reason.
	srv.Close()
	if _, err := rec.Client().Get(srv.URL + "/gone"); err == nil {
		t.Fatal("request to a closed server succeeded")
	}
	xs = rec.Exchanges()
	if last := xs[len(xs)-1]; last.Status != 0 || last.Err == "" || !strings.Contains(last.ResponseText(), "no response") {
		t.Errorf("failed exchange = %+v", last)
	}
}

func TestParseChallenge(t *testing.T) {
	tests := []struct {
		in     string
		scheme string
		params map[string]string
	}{
		{`Bearer realm="music", error="insufficient_scope", scope="playlists:write"`, "Bearer",
			map[string]string{"realm": "music", "error": "insufficient_scope", "scope": "playlists:write"}},
		{`Bearer error="invalid_token", error_description="the token expired"`, "Bearer",
			map[string]string{"error": "invalid_token", "error_description": "the token expired"}},
		{`Bearer realm="a \"quoted\" realm",error=invalid_request`, "Bearer",
			map[string]string{"realm": `a "quoted" realm`, "error": "invalid_request"}},
		{`Bearer`, "Bearer", map[string]string{}},
		{``, "", map[string]string{}},
		{`Bearer error="unterminated`, "Bearer", map[string]string{"error": "unterminated"}},
	}
	for _, tt := range tests {
		scheme, params := ParseChallenge(tt.in)
		if scheme != tt.scheme || len(params) != len(tt.params) {
			t.Errorf("ParseChallenge(%q) = %q %v, want %q %v", tt.in, scheme, params, tt.scheme, tt.params)
			continue
		}
		for k, v := range tt.params {
			if params[k] != v {
				t.Errorf("ParseChallenge(%q)[%s] = %q, want %q", tt.in, k, params[k], v)
			}
		}
	}
	if code, _ := ChallengeError(`Basic realm="x", error="invalid_token"`); code != "" {
		t.Errorf("ChallengeError read a non-Bearer challenge: %q", code)
	}
}
