package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestHostileInput sends malformed and hostile requests to every endpoint:
// none may get a 5xx, and every answer is an RFC error (JSON) or an error
// page, never a stack trace.
func TestHostileInput(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	values := []string{
		"' OR '1'='1' --", "\"; DROP TABLE clients; --", "\x00\x01\x02", "%00", "%%%", "../../etc/passwd",
		"<script>alert(1)</script>", strings.Repeat("é", 3000), "a b\tc\nd", "{\"json\":true}",
	}
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	type req struct{ method, path, contentType, body string }
	var reqs []req
	for _, v := range values {
		q := url.Values{"client_id": {v}, "redirect_uri": {v}, "response_type": {v}, "scope": {v}, "state": {v},
			"code_challenge": {v}, "code_challenge_method": {v}, "prompt": {v}}.Encode()
		demoQ := url.Values{"client_id": {"demo-client"}, "response_type": {v}, "scope": {v}, "state": {v}, "code_challenge": {v}, "code_challenge_method": {"S256"}, "prompt": {v}}.Encode()
		form := url.Values{"grant_type": {v}, "code": {v}, "refresh_token": {v}, "redirect_uri": {v}, "code_verifier": {v},
			"scope": {v}, "token": {v}, "token_type_hint": {v}, "client_id": {v}, "client_secret": {v}}.Encode()
		reqs = append(reqs,
			req{"GET", "/authorize?" + q, "", ""},
			req{"GET", "/authorize?" + demoQ, "", ""},
			req{"GET", "/login?return_to=" + url.QueryEscape(v), "", ""},
			req{"POST", "/token", "application/x-www-form-urlencoded", form},
			req{"POST", "/token", "application/x-www-form-urlencoded", "grant_type=authorization_code&code=" + url.QueryEscape(v)},
			req{"POST", "/revoke", "application/x-www-form-urlencoded", form},
			req{"POST", "/introspect", "application/x-www-form-urlencoded", form},
			req{"POST", "/register", "application/json", v},
			req{"POST", "/register", "application/json", `{"redirect_uris":["` + strings.ReplaceAll(v, `"`, `\"`) + `"],"client_name":"x","scope":"` + strings.ReplaceAll(v, `"`, `\"`) + `"}`},
			req{"POST", "/token", "multipart/form-data; boundary=" + v, "x"},
			req{"POST", "/login", "application/x-www-form-urlencoded", form},
			req{"POST", "/consent", "application/x-www-form-urlencoded", form},
		)
	}
	reqs = append(reqs,
		req{"POST", "/token", "application/x-www-form-urlencoded", "%zz=1"},
		req{"POST", "/token", "application/x-www-form-urlencoded; charset=utf-8", strings.Repeat("a=1&", 20000)},
		req{"POST", "/register", "application/json", strings.Repeat("[", 100000)},
		req{"GET", "/authorize?%zz", "", ""},
		req{"GET", "/no/such/page", "", ""},
	)
	for _, r := range reqs {
		hr, err := http.NewRequest(r.method, env.URL+r.path, strings.NewReader(r.body))
		if err != nil {
			continue // not even a valid HTTP request line; nothing to send
		}
		if r.contentType != "" {
			hr.Header.Set("Content-Type", r.contentType)
		}
		resp, err := noFollow.Do(hr)
		if err != nil {
			if strings.Contains(err.Error(), "invalid header field") {
				continue // the Go client refuses to send it; so would any server
			}
			t.Fatalf("%s %.60s: %v", r.method, r.path, err)
		}
		body := readBody(t, resp)
		if resp.StatusCode >= 500 {
			t.Errorf("%s %.60s (%.40q): status %d: %.200s", r.method, r.path, r.body, resp.StatusCode, body)
		}
		if strings.Contains(body, "goroutine ") || strings.Contains(body, "panic") {
			t.Errorf("%s %.60s: stack trace in the response", r.method, r.path)
		}
		ct := resp.Header.Get("Content-Type")
		if resp.StatusCode >= 400 && !strings.HasPrefix(ct, "application/json") && !strings.Contains(body, `id="error"`) && !strings.Contains(body, `id="login"`) {
			t.Errorf("%s %.60s: %d error with neither JSON nor an error page (%s)", r.method, r.path, resp.StatusCode, ct)
		}
	}
}
