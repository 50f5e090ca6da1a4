package flow

import (
	"encoding/json"
	"fmt"
	"net/url"
	"time"
)

// Links for the grants the command line runs: the device authorization
// grant (`client device`) and private_key_jwt client authentication
// (`client charts -auth private_key_jwt`).
var (
	RFC8628Request      = rfcLink("8628", "3.1", "Device authorization request")
	RFC8628Response     = rfcLink("8628", "3.2", "Device authorization response")
	RFC8628Interaction  = rfcLink("8628", "3.3", "User interaction")
	RFC8628TokenRequest = rfcLink("8628", "3.4", "Device access token request")
	RFC8628TokenResult  = rfcLink("8628", "3.5", "Device access token response")
	RFC7591Register     = rfcLink("7591", "3.1", "Client registration request")
	RFC7591Response     = rfcLink("7591", "3.2.1", "Client information response")
	RFC7523ClientAuth   = rfcLink("7523", "2.2", "JWT for client authentication")
	RFC7523Claims       = rfcLink("7523", "3", "JWT format and processing requirements")
)

// The steps only the command line records.
const (
	KindDeviceAuthorization Kind = "device-authorization-request"
	KindUserInteraction     Kind = "user-interaction"
	KindDevicePoll          Kind = "device-poll"
	KindRegistration        Kind = "client-registration"
)

// DeviceCodeGrant is the grant_type of the device access token request
// (RFC 8628 §3.4).
const DeviceCodeGrant = "urn:ietf:params:oauth:grant-type:device_code"

func init() {
	paramMeanings["device_code"] = "The device's secret for polling: only the device knows it, and it is shown here shortened (RFC 8628 §3.2)."
	paramMeanings["user_code"] = "The short code the user types on another device; it ties that browser's consent to this device (RFC 8628 §3.2)."
	paramMeanings["verification_uri"] = "Where the user goes, on any device with a browser, to enter the user code (RFC 8628 §3.2)."
	paramMeanings["verification_uri_complete"] = "The same address with the user code in it, for a QR code (RFC 8628 §3.3.1)."
	paramMeanings["interval"] = "Seconds the device waits between two polls of the token endpoint (RFC 8628 §3.2, §3.5)."
	paramMeanings["client_assertion_type"] = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer: the client authenticates with a signed JWT instead of a secret (RFC 7523 §2.2)."
	paramMeanings["client_assertion"] = "The JWT the client signed with its private key: iss = sub = client_id, aud = the token endpoint, a short life and a fresh jti. Shortened here (RFC 7523 §3)."
	grantTitles[DeviceCodeGrant] = struct {
		title, summary string
		link           Link
	}{"Token request: the device polls for its token",
		"The device sends its device_code to the token endpoint. Until the user has answered on the other device, " +
			"the server says authorization_pending (or slow_down when the device polls too often).", RFC8628TokenRequest}
	// RFC 7523 §2.2: the client assertion is a credential, so the inspector shortens it like a token.
	tokenParams["client_assertion"] = true
	tokenParams["device_code"] = true
}

// DeviceAuthorization describes the device authorization request and its
// response (RFC 8628 §3.1, §3.2).
func DeviceAuthorization(now time.Time, x Exchange) Step {
	st := Step{
		Kind:  KindDeviceAuthorization,
		At:    now,
		Title: "Device authorization request: the device asks for a user code",
		Summary: "A program with no browser of its own POSTs its client_id and scope to the device authorization endpoint, " +
			"and gets a device_code to poll with, a short user_code and the address where the user enters it.",
		Links:  []Link{RFC8628Request, RFC8628Response},
		Params: explainParams([]string{"client_id", "scope"}, x.Form),
		HTTP:   &x,
		Arrows: []Arrow{
			{From: Client, To: AuthServer, Label: "POST /device_authorization", Channel: Back},
			{From: AuthServer, To: Client, Label: fmt.Sprintf("%d %s: user_code", x.Status, x.StatusText()), Channel: Back},
		},
	}
	st.Params = append(st.Params, answerParams(x, "device_code", "user_code", "verification_uri", "verification_uri_complete", "expires_in", "interval")...)
	if x.Status != 200 {
		st.Summary = "The authorization server refused the device authorization request."
		st.Error = Explain(FromToken, fieldOf(x, "error"), fieldOf(x, "error_description"))
	}
	return st
}

// UserInteraction describes what the user does on another device while
// the device polls (RFC 8628 §3.3).
func UserInteraction(now time.Time, verificationURI, userCode string) Step {
	return Step{
		Kind:  KindUserInteraction,
		At:    now,
		Title: "User interaction: the user enters the code on another device",
		Summary: "The command showed the user code and the address (and a QR code). The user opens it in any browser, " +
			"signs in at the authorization server, checks the code and allows or denies.",
		Links:  []Link{RFC8628Interaction},
		Params: []Param{{Name: "verification_uri", Value: verificationURI, Meaning: paramMeanings["verification_uri"]}, {Name: "user_code", Value: userCode, Meaning: paramMeanings["user_code"]}},
		Arrows: []Arrow{
			{From: Client, To: Browser, Label: "shows user_code and address", Channel: Note},
			{From: Browser, To: AuthServer, Label: "GET /device, sign in, enter code, allow", Channel: Front},
		},
	}
}

// DevicePoll describes one poll of the token endpoint that the server
// answered with authorization_pending or slow_down (RFC 8628 §3.5).
func DevicePoll(now time.Time, x Exchange) Step {
	code := fieldOf(x, "error")
	st := Step{
		Kind:    KindDevicePoll,
		At:      now,
		Title:   "Polling: " + code,
		Summary: "The user has not answered yet, so the server answers authorization_pending and the device asks again after the interval.",
		Links:   []Link{RFC8628TokenRequest, RFC8628TokenResult},
		Params:  explainParams([]string{"grant_type", "device_code", "client_id"}, x.Form),
		HTTP:    &x,
		Arrows: []Arrow{
			{From: Client, To: AuthServer, Label: "POST /token (device_code)", Channel: Back},
			{From: AuthServer, To: Client, Label: fmt.Sprintf("%d %s", x.Status, code), Channel: Back},
		},
	}
	if code == "slow_down" {
		st.Summary = "The device polled sooner than the interval allows, so the server answers slow_down and the device adds 5 seconds to its interval (RFC 8628 §3.5)."
	}
	return st
}

// IsPending reports whether x is a device poll the server asked to repeat
// (RFC 8628 §3.5: authorization_pending or slow_down).
func IsPending(x Exchange) bool {
	code := fieldOf(x, "error")
	return x.Form.Get("grant_type") == DeviceCodeGrant && (code == "authorization_pending" || code == "slow_down")
}

// Registration describes a dynamic client registration (RFC 7591 §3.1,
// §3.2.1) of a client that authenticates with its key (private_key_jwt).
func Registration(now time.Time, x Exchange) Step {
	st := Step{
		Kind:  KindRegistration,
		At:    now,
		Title: "Client registration: the machine client registers its public key",
		Summary: "The command POSTs its metadata to /register with token_endpoint_auth_method=private_key_jwt and a jwks holding only " +
			"its public key. The server answers with a client_id and no secret: the private key never leaves the machine.",
		Links:  []Link{RFC7591Register, RFC7591Response, RFC7523ClientAuth},
		Params: answerParams(x, "client_id", "token_endpoint_auth_method"),
		HTTP:   &x,
		Arrows: []Arrow{
			{From: Client, To: AuthServer, Label: "POST /register (jwks)", Channel: Back},
			{From: AuthServer, To: Client, Label: fmt.Sprintf("%d %s: client_id", x.Status, x.StatusText()), Channel: Back},
		},
	}
	if x.Status != 201 {
		st.Summary = "The authorization server refused the registration."
		st.Error = Explain(FromToken, fieldOf(x, "error"), fieldOf(x, "error_description"))
	}
	return st
}

// answerParams lists fields of a JSON response, masked, as "(answer)" params.
func answerParams(x Exchange, names ...string) []Param {
	var body map[string]any
	if json.Unmarshal(x.RawResponse(), &body) != nil {
		return nil
	}
	fields := url.Values{}
	for _, name := range names {
		if v, ok := body[name]; ok {
			if s, isString := v.(string); isString {
				fields.Set(name, maskValue(name, s))
			} else {
				fields.Set(name, fmt.Sprint(v))
			}
		}
	}
	params := explainParams(names, fields)
	for i := range params {
		params[i].Name += " (answer)"
	}
	return params
}

func fieldOf(x Exchange, name string) string {
	var body map[string]any
	if json.Unmarshal(x.RawResponse(), &body) != nil {
		return ""
	}
	s, _ := body[name].(string)
	return s
}
