package actortest

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

func TestCookieTosserPlantsACookieForEveryPortOfTheHost(t *testing.T) {
	victim := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := r.Cookie("as_csrf")
		if err != nil {
			http.Error(w, "no cookie", http.StatusBadRequest)
			return
		}
		_, _ = w.Write([]byte(c.Value))
	}))
	defer victim.Close()
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar}

	tosser := CookieTosser(t, "127.0.0.1", &http.Cookie{Name: "as_csrf", Value: "planted", HttpOnly: true})
	if resp, err := client.Get(tosser); err != nil {
		t.Fatal(err)
	} else {
		resp.Body.Close()
	}
	resp, err := client.Get(victim.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	buf := new(strings.Builder)
	_, _ = io.Copy(buf, resp.Body)
	if resp.StatusCode != 200 || buf.String() != "planted" {
		t.Fatalf("victim saw %d %q, want the planted cookie", resp.StatusCode, buf.String())
	}
	u, _ := url.Parse(tosser)
	if u.Port() == strings.TrimPrefix(victim.URL, "http://127.0.0.1:") {
		t.Fatal("the tosser must be another origin (another port)")
	}
}

func TestClientFromLeavesFromTheGivenAddress(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(r.RemoteAddr))
	}))
	defer srv.Close()
	resp, err := ClientFrom("127.0.0.7", nil).Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	buf := new(strings.Builder)
	_, _ = io.Copy(buf, resp.Body)
	if !strings.HasPrefix(buf.String(), "127.0.0.7:") {
		t.Fatalf("remote address %q, want 127.0.0.7", buf.String())
	}
}
