package lab

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/oauthlab/oauthlab/client/internal/flow"
	"github.com/oauthlab/oauthlab/shared/contract"
)

// Entry is one request a party of the scenario made, in the inspector's
// format (masked), with the tokens it carried decoded.
type Entry struct {
	Actor    string            `json:"actor"` // "attacker", "victim's browser", "naive client", ...
	Exchange flow.Exchange     `json:"exchange"`
	Tokens   []*flow.TokenView `json:"tokens,omitempty"`
}

// tape records the entries of one run in order.
type tape struct {
	mu      sync.Mutex
	entries []Entry
}

// recording is a RoundTripper that records each request on the tape with
// the inspector's recorder, under an actor's name.
type recording struct {
	tape  *tape
	actor string
	base  http.RoundTripper
}

func (t recording) RoundTrip(req *http.Request) (*http.Response, error) {
	var tokens []*flow.TokenView
	if scheme, tok, ok := strings.Cut(req.Header.Get("Authorization"), " "); ok && strings.EqualFold(scheme, "bearer") {
		tokens = append(tokens, flow.DecodeAccessToken(tok, "", time.Time{}))
	}
	rec := flow.NewRecorder(t.base)
	resp, err := rec.RoundTrip(req)
	for _, x := range rec.Exchanges() {
		var body struct {
			AccessToken string `json:"access_token"`
			Scope       string `json:"scope"`
		}
		if json.Unmarshal(x.RawResponse(), &body) == nil && body.AccessToken != "" {
			tokens = append(tokens, flow.DecodeAccessToken(body.AccessToken, body.Scope, time.Time{}))
		}
		for i, h := range x.ResponseHeader {
			if h.Name == "Location" {
				x.ResponseHeader[i].Value = maskURL(h.Value)
			}
		}
		x.URL = maskURL(x.URL)
		if strings.HasPrefix(strings.TrimSpace(x.ResponseBody), "<") && len(x.ResponseBody) > 400 {
			x.ResponseBody = x.ResponseBody[:400] + "\n… (HTML page shortened)"
		}
		t.tape.mu.Lock()
		t.tape.entries = append(t.tape.entries, Entry{Actor: t.actor, Exchange: x, Tokens: tokens})
		t.tape.mu.Unlock()
	}
	return resp, err
}

// maskURL shortens the codes and tokens in a URL's query.
func maskURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.RawQuery == "" {
		return raw
	}
	q := u.Query()
	u.RawQuery = ""
	return u.String() + "?" + flow.MaskedQuery(q)
}

// browser is one simulated party: its own cookie jar, every request
// recorded, redirects never followed on its own (the scenario decides).
type browser struct {
	r     *run
	actor string
	http  *http.Client
}

func (r *run) browser(actor string) *browser {
	jar, _ := cookiejar.New(nil) // never fails with nil options
	return &browser{r: r, actor: actor, http: &http.Client{
		Transport:     recording{tape: r.tape, actor: actor, base: r.env.Transport},
		Jar:           jar,
		Timeout:       10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// response is an answer with its body read.
type response struct {
	status int
	header http.Header
	body   string
	url    *url.URL // the request's URL
}

// location is the redirect target, resolved against the request.
func (p response) location() *url.URL {
	loc := p.header.Get("Location")
	if loc == "" {
		return nil
	}
	u, err := p.url.Parse(loc)
	if err != nil {
		return nil
	}
	return u
}

func (b *browser) do(ctx context.Context, method, target string, body io.Reader, header http.Header) (response, error) {
	req, err := http.NewRequestWithContext(ctx, method, target, body)
	if err != nil {
		return response{}, err
	}
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := b.http.Do(req)
	if err != nil {
		return response{}, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return response{}, err
	}
	return response{status: resp.StatusCode, header: resp.Header, body: string(raw), url: req.URL}, nil
}

func (b *browser) get(ctx context.Context, target string) (response, error) {
	return b.do(ctx, http.MethodGet, target, nil, nil)
}

func (b *browser) postForm(ctx context.Context, target string, form url.Values, header http.Header) (response, error) {
	if header == nil {
		header = http.Header{}
	}
	header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(ctx, http.MethodPost, target, strings.NewReader(form.Encode()), header)
}

// follow GETs target and follows redirects while they stay on the
// authorization server, returning the last answer (a page, or a redirect
// that leaves the server).
func (b *browser) follow(ctx context.Context, target string) (response, error) {
	as, _ := url.Parse(b.r.env.AuthServer)
	for range 10 {
		p, err := b.get(ctx, target)
		if err != nil {
			return p, err
		}
		loc := p.location()
		if loc == nil || p.status < 300 || p.status > 399 || loc.Host != as.Host {
			return p, nil
		}
		target = loc.String()
	}
	return response{}, fmt.Errorf("too many redirects")
}

// hiddenInput matches the hidden inputs of the actors' forms.
var hiddenInput = regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)">`)

// formAfter returns the hidden fields of the form whose opening tag
// contains marker (action="/login", say), as a browser would submit them.
func formAfter(page, marker string) (url.Values, bool) {
	i := strings.Index(page, marker)
	if i < 0 {
		return nil, false
	}
	page = page[i:]
	if j := strings.Index(page, "</form>"); j >= 0 {
		page = page[:j]
	}
	v := url.Values{}
	for _, m := range hiddenInput.FindAllStringSubmatch(page, -1) {
		if !v.Has(m[1]) {
			v.Set(m[1], html.UnescapeString(m[2]))
		}
	}
	return v, true
}

// pkce is a fresh verifier and its S256 challenge (RFC 7636 §4.1, §4.2).
type pkce struct{ verifier, challenge string }

func newPKCE() pkce {
	v := base64.RawURLEncoding.EncodeToString(randomBytes(32))
	sum := sha256.Sum256([]byte(v))
	return pkce{verifier: v, challenge: base64.RawURLEncoding.EncodeToString(sum[:])}
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b) // never fails (crypto/rand)
	return b
}

// authorizeQuery is an authorization request of client for scope.
func authorizeQuery(c labClient, scope, state string, p pkce) url.Values {
	q := url.Values{
		"response_type":         {"code"},
		"client_id":             {c.ID},
		"redirect_uri":          {c.RedirectURI},
		"scope":                 {scope},
		"state":                 {state},
		"code_challenge":        {p.challenge},
		"code_challenge_method": {"S256"},
	}
	return q
}

// signInForCode runs the front channel as user and returns the code the
// authorization server sent back to the client's redirect URI (an error
// when it sent an error instead).
func (b *browser) signInForCode(ctx context.Context, query url.Values, user contract.DemoUser) (string, error) {
	loc, err := b.signInAndApprove(ctx, query, user.Username, user.Password)
	if err != nil {
		return "", err
	}
	return codeFrom(loc)
}

// signInAndApprove runs the front channel as user: /authorize, the
// sign-in form, the consent form. It returns the redirect back to the
// client (with code, state and iss, or an error).
func (b *browser) signInAndApprove(ctx context.Context, query url.Values, username, password string) (*url.URL, error) {
	p, err := b.follow(ctx, b.r.env.AuthServer+"/authorize?"+query.Encode())
	if err != nil {
		return nil, err
	}
	if form, ok := formAfter(p.body, `action="/login"`); ok {
		form.Set("username", username)
		form.Set("password", password)
		p, err = b.postForm(ctx, b.r.env.AuthServer+"/login", form, nil)
		if err != nil {
			return nil, err
		}
		if loc := p.location(); loc != nil {
			if p, err = b.follow(ctx, loc.String()); err != nil {
				return nil, err
			}
		}
	}
	if form, ok := formAfter(p.body, `action="/consent"`); ok {
		form.Set("decision", "approve")
		if p, err = b.postForm(ctx, b.r.env.AuthServer+"/consent", form, nil); err != nil {
			return nil, err
		}
	}
	loc := p.location()
	if loc == nil {
		return nil, fmt.Errorf("the authorization server answered %d without sending the browser back", p.status)
	}
	return loc, nil
}

// tokenResponse is the token endpoint's answer, success or error.
type tokenResponse struct {
	Status       int    `json:"-"`
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token"`
	IDToken      string `json:"id_token"`
	Scope        string `json:"scope"`
	Error        string `json:"error"`
	Description  string `json:"error_description"`
}

// token posts form to the token endpoint as client c (Basic
// authentication when it has a secret).
func (b *browser) token(ctx context.Context, c labClient, form url.Values) (tokenResponse, error) {
	return b.tokenWith(ctx, c, form, http.Header{})
}

// tokenWith is token with extra request headers (a DPoP proof, say).
func (b *browser) tokenWith(ctx context.Context, c labClient, form url.Values, h http.Header) (tokenResponse, error) {
	if c.Secret != "" {
		h.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(url.QueryEscape(c.ID)+":"+url.QueryEscape(c.Secret))))
	} else {
		form.Set("client_id", c.ID)
	}
	p, err := b.postForm(ctx, b.r.env.AuthServer+"/token", form, h)
	if err != nil {
		return tokenResponse{}, err
	}
	var tr tokenResponse
	if err := json.Unmarshal([]byte(p.body), &tr); err != nil {
		return tokenResponse{}, fmt.Errorf("token endpoint answered %d with no JSON", p.status)
	}
	tr.Status = p.status
	return tr, nil
}

// redeem exchanges a code for tokens (RFC 6749 §4.1.3).
func (b *browser) redeem(ctx context.Context, c labClient, code, verifier string) (tokenResponse, error) {
	form := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {c.RedirectURI}}
	if verifier != "" {
		form.Set("code_verifier", verifier)
	}
	return b.token(ctx, c, form)
}

// introspect asks whether token is active, as client c (RFC 7662).
func (b *browser) introspect(ctx context.Context, c labClient, token string) (bool, error) {
	h := http.Header{}
	h.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(url.QueryEscape(c.ID)+":"+url.QueryEscape(c.Secret))))
	p, err := b.postForm(ctx, b.r.env.AuthServer+"/introspect", url.Values{"token": {token}}, h)
	if err != nil {
		return false, err
	}
	var out struct {
		Active bool `json:"active"`
	}
	if err := json.Unmarshal([]byte(p.body), &out); err != nil {
		return false, fmt.Errorf("introspection answered %d with no JSON", p.status)
	}
	return out.Active, nil
}

// callAPI calls the resource API with a bearer token and returns the status
// and the error code of its WWW-Authenticate challenge.
func (b *browser) callAPI(ctx context.Context, path, token string) (int, string, error) {
	h := http.Header{}
	h.Set("Authorization", "Bearer "+token)
	p, err := b.do(ctx, http.MethodGet, b.r.env.API+path, nil, h)
	if err != nil {
		return 0, "", err
	}
	return p.status, challengeError(p.header.Get("WWW-Authenticate")), nil
}

// callAPIWithReason is callAPI that also returns the challenge's
// error_description, the API's own words for why it refused.
func (b *browser) callAPIWithReason(ctx context.Context, path, token string) (int, string, string, error) {
	h := http.Header{}
	h.Set("Authorization", "Bearer "+token)
	p, err := b.do(ctx, http.MethodGet, b.r.env.API+path, nil, h)
	if err != nil {
		return 0, "", "", err
	}
	challenge := p.header.Get("WWW-Authenticate")
	reason := ""
	if m := challengeDescriptionRE.FindStringSubmatch(challenge); m != nil {
		reason = m[1]
	}
	return p.status, challengeError(challenge), reason, nil
}

var (
	challengeErrorRE       = regexp.MustCompile(`error="([^"]+)"`)
	challengeDescriptionRE = regexp.MustCompile(`error_description="([^"]+)"`)
)

func challengeError(h string) string {
	if m := challengeErrorRE.FindStringSubmatch(h); m != nil {
		return m[1]
	}
	return ""
}

// codeFrom reads the code of a redirect back, or says why there is none.
func codeFrom(loc *url.URL) (string, error) {
	q := loc.Query()
	if e := q.Get("error"); e != "" {
		return "", fmt.Errorf("the authorization server answered %s: %s", e, q.Get("error_description"))
	}
	if q.Get("code") == "" {
		return "", fmt.Errorf("no code in the redirect back")
	}
	return q.Get("code"), nil
}

// connectUser signs user in for client c with scope and redeems the code:
// the legitimate flow many scenarios start from.
func (r *run) connectUser(ctx context.Context, b *browser, c labClient, scope string, user contract.DemoUser) (tokenResponse, error) {
	return r.connectUserWithNonce(ctx, b, c, scope, "", user)
}

// connectUserWithNonce is connectUser for an OpenID Connect request that
// sends nonce (none when empty).
func (r *run) connectUserWithNonce(ctx context.Context, b *browser, c labClient, scope, nonce string, user contract.DemoUser) (tokenResponse, error) {
	p := newPKCE()
	q := authorizeQuery(c, scope, rand.Text(), p)
	if nonce != "" {
		q.Set("nonce", nonce)
	}
	code, err := b.signInForCode(ctx, q, user)
	if err != nil {
		return tokenResponse{}, err
	}
	tr, err := b.redeem(ctx, c, code, p.verifier)
	if err != nil {
		return tokenResponse{}, err
	}
	if tr.AccessToken == "" {
		return tokenResponse{}, fmt.Errorf("the code exchange failed: %d %s %s", tr.Status, tr.Error, tr.Description)
	}
	return tr, nil
}
