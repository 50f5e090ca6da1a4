package dpop

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// nonceServer is a real HTTP server that demands a DPoP nonce, on /token as
// an authorization server does (400 JSON) and on /api as a resource server
// does (401 with a DPoP challenge).
type nonceServer struct {
	*httptest.Server
	verifier *Verifier
	requests atomic.Int32
	lastJKT  atomic.Value
}

func newNonceServer(t *testing.T) *nonceServer {
	t.Helper()
	nonces, err := NewNonceSource([]byte(strings.Repeat("n", 32)), time.Minute, nil)
	if err != nil {
		t.Fatal(err)
	}
	s := &nonceServer{}
	s.verifier, err = NewVerifier(VerifierConfig{Nonces: nonces})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /token", func(w http.ResponseWriter, r *http.Request) {
		s.requests.Add(1)
		proof, err := s.verifier.Verify(r.Context(), VerifyRequest{Proofs: r.Header.Values("DPoP"), Method: r.Method, URL: s.URL + r.URL.Path})
		var e *Error
		if errors.As(err, &e) {
			if e.Nonce != "" {
				w.Header().Set("DPoP-Nonce", e.Nonce)
			}
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusBadRequest)
			json.NewEncoder(w).Encode(map[string]string{"error": e.ASCode(), "error_description": e.Description})
			return
		}
		if err != nil {
			http.Error(w, "server_error", http.StatusInternalServerError)
			return
		}
		// The body must arrive whole on the retry too.
		if r.PostFormValue("grant_type") != "authorization_code" || r.PostFormValue("code") != "c-1" {
			http.Error(w, `{"error":"invalid_request"}`, http.StatusBadRequest)
			return
		}
		s.lastJKT.Store(proof.Thumbprint)
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"access_token":"tok-1","token_type":"DPoP","expires_in":300}`)
	})
	mux.HandleFunc("GET /api/notes", func(w http.ResponseWriter, r *http.Request) {
		s.requests.Add(1)
		token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "DPoP ")
		if !ok {
			w.Header().Set("WWW-Authenticate", s.verifier.Challenge(nil))
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		jkt, _ := s.lastJKT.Load().(string)
		_, err := s.verifier.Verify(r.Context(), VerifyRequest{
			Proofs: r.Header.Values("DPoP"), Method: r.Method, URL: s.URL + r.URL.Path,
			AccessToken: token, ExpectedJKT: jkt,
		})
		var e *Error
		if errors.As(err, &e) {
			if e.Nonce != "" {
				w.Header().Set("DPoP-Nonce", e.Nonce)
			}
			w.Header().Set("WWW-Authenticate", s.verifier.Challenge(err))
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		if err != nil {
			http.Error(w, "server_error", http.StatusInternalServerError)
			return
		}
		io.WriteString(w, `["a note"]`)
	})
	s.Server = httptest.NewServer(mux)
	t.Cleanup(s.Close)
	return s
}

func TestTransportNonceFlow(t *testing.T) {
	srv := newNonceServer(t)
	key, err := GenerateKey("EdDSA")
	if err != nil {
		t.Fatal(err)
	}
	client := &http.Client{Transport: &Transport{Key: key}}

	// The token request, shaped as golang.org/x/oauth2 sends it: a form body
	// from strings.NewReader, so http.NewRequest sets GetBody.
	form := url.Values{"grant_type": {"authorization_code"}, "code": {"c-1"}}
	req, _ := http.NewRequest("POST", srv.URL+"/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || srv.requests.Load() != 2 {
		t.Fatalf("token: %d %s after %d requests, want 200 after 2 (refused for the nonce, then accepted)", resp.StatusCode, body, srv.requests.Load())
	}
	if jkt, _ := srv.lastJKT.Load().(string); jkt != key.Thumbprint() {
		t.Fatalf("token bound to %q, want the client key %q", jkt, key.Thumbprint())
	}

	// The API: a second server in RFC terms, but the same nonce here, which
	// the Transport already holds for this origin: one request suffices.
	srv.requests.Store(0)
	get, _ := http.NewRequest("GET", srv.URL+"/api/notes?page=1", nil)
	get.Header.Set("Authorization", "DPoP tok-1")
	resp, err = client.Do(get)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || srv.requests.Load() != 1 {
		t.Fatalf("api: %d after %d requests, want 200 after 1", resp.StatusCode, srv.requests.Load())
	}
	if get.Header.Get("DPoP") != "" {
		t.Fatal("the Transport changed the caller's request")
	}
}

func TestTransportRetriesA401NonceChallengeOnce(t *testing.T) {
	srv := newNonceServer(t)
	key, _ := GenerateKey("ES256")
	client := &http.Client{Transport: &Transport{Key: key}}
	srv.lastJKT.Store(key.Thumbprint())
	get, _ := http.NewRequest("GET", srv.URL+"/api/notes", nil)
	get.Header.Set("Authorization", "DPoP tok-1")
	resp, err := client.Do(get)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || srv.requests.Load() != 2 {
		t.Fatalf("api: %d after %d requests, want 200 after 2", resp.StatusCode, srv.requests.Load())
	}

	// A thief with the token but another key is refused, nonce or not.
	thief, _ := GenerateKey("ES256")
	stolen, _ := http.NewRequest("GET", srv.URL+"/api/notes", nil)
	stolen.Header.Set("Authorization", "DPoP tok-1")
	resp, err = (&http.Client{Transport: &Transport{Key: thief}}).Do(stolen)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if challenge := resp.Header.Get("WWW-Authenticate"); resp.StatusCode != http.StatusUnauthorized || !strings.Contains(challenge, `error="invalid_token"`) {
		t.Fatalf("thief: %d %q, want 401 invalid_token", resp.StatusCode, challenge)
	}
}

// oneShotReader is a body http.NewRequest cannot rewind (no GetBody).
type oneShotReader struct{ io.Reader }

func TestTransportDoesNotRetryABodyItCannotResend(t *testing.T) {
	srv := newNonceServer(t)
	key, _ := GenerateKey("ES256")
	req, _ := http.NewRequest("POST", srv.URL+"/token", oneShotReader{strings.NewReader("grant_type=authorization_code&code=c-1")})
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := (&http.Client{Transport: &Transport{Key: key}}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct{ Error string }
	json.NewDecoder(resp.Body).Decode(&body)
	if resp.StatusCode != http.StatusBadRequest || body.Error != CodeUseNonce || srv.requests.Load() != 1 {
		t.Fatalf("%d %q after %d requests, want the untouched 400 use_dpop_nonce after 1", resp.StatusCode, body.Error, srv.requests.Load())
	}
}

// TestTransportRetriesOnlyOnce: a server that keeps asking for a new nonce
// gets exactly two requests, each with its own proof.
func TestTransportRetriesOnlyOnce(t *testing.T) {
	var proofs []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		proofs = append(proofs, r.Header.Get("DPoP"))
		w.Header().Set("DPoP-Nonce", "n-"+strings.Repeat("x", len(proofs)))
		w.Header().Set("WWW-Authenticate", `DPoP error="use_dpop_nonce", algs="ES256"`)
		w.WriteHeader(http.StatusUnauthorized)
	}))
	defer srv.Close()
	key, _ := GenerateKey("ES256")
	resp, err := (&http.Client{Transport: &Transport{Key: key}}).Get(srv.URL + "/api")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized || len(proofs) != 2 || proofs[0] == proofs[1] {
		t.Fatalf("%d after %d requests, want the 401 after exactly 2 distinct proofs", resp.StatusCode, len(proofs))
	}
	second, err := Decode(proofs[1])
	if err != nil || second.Claims.Nonce != "n-x" {
		t.Fatalf("retry proof nonce %q (%v), want the server's n-x", second.Claims.Nonce, err)
	}
}
