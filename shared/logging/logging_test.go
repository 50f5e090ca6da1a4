package logging

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/oauthlab/oauthlab/shared/clientip"
)

func TestAccessLogHasRequestIDAndNoQuery(t *testing.T) {
	var buf bytes.Buffer
	e := echo.New()
	e.Use(Middleware(New(&buf, "test", "json", "info")))
	e.GET("/callback", func(c echo.Context) error {
		From(c).Info("handled")
		return c.String(http.StatusTeapot, "ok")
	})

	req := httptest.NewRequest(http.MethodGet, "/callback?code=SECRET-CODE&state=xyz", nil)
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, req)

	id := rec.Header().Get(RequestIDHeader)
	if len(id) != 32 {
		t.Fatalf("response request id = %q, want 32 hex characters", id)
	}
	if strings.Contains(buf.String(), "SECRET-CODE") {
		t.Fatalf("the query string reached the log: %s", buf.String())
	}
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("want 2 log lines (handler, access), got %d: %s", len(lines), buf.String())
	}
	for _, line := range lines {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatal(err)
		}
		if rec["request_id"] != id {
			t.Errorf("line %s lacks request_id %s", line, id)
		}
	}
	if !strings.Contains(lines[1], `"status":418`) || !strings.Contains(lines[1], `"path":"/callback"`) {
		t.Errorf("access line = %s", lines[1])
	}
}

func TestErrorStatusIsLogged(t *testing.T) {
	var buf bytes.Buffer
	e := echo.New()
	e.Use(Middleware(New(&buf, "test", "json", "info")))
	e.GET("/fail", func(c echo.Context) error { return echo.NewHTTPError(http.StatusBadRequest, "no") })

	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/fail", nil))
	if rec.Code != http.StatusBadRequest {
		t.Fatalf("status = %d", rec.Code)
	}
	if !strings.Contains(buf.String(), `"status":400`) {
		t.Errorf("access log does not show 400: %s", buf.String())
	}
}

// A caller's X-Request-Id is kept only when it is a short plain token;
// anything else (30 KB, line breaks, markup) is replaced by a fresh id, both
// in the logs and in the response.
func TestCallerRequestIDIsBounded(t *testing.T) {
	var buf bytes.Buffer
	e := echo.New()
	e.Use(Middleware(New(&buf, "test", "json", "info")))
	e.GET("/", func(c echo.Context) error { return c.String(http.StatusOK, "ok") })
	srv := httptest.NewServer(e)
	defer srv.Close()

	tests := []struct {
		name, sent string
		kept       bool
	}{
		{"proxy id", "req-42.a_b", true},
		{"64 characters", strings.Repeat("a", 64), true},
		{"65 characters", strings.Repeat("a", 65), false},
		{"30 KB", strings.Repeat("x", 30<<10), false},
		{"space", "a b", false},
		{"markup", "<script>", false},
		{"non-ASCII", "idé", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			buf.Reset()
			req, _ := http.NewRequest(http.MethodGet, srv.URL, nil)
			req.Header.Set(RequestIDHeader, tt.sent)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			got := resp.Header.Get(RequestIDHeader)
			if tt.kept && got != tt.sent {
				t.Fatalf("response id = %q, want the caller's %q", got, tt.sent)
			}
			if !tt.kept {
				if got == tt.sent || len(got) != 32 {
					t.Fatalf("response id = %.80q, want a fresh 32-character id", got)
				}
				if strings.Contains(buf.String(), tt.sent) {
					t.Fatalf("the caller's id reached the log: %.200s", buf.String())
				}
			}
		})
	}
}

// The access line names the caller as the actor believes it: with no
// trusted proxy, the connection's address, not an X-Forwarded-For anybody
// can send.
func TestAccessLogHasTheCallersAddress(t *testing.T) {
	var buf bytes.Buffer
	e := echo.New()
	e.IPExtractor = clientip.Extractor(nil)
	e.Use(Middleware(New(&buf, "test", "json", "info")))
	e.GET("/", func(c echo.Context) error { return c.NoContent(http.StatusNoContent) })

	req := httptest.NewRequest(http.MethodGet, "/", nil)
	req.RemoteAddr = "198.51.100.7:40000"
	req.Header.Set("X-Forwarded-For", "203.0.113.9")
	e.ServeHTTP(httptest.NewRecorder(), req)
	var line map[string]any
	if err := json.Unmarshal(bytes.TrimSpace(buf.Bytes()), &line); err != nil {
		t.Fatalf("%v: %s", err, buf.String())
	}
	if line["remote_ip"] != "198.51.100.7" {
		t.Errorf("remote_ip = %v, want the connection's 198.51.100.7: %s", line["remote_ip"], buf.String())
	}
}
