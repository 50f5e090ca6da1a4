package dpop

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
)

// Transport is an http.RoundTripper that signs every request with Key: it
// adds a fresh DPoP proof (with ath when the request carries
// "Authorization: DPoP <token>"), remembers each server's DPoP-Nonce, and
// when a server answers use_dpop_nonce it sends the request once more with
// the new nonce (RFC 9449 §8, §9).
//
// Give it to golang.org/x/oauth2 as the client of the token exchange
//
//	ctx = context.WithValue(ctx, oauth2.HTTPClient, &http.Client{Transport: t})
//
// and as the Base of oauth2.Transport for resource calls, which then sets
// the "Authorization: DPoP <token>" this Transport reads (x/oauth2 copies
// token_type "DPoP" into the header). Use it only for the authorization
// server and the APIs the tokens are for: every proof shows the public key,
// which would let other hosts recognise the client.
type Transport struct {
	Key  *Key              // signs the proofs
	Base http.RoundTripper // sends the requests; nil means http.DefaultTransport
	// HTU, when set, is the URI a proof names for a request URL (htu). A
	// client that reaches a server by an inner address (a container name)
	// sets it to name the server's public URL, the one the server checks
	// against; nil means the request URL itself.
	HTU func(*url.URL) string

	mu     sync.Mutex
	nonces map[string]string // origin (scheme://host) -> last DPoP-Nonce
}

// maxErrorBody bounds how much of a 400 body is read to look for
// use_dpop_nonce; an OAuth error body is a few hundred bytes.
const maxErrorBody = 64 << 10

// RoundTrip implements http.RoundTripper.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.send(req, req.Body)
	if err != nil || !t.wantsNonce(resp) {
		return resp, err
	}
	// A retry sends the body again, which only GetBody can give back
	// (http.NewRequest sets it for the bytes and strings readers x/oauth2 uses).
	body := req.Body
	if body != nil && body != http.NoBody {
		if req.GetBody == nil {
			return resp, nil
		}
		if body, err = req.GetBody(); err != nil {
			return resp, nil
		}
	}
	resp.Body.Close()
	return t.send(req, body)
}

// send signs a copy of req (a RoundTripper must not change the request it
// is given) and sends it.
func (t *Transport) send(req *http.Request, body io.ReadCloser) (*http.Response, error) {
	origin := req.URL.Scheme + "://" + req.URL.Host
	var token string
	if scheme, value, ok := strings.Cut(req.Header.Get("Authorization"), " "); ok && strings.EqualFold(scheme, "DPoP") {
		token = value
	}
	htu := req.URL.String()
	if t.HTU != nil {
		htu = t.HTU(req.URL)
	}
	proof, err := t.Key.Proof(req.Method, htu, token, t.nonce(origin))
	if err != nil {
		if body != nil {
			body.Close()
		}
		return nil, err
	}
	signed := req.Clone(req.Context())
	signed.Body = body
	signed.Header.Set("DPoP", proof)
	base := t.Base
	if base == nil {
		base = http.DefaultTransport
	}
	resp, err := base.RoundTrip(signed)
	if err != nil {
		return nil, err
	}
	// RFC 9449 §8.2: a server may send a new nonce with any response; the next proof to it carries that one.
	if n := resp.Header.Get("DPoP-Nonce"); n != "" {
		t.mu.Lock()
		if t.nonces == nil {
			t.nonces = make(map[string]string)
		}
		t.nonces[origin] = n
		t.mu.Unlock()
	}
	return resp, nil
}

func (t *Transport) nonce(origin string) string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.nonces[origin]
}

// wantsNonce reports whether resp is a use_dpop_nonce refusal that came
// with a nonce to retry with: a 400 JSON error from an authorization server
// (RFC 9449 §8) or a 401 DPoP challenge from a resource server (§9).
func (t *Transport) wantsNonce(resp *http.Response) bool {
	if resp.Header.Get("DPoP-Nonce") == "" {
		return false
	}
	switch resp.StatusCode {
	case http.StatusUnauthorized:
		for _, challenge := range resp.Header.Values("WWW-Authenticate") {
			if strings.HasPrefix(strings.ToLower(challenge), "dpop ") && strings.Contains(challenge, `error="use_dpop_nonce"`) {
				return true
			}
		}
	case http.StatusBadRequest:
		original := resp.Body
		raw, err := io.ReadAll(io.LimitReader(original, maxErrorBody))
		// Put back what was read, so the caller reads the whole body when
		// there is no retry.
		resp.Body = struct {
			io.Reader
			io.Closer
		}{io.MultiReader(bytes.NewReader(raw), original), original}
		var body struct {
			Error string `json:"error"`
		}
		return err == nil && json.Unmarshal(raw, &body) == nil && body.Error == CodeUseNonce
	}
	return false
}
