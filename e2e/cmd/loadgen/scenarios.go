package main

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"time"

	"github.com/oauthlab/oauthlab/shared/actortest"
	"github.com/oauthlab/oauthlab/shared/contract"
)

// transport is shared by all workers, with enough idle connections that
// each worker keeps its own: the load measures the server, not TCP set-up.
func newTransport(c config) *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns = 2 * c.concurrency
	t.MaxIdleConnsPerHost = 2 * c.concurrency
	t.Proxy = nil // loopback only: never through a proxy
	return t
}

// send does one request and returns the response's status, Location and
// body (at most 1 MiB); a body that says "database is locked" is an error
// whatever the status.
func send(client *http.Client, req *http.Request) (status int, location string, body string, err error) {
	resp, err := client.Do(req)
	if err != nil {
		return 0, "", "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return 0, "", "", err
	}
	if strings.Contains(strings.ToLower(string(b)), "database is locked") {
		return resp.StatusCode, "", "", errLocked
	}
	return resp.StatusCode, resp.Header.Get("Location"), string(b), nil
}

// tokenResponse is the part of a token response that is checked.
type tokenResponse struct {
	AccessToken string `json:"access_token"`
	TokenType   string `json:"token_type"`
	Error       string `json:"error"`
}

// postToken sends a token request with client_secret_basic and checks that
// it gave an access token.
func postToken(ctx context.Context, client *http.Client, authServer, clientID, secret string, form url.Values) error {
	_, err := requestToken(ctx, client, authServer, clientID, secret, form)
	return err
}

// requestToken is postToken that also returns the token response.
func requestToken(ctx context.Context, client *http.Client, authServer, clientID, secret string, form url.Values) (tokenResponse, error) {
	var tr tokenResponse
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, authServer+"/token", strings.NewReader(form.Encode()))
	if err != nil {
		return tr, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	// RFC 6749 §2.3.1: the client id and secret are form-encoded before
	// they go into the Basic credentials.
	req.SetBasicAuth(url.QueryEscape(clientID), url.QueryEscape(secret))
	status, _, body, err := send(client, req)
	if err != nil {
		return tr, err
	}
	_ = json.Unmarshal([]byte(body), &tr)
	if status != http.StatusOK || tr.AccessToken == "" {
		if tr.Error != "" {
			return tr, fmt.Errorf("token: status %d %s", status, tr.Error)
		}
		return tr, fmt.Errorf("token: status %d", status)
	}
	return tr, nil
}

// tokensWorker: each operation is one client_credentials grant.
func tokensWorker(c config) func(context.Context) (operation, error) {
	transport := newTransport(c)
	return func(ctx context.Context) (operation, error) {
		client := &http.Client{Transport: transport, Timeout: 30 * time.Second}
		m := contract.MachineClient
		form := url.Values{"grant_type": {"client_credentials"}, "scope": {strings.Join(m.Scopes, " ")}}
		op := func(ctx context.Context) error {
			return postToken(ctx, client, c.authServer, m.ID, m.Secret, form)
		}
		// One request before the clock starts: the first check of the
		// secret is a bcrypt comparison (slow on purpose), later ones hit
		// the server's cache, and the run measures the steady state.
		if err := op(ctx); err != nil {
			return nil, err
		}
		return op, nil
	}
}

// flowsWorker: each worker signs alice in once (and approves the demo
// client the first time it asks); each operation is then one
// authorization request answered at once from the session and the
// remembered consent, and the code's exchange with its PKCE verifier.
func flowsWorker(c config) func(context.Context) (operation, error) {
	transport := newTransport(c)
	return func(ctx context.Context) (operation, error) {
		jar, _ := cookiejar.New(nil) // never fails without options
		client := &http.Client{
			Transport: transport,
			Jar:       jar,
			Timeout:   30 * time.Second,
			// Redirects are looked at, not followed: the last one goes to
			// the client's redirect URI, which need not be running.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		}
		w := &flowWorker{c: c, client: client}
		if err := w.signIn(ctx); err != nil {
			return nil, fmt.Errorf("sign-in: %w", err)
		}
		return w.flow, nil
	}
}

type flowWorker struct {
	c      config
	client *http.Client
}

// authorizeURL is a fresh authorization request with PKCE (RFC 7636 §4.2:
// S256 challenge of a random verifier).
func (w *flowWorker) authorizeURL() (authorizeURL, state, verifier string) {
	state, verifier = randomString(), randomString()
	sum := sha256.Sum256([]byte(verifier))
	q := url.Values{
		"response_type":         {"code"},
		"client_id":             {contract.WebClient.ID},
		"redirect_uri":          {w.c.redirectURI},
		"scope":                 {strings.Join(contract.WebClient.Scopes, " ")},
		"state":                 {state},
		"code_challenge":        {base64.RawURLEncoding.EncodeToString(sum[:])},
		"code_challenge_method": {"S256"},
	}
	return w.c.authServer + "/authorize?" + q.Encode(), state, verifier
}

func randomString() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return base64.RawURLEncoding.EncodeToString(b)
}

// signIn walks the pages a browser would see on the first authorization
// request: the redirect to the sign-in page, the sign-in form, perhaps the
// consent form, and the redirect back with a code, which it exchanges.
func (w *flowWorker) signIn(ctx context.Context) error {
	authorize, state, verifier := w.authorizeURL()
	next, method, form := authorize, http.MethodGet, url.Values(nil)
	for range 10 {
		req, err := w.newRequest(ctx, method, next, form)
		if err != nil {
			return err
		}
		status, location, body, err := send(w.client, req)
		if err != nil {
			return err
		}
		switch {
		case status >= 300 && status < 400 && strings.HasPrefix(location, w.c.redirectURI):
			return w.exchange(ctx, location, state, verifier)
		case status >= 300 && status < 400 && location != "":
			next, method, form = w.resolve(location), http.MethodGet, nil
		case status == http.StatusOK && strings.Contains(body, `action="/login"`):
			form = actortest.HiddenFields(body)
			form.Set("username", contract.Alice.Username)
			form.Set("password", contract.Alice.Password)
			next, method = w.c.authServer+"/login", http.MethodPost
		case status == http.StatusOK && strings.Contains(body, `action="/consent"`):
			form = actortest.HiddenFields(body)
			form.Set("decision", "approve")
			next, method = w.c.authServer+"/consent", http.MethodPost
		default:
			return fmt.Errorf("%s %s: unexpected status %d", method, pathOf(next), status)
		}
	}
	return fmt.Errorf("more than 10 redirects and pages before a code")
}

// flow is one operation: authorize (answered from the session and the
// remembered consent), then the code exchange.
func (w *flowWorker) flow(ctx context.Context) error {
	authorize, state, verifier := w.authorizeURL()
	req, err := w.newRequest(ctx, http.MethodGet, authorize, nil)
	if err != nil {
		return err
	}
	status, location, _, err := send(w.client, req)
	if err != nil {
		return err
	}
	if status != http.StatusFound && status != http.StatusSeeOther || !strings.HasPrefix(location, w.c.redirectURI) {
		return fmt.Errorf("authorize: status %d, not a redirect to the client", status)
	}
	return w.exchange(ctx, location, state, verifier)
}

// exchange checks the redirect back to the client and trades its code.
func (w *flowWorker) exchange(ctx context.Context, location, state, verifier string) error {
	u, err := url.Parse(location)
	if err != nil {
		return fmt.Errorf("authorize: bad redirect")
	}
	q := u.Query()
	if e := q.Get("error"); e != "" {
		return fmt.Errorf("authorize: error=%s", e)
	}
	// RFC 6749 §10.12: the state must come back unchanged.
	if q.Get("state") != state || q.Get("code") == "" {
		return fmt.Errorf("authorize: redirect without the code or the state")
	}
	return postToken(ctx, w.client, w.c.authServer, contract.WebClient.ID, contract.WebClient.Secret, url.Values{
		"grant_type":    {"authorization_code"},
		"code":          {q.Get("code")},
		"redirect_uri":  {w.c.redirectURI},
		"code_verifier": {verifier},
	})
}

func (w *flowWorker) newRequest(ctx context.Context, method, target string, form url.Values) (*http.Request, error) {
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequestWithContext(ctx, method, target, body)
	if err != nil {
		return nil, err
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", w.c.authServer) // as a browser sends with a form
	}
	return req, nil
}

// resolve turns a Location on the authorization server into an absolute
// URL; it never leaves the authorization server's origin.
func (w *flowWorker) resolve(location string) string {
	base, _ := url.Parse(w.c.authServer + "/")
	u, err := base.Parse(location)
	if err != nil || u.Host != base.Host {
		return w.c.authServer + "/"
	}
	return u.String()
}

func pathOf(raw string) string {
	if u, err := url.Parse(raw); err == nil {
		return u.Path
	}
	return "?"
}
