package flow

import "time"

// Kind names a step of the timeline. The values are stable: pages carry them
// in data-step attributes, and tests look for them.
type Kind string

// The kinds of step, in the order a flow usually meets them.
const (
	KindAuthorizationRequest  Kind = "authorization-request"
	KindAuthorizationResponse Kind = "authorization-response"
	KindTokenRequest          Kind = "token-request"
	KindTokenResponse         Kind = "token-response"
	KindAccessToken           Kind = "access-token"
	KindAPICall               Kind = "api-call"
	KindRefresh               Kind = "refresh"
	KindRevocation            Kind = "revocation"
	KindError                 Kind = "error"
	KindDPoPProof             Kind = "dpop-proof"
)

// Step is one thing that happened in a session's flow, with everything the
// inspector shows about it. It is stored as JSON, so fields only grow.
type Step struct {
	Kind    Kind      `json:"kind"`
	At      time.Time `json:"at"`
	Title   string    `json:"title"`
	Summary string    `json:"summary"` // what happened, in plain words
	Links   []Link    `json:"links,omitempty"`

	// Arrows are this step's messages in the sequence diagram.
	Arrows []Arrow `json:"arrows,omitempty"`

	Params []Param    `json:"params,omitempty"` // named parameters, explained
	Checks []Check    `json:"checks,omitempty"` // what the client verified
	HTTP   *Exchange  `json:"http,omitempty"`   // the back-channel message on the wire
	Token  *TokenView `json:"token,omitempty"`  // a decoded access token
	Error  *ErrorInfo `json:"error,omitempty"`  // an error response, explained
}

// Link points at the part of a specification a step follows.
type Link struct {
	Label string `json:"label"` // "RFC 6749 §4.1.1"
	URL   string `json:"url"`
}

// Param is one named value (a query or form parameter, a claim) with what it
// is for.
type Param struct {
	Name    string `json:"name"`
	Value   string `json:"value"`
	Meaning string `json:"meaning"`
}

// Check is one verification the client made, and its result.
type Check struct {
	Name   string `json:"name"`
	OK     bool   `json:"ok"`
	Detail string `json:"detail"`
	Link   Link   `json:"link"`
}

// ErrorInfo is an OAuth error response with its meaning.
type ErrorInfo struct {
	Code        string `json:"code"`
	Description string `json:"description,omitempty"` // as the server sent it
	Meaning     string `json:"meaning"`               // what it means, from the RFC
	Link        Link   `json:"link"`
}

// Lane is one of the four parties of the sequence diagram.
type Lane int

// The four parties, left to right.
const (
	Browser Lane = iota
	Client
	AuthServer
	ResourceAPI
)

// Lanes lists the parties in diagram order.
var Lanes = []Lane{Browser, Client, AuthServer, ResourceAPI}

func (l Lane) String() string {
	switch l {
	case Browser:
		return "Browser (resource owner)"
	case Client:
		return "Client (this app)"
	case AuthServer:
		return "Authorization server"
	case ResourceAPI:
		return "Resource API"
	}
	return "?"
}

// Channel tells how a message travels.
type Channel string

// Front-channel messages go through the browser as redirects: the user can
// see and change them. Back-channel messages are direct calls between two
// servers. A note marks something a party does by itself.
const (
	Front Channel = "front"
	Back  Channel = "back"
	Note  Channel = "note"
)

// Arrow is one message of the sequence diagram. For a note, To equals From.
type Arrow struct {
	From    Lane    `json:"from"`
	To      Lane    `json:"to"`
	Label   string  `json:"label"`
	Channel Channel `json:"channel"`
}

// Channel returns how the step's messages travelled: the channel of its
// first arrow that is not a note, or Note when it has none.
func (s Step) Channel() Channel {
	for _, a := range s.Arrows {
		if a.Channel != Note {
			return a.Channel
		}
	}
	return Note
}
