package web

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/oauthlab/oauthlab/resourceapi/internal/oauth"
	"github.com/oauthlab/oauthlab/resourceapi/internal/oauthtest"
	"github.com/oauthlab/oauthlab/resourceapi/internal/store"
	"github.com/oauthlab/oauthlab/shared/dpop"
)

const (
	testIssuer   = "http://issuer.test"
	testResource = "http://api.test"
	metadataURL  = testResource + "/.well-known/oauth-protected-resource"
)

// testAPI is the real router over a real SQLite file, checking tokens of a
// test signer through its JWK Set.
type testAPI struct {
	t      testing.TB
	srv    *httptest.Server
	signer *oauthtest.Signer
	store  *store.Store
}

func newTestAPI(t testing.TB) *testAPI {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	signer := oauthtest.New(t, testIssuer, testResource)
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "api.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.Seed(ctx, true); err != nil {
		t.Fatal(err)
	}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	keys, err := oauth.NewJWKS(ctx, oauth.JWKSConfig{
		URL:                signer.JWKSURL(),
		RefreshInterval:    time.Hour,
		UnknownKIDInterval: time.Millisecond,
		Logger:             logger,
	})
	if err != nil {
		t.Fatal(err)
	}
	h := NewHandler(Config{
		Resource:  testResource,
		Issuer:    testIssuer,
		Store:     st,
		Validator: oauth.NewJWTValidator(oauth.JWTConfig{Issuer: testIssuer, Audience: testResource, Keys: keys, CacheSize: 1000}),
		Health:    st.Ping,
		Logger:    logger,
		DPoP:      mustVerifier(t, dpop.VerifierConfig{Replay: st}),
	})
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return &testAPI{t: t, srv: srv, signer: signer, store: st}
}

// response is an answer, with its JSON body decoded.
type response struct {
	status int
	header http.Header
	raw    string
	body   map[string]any
}

// do sends a request; token "" sends no Authorization header. Extra headers
// come as "Name: value" strings.
func (a *testAPI) do(method, path, token, body string, headers ...string) response {
	a.t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, a.srv.URL+path, r)
	if err != nil {
		a.t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for _, h := range headers {
		name, value, _ := strings.Cut(h, ": ")
		if name == "Content-Type" {
			req.Header.Set(name, value)
		} else {
			req.Header.Add(name, value)
		}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		a.t.Fatal(err)
	}
	out := response{status: resp.StatusCode, header: resp.Header, raw: string(raw)}
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &out.body); err != nil {
			a.t.Fatalf("%s %s: body is not a JSON object: %v\n%s", method, path, err, raw)
		}
	}
	return out
}

func mustVerifier(t testing.TB, cfg dpop.VerifierConfig) *dpop.Verifier {
	t.Helper()
	v, err := dpop.NewVerifier(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return v
}
