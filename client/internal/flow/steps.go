package flow

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"time"
)

// paramMeanings explain the parameters of the authorization request, the
// redirect back and the token request.
var paramMeanings = map[string]string{
	"response_type":         "\"code\" asks for an authorization code: the Authorization Code flow (RFC 6749 §3.1.1).",
	"client_id":             "Who is asking: the id the authorization server gave this app when it was registered (RFC 6749 §2.2).",
	"redirect_uri":          "Where to send the browser back. It must match a URI registered for the client exactly, so a code cannot be sent to an attacker (RFC 6749 §3.1.2).",
	"scope":                 "What the app asks to do, space-separated. The resource owner sees these on the consent page and may grant them or not (RFC 6749 §3.3).",
	"state":                 "A fresh random value the app remembers in its session. It must come back unchanged; otherwise the response was not caused by this browser's request (CSRF, RFC 6749 §10.12).",
	"code_challenge":        "PKCE: base64url(SHA-256(code_verifier)). Only the app knows the verifier, so a stolen or injected code is useless to anyone else (RFC 7636 §4.2). Used even though this app has a secret, as current best practice asks (RFC 9700 §2.1.1).",
	"code_challenge_method": "S256: the challenge is a SHA-256 hash; the plain method is for clients that cannot hash (RFC 7636 §4.3).",
	"code":                  "The authorization code: short-lived, single-use, worthless without the client's secret and PKCE verifier (RFC 6749 §4.1.2).",
	"iss":                   "The issuer that sent the response. It must equal the authorization server the app talked to, which defeats mix-up attacks (RFC 9207 §2).",
	"error":                 "An error code instead of a code: the request was refused (RFC 6749 §4.1.2.1).",
	"error_description":     "A human-readable explanation of the error, for the developer.",
	"error_uri":             "A page with more about the error.",
	"grant_type":            "Which grant the client uses: authorization_code trades a code (§4.1.3), refresh_token renews tokens (§6), client_credentials acts for the client itself (§4.4).",
	"code_verifier":         "PKCE: the secret whose hash was sent as code_challenge. The server hashes it and compares, proving this is the app that started the flow (RFC 7636 §4.5).",
	"refresh_token":         "The long-lived token that buys a new access token without asking the user again (RFC 6749 §6).",
	"token":                 "The token to revoke (RFC 7009 §2.1).",
	"token_type_hint":       "Which kind of token it is, so the server looks in the right place first (RFC 7009 §2.1).",
	"client_secret":         "The client's password, masked here. This client sends it in the Authorization header instead (RFC 6749 §2.3.1).",
	"access_token":          "The token the API accepts: a bearer credential, whoever holds it may use it (RFC 6750).",
	"token_type":            "\"Bearer\": send it in the Authorization header as \"Bearer <token>\" (RFC 6750 §2.1).",
	"expires_in":            "Seconds until the access token expires. The client refreshes it then (RFC 6749 §5.1).",
}

func explainParams(order []string, values url.Values) []Param {
	var out []Param
	seen := map[string]bool{}
	add := func(name string) {
		if seen[name] || !values.Has(name) {
			return
		}
		seen[name] = true
		m := paramMeanings[name]
		if m == "" {
			m = "An extra parameter."
		}
		out = append(out, Param{Name: name, Value: values.Get(name), Meaning: m})
	}
	for _, name := range order {
		add(name)
	}
	for name := range values {
		add(name)
	}
	return out
}

// AuthorizationRequest describes the redirect that starts the flow.
// authURL is the full URL the browser is sent to; verifier is the PKCE
// verifier the client keeps for the token request.
func AuthorizationRequest(now time.Time, authURL, verifier string) Step {
	u, _ := url.Parse(authURL)
	var q url.Values
	if u != nil {
		q = u.Query()
	}
	params := explainParams([]string{"response_type", "client_id", "redirect_uri", "scope", "state", "code_challenge", "code_challenge_method"}, q)
	params = append(params, Param{
		// The verifier is a secret like the client's: masked here and in
		// the token request, so the inspector never hands it out.
		Name: "code_verifier (kept by the client)", Value: Mask(verifier),
		Meaning: "Not sent now, and not shown: the client keeps it in its session and reveals it only in the token request, over the back channel. " +
			"The code_challenge above is BASE64URL(SHA256(code_verifier)) (RFC 7636 §4.2): anyone may see the challenge, " +
			"but only the holder of the verifier can produce it again, so a stolen code is useless without it.",
	})
	// RFC 7636 §4.2: S256 sends BASE64URL(SHA256(ASCII(code_verifier))), never the verifier.
	sum := sha256.Sum256([]byte(verifier))
	matches := q.Get("code_challenge_method") == "S256" && q.Get("code_challenge") == base64.RawURLEncoding.EncodeToString(sum[:])
	check := Check{Name: "code_challenge = BASE64URL(SHA256(code_verifier))", OK: matches, Link: RFC7636Challenge,
		Detail: "The client hashed its secret verifier with SHA-256 and sent only the base64url of the hash, with code_challenge_method=S256."}
	if !matches {
		check.Detail = "The code_challenge sent is not the S256 hash of the verifier the client kept: the token request will fail."
	}
	return Step{
		Kind:  KindAuthorizationRequest,
		At:    now,
		Title: "Authorization request: the client sends the browser to the authorization server",
		Summary: "The app does not ask for your password. It redirects your browser to the authorization server, " +
			"which will check who you are and ask whether you allow this app the scopes below.",
		Links:  []Link{RFC6749AuthRequest, RFC7636Challenge, RFC6749CSRF},
		Params: params,
		Checks: []Check{check},
		HTTP:   &Exchange{Method: "GET", URL: authURL},
		Arrows: []Arrow{
			{From: Client, To: Browser, Label: "303 redirect to /authorize", Channel: Front},
			{From: Browser, To: AuthServer, Label: "GET /authorize?response_type=code…", Channel: Front},
			{From: AuthServer, To: AuthServer, Label: "sign in and consent", Channel: Note},
		},
	}
}

// Reason tells why a redirect back cannot be used.
type Reason string

// The reasons a redirect back is refused.
const (
	ReasonNone     Reason = ""
	ReasonState    Reason = "state"     // no pending request, or state differs: possible CSRF
	ReasonIssuer   Reason = "issuer"    // iss missing or from another server: possible mix-up
	ReasonError    Reason = "error"     // the authorization server answered with an error
	ReasonNoCode   Reason = "no-code"   // neither code nor error
	ReasonBadQuery Reason = "bad-query" // a parameter appears twice
)

// Callback is the outcome of checking a redirect back to the client.
type Callback struct {
	Code   string
	Reason Reason     // ReasonNone when the code may be exchanged
	Error  *ErrorInfo // the error the authorization server sent, if any
	Step   Step       // the authorization-response step with every check
}

// CheckCallback checks the query of a redirect back (RFC 6749 §4.1.2).
// wantState is the state the session remembers for this attempt ("" when the
// session started no flow); issuer is the authorization server's identifier.
func CheckCallback(now time.Time, query url.Values, wantState, issuer string) Callback {
	cb := Callback{}
	st := Step{
		Kind:   KindAuthorizationResponse,
		At:     now,
		Title:  "Authorization response: the browser comes back with the answer",
		Links:  []Link{RFC6749AuthResponse, RFC6749CSRF, RFC9207Issuer},
		Params: explainParams([]string{"code", "state", "iss", "error", "error_description", "error_uri"}, maskValues(query)),
		Arrows: []Arrow{
			{From: AuthServer, To: Browser, Label: "302 redirect to redirect_uri", Channel: Front},
			{From: Browser, To: Client, Label: "GET /callback?code…&state…&iss…", Channel: Front},
		},
	}
	fail := func(r Reason, c Check) Callback {
		st.Checks = append(st.Checks, c)
		cb.Reason = r
		cb.Step = st
		return cb
	}

	// RFC 6749 §3.1: parameters must not be repeated; a repeated state or
	// code is an attempt to confuse the client.
	for name, vs := range query {
		if len(vs) > 1 {
			st.Summary = "A parameter came twice, so the response cannot be trusted."
			return fail(ReasonBadQuery, Check{Name: "each parameter once", Detail: name + " appears " + fmt.Sprint(len(vs)) + " times.", Link: RFC6749AuthResponse})
		}
	}

	// RFC 6749 §10.12: the state must be the one this session sent.
	got := query.Get("state")
	switch {
	case wantState == "":
		st.Summary = "This browser session did not start a flow (or it already finished), so the response is refused."
		return fail(ReasonState, Check{Name: "state matches", Detail: "No authorization request is pending in this session.", Link: RFC6749CSRF})
	case got != wantState:
		st.Summary = "The state does not match the one this session sent: the response may have been forged (CSRF), so it is refused."
		return fail(ReasonState, Check{Name: "state matches", Detail: fmt.Sprintf("Sent %q, received %q.", Shorten(wantState), Shorten(got)), Link: RFC6749CSRF})
	}
	st.Checks = append(st.Checks, Check{Name: "state matches", OK: true, Detail: "The state is the one this session sent.", Link: RFC6749CSRF})

	// RFC 9207 §2.4: our authorization server always sends iss, so a missing
	// or different iss means the response is not from it (mix-up attack).
	iss := query.Get("iss")
	if iss != issuer {
		st.Summary = "The response does not come from the authorization server this app talked to, so it is refused."
		detail := fmt.Sprintf("Expected %q, received %q.", issuer, iss)
		if iss == "" {
			detail = fmt.Sprintf("No iss parameter; expected %q.", issuer)
		}
		return fail(ReasonIssuer, Check{Name: "iss is the expected issuer", Detail: detail, Link: RFC9207Issuer})
	}
	st.Checks = append(st.Checks, Check{Name: "iss is the expected issuer", OK: true, Detail: "iss = " + issuer, Link: RFC9207Issuer})

	// RFC 6749 §4.1.2.1: an error instead of a code.
	if code := query.Get("error"); code != "" {
		cb.Error = Explain(FromAuthorization, code, query.Get("error_description"))
		st.Summary = "The authorization server answered with an error instead of a code."
		st.Error = cb.Error
		st.Links = append(st.Links, RFC6749AuthError)
		cb.Reason = ReasonError
		cb.Step = st
		return cb
	}

	cb.Code = query.Get("code")
	if cb.Code == "" {
		st.Summary = "The response carries neither a code nor an error."
		return fail(ReasonNoCode, Check{Name: "code present", Detail: "The code parameter is missing.", Link: RFC6749AuthResponse})
	}
	st.Checks = append(st.Checks, Check{Name: "code present", OK: true, Detail: "A code arrived; it is single-use and expires within minutes.", Link: RFC6749AuthResponse})
	st.Summary = "You allowed access. The authorization server sent your browser back with a short-lived code. " +
		"The app checked that the response belongs to the request it sent."
	cb.Step = st
	return cb
}

// MaskedQuery renders a query string with codes and tokens shortened, in
// name order, for display (the shortened values are not percent-encoded, so
// the "…" stays readable).
func MaskedQuery(q url.Values) string {
	var parts []string
	for _, name := range sortedKeys(q, nil) {
		for _, v := range q[name] {
			shown := url.QueryEscape(v)
			if masked := maskValue(name, v); masked != v {
				shown = masked
			}
			parts = append(parts, url.QueryEscape(name)+"="+shown)
		}
	}
	return strings.Join(parts, "&")
}

func maskValues(q url.Values) url.Values {
	out := url.Values{}
	for k, vs := range q {
		for _, v := range vs {
			out.Add(k, maskValue(k, v))
		}
	}
	return out
}

// grantTitles name a token request by its grant type.
var grantTitles = map[string]struct {
	title, summary string
	link           Link
}{
	"authorization_code": {"Token request: the client trades the code for tokens",
		"Over the back channel (server to server, your browser is not involved), the app sends the code, " +
			"its PKCE verifier, and authenticates with its client secret.", RFC6749TokenRequest},
	"refresh_token": {"Refresh: the client gets a new access token",
		"The access token expired (x/oauth2 counts it as expired 10 seconds early, so it never dies on its way to the API), " +
			"so the app used its refresh token to get a new one, without asking you again.", RFC6749Refresh},
	"client_credentials": {"Token request: the machine client asks for a token for itself",
		"No user is involved: the machine client authenticates with its own id and secret and gets a token " +
			"for what it may do itself (here: read the charts).", RFC6749ClientCreds},
}

// TokenRequest describes the request half of a token endpoint exchange.
func TokenRequest(now time.Time, x Exchange) Step {
	grant := x.Form.Get("grant_type")
	g := grantTitles[grant]
	if g.title == "" {
		g = grantTitles["authorization_code"]
	}
	req := x
	req.Status, req.ResponseHeader, req.ResponseBody, req.Err = 0, nil, "", ""
	links := []Link{g.link, RFC6749ClientAuth}
	if grant == "authorization_code" {
		links = append(links, RFC7636Verifier)
	}
	if x.Form.Has("client_assertion") {
		links = []Link{g.link, RFC7523ClientAuth, RFC7523Claims}
	}
	return Step{
		Kind:    KindTokenRequest,
		At:      now,
		Title:   g.title,
		Summary: g.summary,
		Links:   links,
		Params:  explainParams([]string{"grant_type", "code", "redirect_uri", "code_verifier", "refresh_token", "scope"}, x.Form),
		HTTP:    &req,
		Arrows:  []Arrow{{From: Client, To: AuthServer, Label: "POST /token (" + grant + ")", Channel: Back}},
	}
}

// TokenResponse describes the response half of a token endpoint exchange.
func TokenResponse(now time.Time, x Exchange) Step {
	st := Step{
		Kind:   KindTokenResponse,
		At:     now,
		Title:  "Token response: the authorization server answers",
		HTTP:   &x,
		Links:  []Link{RFC6749TokenResponse},
		Arrows: []Arrow{{From: AuthServer, To: Client, Label: fmt.Sprintf("%d %s", x.Status, x.StatusText()), Channel: Back}},
	}
	if x.Status == 0 {
		st.Title = "Token response: none, the authorization server could not be reached"
		st.Summary = "The request failed before any answer came: " + x.Err
		st.Arrows[0].Label = "no answer"
		return st
	}
	fields := url.Values{}
	var body map[string]any
	if json.Unmarshal(x.RawResponse(), &body) == nil {
		for k, v := range body {
			if s, ok := v.(string); ok {
				fields.Set(k, maskValue(k, s))
			} else {
				fields.Set(k, fmt.Sprint(v))
			}
		}
	}
	st.Params = explainParams([]string{"access_token", "token_type", "expires_in", "refresh_token", "scope", "error", "error_description"}, fields)
	if x.Status == 200 {
		st.Summary = "The authorization server checked the code, the client's secret and the PKCE verifier, " +
			"and issued tokens. They stay on the app's server; your browser never sees them."
		switch grant := x.Form.Get("grant_type"); {
		case grant == "client_credentials" && x.Form.Has("client_assertion"):
			st.Summary = "The authorization server checked the assertion's signature with the client's registered public key, its iss, sub, aud, exp and that its jti is new, and issued an access token."
			st.Links = append(st.Links, RFC7523ClientAuth)
		case grant == "client_credentials":
			st.Summary = "The authorization server checked the machine client's id and secret and issued an access token, with no refresh token: the client can simply ask again."
		case grant == DeviceCodeGrant:
			st.Summary = "The user allowed the device on the other browser, so the next poll got the tokens."
			st.Links = append(st.Links, RFC8628TokenResult)
		}
		return st
	}
	st.Summary = "The authorization server refused the request."
	st.Error = Explain(FromToken, fields.Get("error"), fields.Get("error_description"))
	st.Links = append(st.Links, RFC6749TokenError)
	return st
}

// AccessToken describes the access token the client now holds. kept says
// where the client keeps it, for the diagram's note.
func AccessToken(now time.Time, view *TokenView, kept string) Step {
	return Step{
		Kind:  KindAccessToken,
		At:    now,
		Title: "The access token, opened up",
		Summary: "To the client an access token is an opaque string it passes on to the API. " +
			"This authorization server issues signed JWTs (RFC 9068), so we can look inside: " +
			"the resource API verifies the signature and these claims on every call.",
		Links:  []Link{RFC6749AccessToken, RFC9068Claims, RFC7519Claims},
		Token:  view,
		Arrows: []Arrow{{From: Client, To: Client, Label: kept, Channel: Note}},
	}
}

// APICall describes one call to the resource API.
func APICall(now time.Time, x Exchange) Step {
	path := x.URL
	if u, err := url.Parse(x.URL); err == nil {
		path = u.RequestURI()
	}
	st := Step{
		Kind:   KindAPICall,
		At:     now,
		Title:  "API call: " + x.Method + " " + path,
		HTTP:   &x,
		Links:  []Link{RFC6750Header},
		Arrows: []Arrow{{From: Client, To: ResourceAPI, Label: x.Method + " " + path, Channel: Back}},
	}
	switch {
	case x.Status == 0:
		st.Summary = "The resource API could not be reached: " + x.Err
		st.Arrows = append(st.Arrows, Arrow{From: ResourceAPI, To: Client, Label: "no answer", Channel: Back})
		return st
	case x.Status < 300:
		st.Summary = "The app sent the access token in the Authorization header. The API checked it (signature, issuer, audience, expiry, scope) and answered."
	default:
		st.Summary = "The API refused the request."
		code, desc := ChallengeError(headerValue(x.ResponseHeader, "WWW-Authenticate"))
		if code == "" {
			var body struct{ Error, ErrorDescription string }
			var raw map[string]string
			if json.Unmarshal(x.RawResponse(), &raw) == nil {
				body.Error, body.ErrorDescription = raw["error"], raw["error_description"]
			}
			code, desc = body.Error, body.ErrorDescription
		}
		if code != "" {
			st.Error = Explain(FromResource, code, desc)
			st.Links = append(st.Links, RFC6750Errors)
		}
	}
	st.Arrows = append(st.Arrows, Arrow{From: ResourceAPI, To: Client, Label: fmt.Sprintf("%d %s", x.Status, x.StatusText()), Channel: Back})
	return st
}

// Refresh describes a refresh token exchange (RFC 6749 §6).
func Refresh(now time.Time, x Exchange) Step {
	st := TokenRequest(now, x)
	resp := TokenResponse(now, x)
	st.Kind = KindRefresh
	st.HTTP = &x
	st.Params = append(st.Params, resp.Params...)
	st.Error = resp.Error
	if st.Error != nil {
		st.Summary = "The app tried to refresh the access token, but the authorization server refused: the refresh token is no longer valid. You need to connect again."
	} else if x.Status == 0 {
		st.Summary = "The app tried to refresh the access token, but the authorization server could not be reached."
	}
	st.Links = []Link{RFC6749Refresh, RFC6749ClientAuth}
	st.Arrows = append(st.Arrows, resp.Arrows...)
	st.Arrows[0].Label = "POST /token (refresh_token)"
	return st
}

// Revocation describes a revocation request (RFC 7009).
func Revocation(now time.Time, x Exchange) Step {
	hint := x.Form.Get("token_type_hint")
	st := Step{
		Kind:  KindRevocation,
		At:    now,
		Title: "Revocation: the client tells the authorization server to forget the " + strings.ReplaceAll(hint, "_", " "),
		Summary: "On disconnect the app revokes its tokens at the authorization server, so they are worthless even " +
			"if they leaked, and then deletes them. The server answers 200 even for a token it no longer knows (RFC 7009 §2.2).",
		Links:  []Link{RFC7009Revocation, RFC7009Response},
		Params: explainParams([]string{"token", "token_type_hint"}, x.Form),
		HTTP:   &x,
		Arrows: []Arrow{
			{From: Client, To: AuthServer, Label: "POST /revoke (" + hint + ")", Channel: Back},
			{From: AuthServer, To: Client, Label: fmt.Sprintf("%d %s", x.Status, x.StatusText()), Channel: Back},
		},
	}
	if x.Status == 0 {
		st.Summary = "The revocation request failed: " + x.Err + ". The app deletes its copy of the tokens anyway."
		st.Arrows[1].Label = "no answer"
	} else if x.Status != 200 {
		var raw map[string]string
		_ = json.Unmarshal(x.RawResponse(), &raw)
		st.Error = Explain(FromToken, raw["error"], raw["error_description"])
		st.Summary = "The authorization server refused the revocation. The app deletes its copy of the tokens anyway."
	}
	return st
}

// Failure is an error step: something went wrong and the learner is told
// what and why.
func Failure(now time.Time, title, summary string, info *ErrorInfo, links ...Link) Step {
	label := "✗ " + title
	if info != nil && info.Code != "" {
		label = "✗ error=" + info.Code
	}
	return Step{
		Kind:    KindError,
		At:      now,
		Title:   title,
		Summary: summary,
		Error:   info,
		Links:   links,
		Arrows:  []Arrow{{From: Client, To: Client, Label: label, Channel: Note}},
	}
}

func headerValue(hs []Header, name string) string {
	for _, h := range hs {
		if strings.EqualFold(h.Name, name) {
			return h.Value
		}
	}
	return ""
}
