package flow

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Exchange is one back-channel HTTP request and its response as they were on
// the wire, with secrets masked and tokens shortened.
type Exchange struct {
	Method         string   `json:"method"`
	URL            string   `json:"url"`
	RequestHeader  []Header `json:"request_header,omitempty"`
	RequestBody    string   `json:"request_body,omitempty"`
	Status         int      `json:"status,omitempty"` // 0 when no response came
	ResponseHeader []Header `json:"response_header,omitempty"`
	ResponseBody   string   `json:"response_body,omitempty"`
	Err            string   `json:"err,omitempty"` // why no response came
	Duration       string   `json:"duration"`

	// Form holds the request's form parameters, masked, for explanations.
	Form url.Values `json:"-"`
	// rawResponse is the unmasked response body, for the code that recorded
	// it (for example to read an error code); it is never stored.
	rawResponse []byte
}

// Header is one header line.
type Header struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// RawResponse returns the response body as received, unmasked. It exists only
// in memory, for the handler that made the call.
func (e Exchange) RawResponse() []byte { return e.rawResponse }

// StatusText is the response's status line without the protocol.
func (e Exchange) StatusText() string {
	if e.Status == 0 {
		return ""
	}
	return http.StatusText(e.Status)
}

// Recorder is an http.RoundTripper that remembers every exchange it carries.
// The web handlers give one, per browser request, to x/oauth2 (through the
// oauth2.HTTPClient context key) and to the API client, then turn what it
// saw into inspector steps.
type Recorder struct {
	base http.RoundTripper

	mu        sync.Mutex
	exchanges []Exchange
}

// NewRecorder records the exchanges that base carries.
func NewRecorder(base http.RoundTripper) *Recorder {
	if base == nil {
		base = http.DefaultTransport
	}
	return &Recorder{base: base}
}

// Client returns an *http.Client that sends through the recorder.
func (r *Recorder) Client() *http.Client {
	return &http.Client{
		Transport: r,
		Timeout:   10 * time.Second,
		// The back channel never follows redirects: a token endpoint or API
		// that redirects is misconfigured, and following could leak the
		// Authorization header to another host.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// Exchanges returns what was recorded so far, oldest first.
func (r *Recorder) Exchanges() []Exchange {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Exchange(nil), r.exchanges...)
}

// maxShown caps the body the inspector keeps of one message.
const maxShown = 16 << 10

// RoundTrip implements http.RoundTripper.
func (r *Recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	start := time.Now()
	x := Exchange{Method: req.Method, URL: req.URL.String()}
	x.RequestHeader = pickHeaders(req.Header, "Authorization", "DPoP", "Content-Type", "Accept")
	if req.Body != nil && req.GetBody != nil {
		if body, err := req.GetBody(); err == nil {
			raw, _ := io.ReadAll(io.LimitReader(body, maxShown))
			body.Close()
			x.RequestBody, x.Form = maskForm(req.Header.Get("Content-Type"), raw)
		}
	}

	resp, err := r.base.RoundTrip(req)
	x.Duration = time.Since(start).Round(time.Millisecond).String()
	if err != nil {
		x.Err = err.Error()
		r.add(x)
		return nil, err
	}
	x.Status = resp.StatusCode
	x.ResponseHeader = pickHeaders(resp.Header, "Content-Type", "Cache-Control", "Pragma", "WWW-Authenticate", "Location", "DPoP-Nonce")
	raw, readErr := io.ReadAll(io.LimitReader(resp.Body, maxShown))
	// Give the caller the whole body back: what was read, then the rest.
	resp.Body = struct {
		io.Reader
		io.Closer
	}{io.MultiReader(bytes.NewReader(raw), resp.Body), resp.Body}
	if readErr == nil {
		x.rawResponse = raw
		x.ResponseBody = maskJSON(raw)
	}
	r.add(x)
	return resp, nil
}

func (r *Recorder) add(x Exchange) {
	r.mu.Lock()
	r.exchanges = append(r.exchanges, x)
	r.mu.Unlock()
}

func pickHeaders(h http.Header, names ...string) []Header {
	var out []Header
	for _, name := range names {
		for _, v := range h.Values(name) {
			if name == "Authorization" {
				v = maskAuthorization(v)
			}
			out = append(out, Header{Name: name, Value: v})
		}
	}
	return out
}

// maskAuthorization shows who authenticated but not with what secret.
func maskAuthorization(v string) string {
	scheme, cred, _ := strings.Cut(v, " ")
	switch strings.ToLower(scheme) {
	case "basic":
		// RFC 6749 §2.3.1: base64(urlencode(client_id) ":" urlencode(secret)).
		dec, err := base64.StdEncoding.DecodeString(cred)
		if err != nil {
			return scheme + " " + Mask(cred)
		}
		id, secret, _ := strings.Cut(string(dec), ":")
		return scheme + " base64(" + id + ":" + Mask(secret) + ")"
	case "bearer":
		return scheme + " " + Shorten(cred)
	}
	return scheme + " " + Mask(cred)
}

// secretParams are never shown; tokenParams are shortened.
var (
	// RFC 7636 §4.1: the code_verifier is a secret of the client, like its
	// client_secret; it is masked, never shown.
	secretParams = map[string]bool{"client_secret": true, "password": true, "code_verifier": true}
	tokenParams  = map[string]bool{"code": true, "refresh_token": true, "access_token": true, "id_token": true, "token": true, "assertion": true}
)

func maskValue(name, v string) string {
	switch {
	case secretParams[name]:
		return Mask(v)
	case tokenParams[name]:
		return Shorten(v)
	}
	return v
}

// maskForm masks a form body, keeping the parameter order of the wire.
func maskForm(contentType string, raw []byte) (string, url.Values) {
	if !strings.HasPrefix(contentType, "application/x-www-form-urlencoded") {
		return maskJSON(raw), nil
	}
	form := url.Values{}
	var parts []string
	for _, pair := range strings.Split(string(raw), "&") {
		k, v, _ := strings.Cut(pair, "=")
		name, err1 := url.QueryUnescape(k)
		value, err2 := url.QueryUnescape(v)
		if err1 != nil || err2 != nil {
			continue
		}
		shown := url.QueryEscape(value)
		if masked := maskValue(name, value); masked != value {
			// Show the mask as text; percent-encoding it would hide it.
			value, shown = masked, masked
		}
		form.Add(name, value)
		parts = append(parts, url.QueryEscape(name)+"="+shown)
	}
	return strings.Join(parts, "&"), form
}

// maskJSON pretty-prints a JSON object with its tokens shortened; anything
// else is returned as text.
func maskJSON(raw []byte) string {
	var obj map[string]any
	if err := json.Unmarshal(raw, &obj); err != nil {
		var anyJSON any
		if json.Unmarshal(raw, &anyJSON) == nil {
			pretty, _ := json.MarshalIndent(anyJSON, "", "  ")
			return string(pretty)
		}
		return string(raw)
	}
	for k, v := range obj {
		if s, ok := v.(string); ok {
			obj[k] = maskValue(k, s)
		}
	}
	pretty, err := json.MarshalIndent(obj, "", "  ")
	if err != nil {
		return string(raw)
	}
	return string(pretty)
}

// RequestText renders the request as it looked on the wire (masked).
func (e Exchange) RequestText() string {
	var b strings.Builder
	target, host := e.URL, ""
	if u, err := url.Parse(e.URL); err == nil {
		target, host = u.RequestURI(), u.Host
	}
	b.WriteString(e.Method + " " + target + " HTTP/1.1\nHost: " + host + "\n")
	for _, h := range e.RequestHeader {
		b.WriteString(h.Name + ": " + h.Value + "\n")
	}
	if e.RequestBody != "" {
		b.WriteString("\n" + e.RequestBody + "\n")
	}
	return b.String()
}

// ResponseText renders the response as it looked on the wire (masked), or
// why none came.
func (e Exchange) ResponseText() string {
	if e.Status == 0 {
		return "(no response: " + e.Err + ")"
	}
	var b strings.Builder
	b.WriteString("HTTP/1.1 " + strconv.Itoa(e.Status) + " " + e.StatusText() + "\n")
	for _, h := range e.ResponseHeader {
		b.WriteString(h.Name + ": " + h.Value + "\n")
	}
	if e.ResponseBody != "" {
		b.WriteString("\n" + e.ResponseBody + "\n")
	}
	return b.String()
}
