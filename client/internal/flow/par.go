package flow

import (
	"encoding/json"
	"fmt"
	"net/url"
	"time"
)

// Links for pushed authorization requests.
var (
	RFC9126Push      = rfcLink("9126", "2", "Pushed authorization request endpoint")
	RFC9126Response  = rfcLink("9126", "2.2", "Successful pushed authorization response")
	RFC9126Authorize = rfcLink("9126", "4", "Authorization request with a request_uri")
)

// The steps of a pushed authorization request.
const (
	KindPushedRequest Kind = "pushed-authorization-request"
	KindFrontChannel  Kind = "front-channel-request"
)

func init() {
	paramMeanings["request_uri"] = "A reference to the request the client pushed to /par: random, single use, valid for expires_in seconds and only for this client (RFC 9126 §2.2)."
}

// PushedRequest describes the back-channel push of the authorization
// request's parameters to /par (RFC 9126 §2): the client authenticates as
// at /token and gets a request_uri back.
func PushedRequest(now time.Time, x Exchange) Step {
	st := Step{
		Kind:  KindPushedRequest,
		At:    now,
		Title: "Pushed authorization request: the client sends the request's parameters over the back channel",
		Summary: "Instead of putting scope, state, redirect_uri and code_challenge in the browser's address bar, " +
			"the client POSTs them to the authorization server's /par endpoint, authenticated with its secret. " +
			"Nobody on the front channel can read or change them, and the server has checked them before the browser arrives.",
		Links:  []Link{RFC9126Push, RFC9126Response, RFC6749ClientAuth},
		Params: explainParams([]string{"response_type", "client_id", "redirect_uri", "scope", "state", "code_challenge", "code_challenge_method"}, x.Form),
		HTTP:   &x,
		Arrows: []Arrow{
			{From: Client, To: AuthServer, Label: "POST /par (the authorization request)", Channel: Back},
			{From: AuthServer, To: Client, Label: fmt.Sprintf("%d %s: request_uri", x.Status, x.StatusText()), Channel: Back},
		},
	}
	var body struct {
		RequestURI string `json:"request_uri"`
		ExpiresIn  int64  `json:"expires_in"`
	}
	if json.Unmarshal(x.RawResponse(), &body) == nil && body.RequestURI != "" {
		st.Params = append(st.Params, Param{Name: "request_uri (answer)", Value: body.RequestURI, Meaning: paramMeanings["request_uri"]},
			Param{Name: "expires_in (answer)", Value: fmt.Sprint(body.ExpiresIn), Meaning: "Seconds the request_uri stays valid: just long enough for one redirect (RFC 9126 §2.2)."})
	}
	return st
}

// FrontChannelRequest describes the short authorization request the browser
// carries after a push: only client_id and request_uri (RFC 9126 §4).
func FrontChannelRequest(now time.Time, frontURL string) Step {
	u, _ := url.Parse(frontURL)
	var q url.Values
	if u != nil {
		q = u.Query()
	}
	return Step{
		Kind:  KindFrontChannel,
		At:    now,
		Title: "Authorization request, short form: the browser carries only client_id and request_uri",
		Summary: "The redirect to /authorize names the pushed request and nothing else. The authorization server takes the " +
			"request it stored, once, and ignores any other parameter a tampered URL might add.",
		Links:  []Link{RFC9126Authorize},
		Params: explainParams([]string{"client_id", "request_uri"}, q),
		HTTP:   &Exchange{Method: "GET", URL: frontURL},
		Arrows: []Arrow{
			{From: Client, To: Browser, Label: "303 redirect to /authorize?request_uri=…", Channel: Front},
			{From: Browser, To: AuthServer, Label: "GET /authorize?client_id…&request_uri…", Channel: Front},
			{From: AuthServer, To: AuthServer, Label: "sign in and consent", Channel: Note},
		},
	}
}
