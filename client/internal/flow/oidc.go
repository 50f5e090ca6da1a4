package flow

import (
	"fmt"
	"net/url"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// The kinds of OpenID Connect step.
const (
	KindIDToken           Kind = "id-token"
	KindNonceCheck        Kind = "nonce-check"
	KindUserInfo          Kind = "userinfo"
	KindEndSession        Kind = "end-session"
	KindSignedOut         Kind = "signed-out"
	KindBackChannelLogout Kind = "backchannel-logout"
)

// Protocol names the specification family a step belongs to, for its label
// in the inspector: OpenID Connect is a layer on top of OAuth 2.0.
func (s Step) Protocol() string {
	switch s.Kind {
	case KindIDToken, KindNonceCheck, KindUserInfo, KindEndSession, KindSignedOut, KindBackChannelLogout:
		return "OpenID Connect"
	}
	return "OAuth 2.0"
}

// Links to the OpenID Connect specifications.
var (
	OIDCCoreAuthRequest = oidcLink("core", "AuthRequest", "Core §3.1.2.1", "Authentication request (scope openid, nonce)")
	OIDCCoreIDToken     = oidcLink("core", "IDToken", "Core §2", "ID token")
	OIDCCoreValidation  = oidcLink("core", "IDTokenValidation", "Core §3.1.3.7", "ID token validation")
	OIDCCoreAtHash      = oidcLink("core", "CodeIDToken", "Core §3.1.3.6", "at_hash")
	OIDCCoreNonce       = oidcLink("core", "NonceNotes", "Core §15.5.2", "Nonce implementation notes")
	OIDCCoreUserInfo    = oidcLink("core", "UserInfo", "Core §5.3", "UserInfo endpoint")
	OIDCCoreUserInfoSub = oidcLink("core", "UserInfoResponse", "Core §5.3.2", "UserInfo response: sub must match")
	OIDCCoreRefresh     = oidcLink("core", "RefreshTokenResponse", "Core §12.2", "Refresh: a new ID token")
	OIDCLogoutRequest   = oidcLink("rpinitiated", "RPLogout", "RP-Initiated Logout §2", "Logout request")
	OIDCLogoutRedirect  = oidcLink("rpinitiated", "RedirectionAfterLogout", "RP-Initiated Logout §3", "Redirection after logout")
	OIDCBackChannel     = oidcLink("backchannel", "Validation", "Back-Channel Logout §2.6", "Logout token validation")
	OIDCBackChannelResp = oidcLink("backchannel", "BCResponse", "Back-Channel Logout §2.8", "Back-channel logout response")
)

func oidcLink(spec, anchor, section, title string) Link {
	return Link{
		Label: "OpenID Connect " + section + ": " + title,
		URL:   "https://openid.net/specs/openid-connect-" + spec + "-1_0.html#" + anchor,
	}
}

// The OpenID Connect parameters, explained like the OAuth ones.
func init() {
	for name, meaning := range map[string]string{
		"nonce": "OpenID Connect: a fresh random value the app keeps with this attempt. The ID token must carry it back, " +
			"which binds the token to this request and makes a replayed ID token useless (OIDC Core §3.1.2.1).",
		"id_token": "OpenID Connect: a signed JWT that tells the app who signed in. It is for the app, never for the API (OIDC Core §2).",
		"id_token_hint": "The ID token the app received, so the OpenID Provider knows which user and session to sign out " +
			"(OIDC RP-Initiated Logout §2).",
		"post_logout_redirect_uri": "Where to send the browser after logout; it must be registered for the client (OIDC RP-Initiated Logout §2).",
		"logout_token":             "A signed JWT from the OpenID Provider saying that a user or session signed out (OIDC Back-Channel Logout §2.4).",
	} {
		paramMeanings[name] = meaning
	}
}

// idClaimMeanings explain the claims of an ID token (OIDC Core §2).
var idClaimMeanings = map[string]string{
	"iss":       "Issuer: the OpenID Provider. The app checks it equals the issuer it uses.",
	"sub":       "Subject: who the user is at the provider, a stable id. This, not the name or e-mail, is the user's key.",
	"aud":       "Audience: this app (its client_id). An ID token is for the client; the API refuses it.",
	"exp":       "Expiry: the app refuses the token after this moment.",
	"iat":       "Issued at: when the provider minted the token.",
	"auth_time": "When the user last actually signed in at the provider (typed their password).",
	"nonce":     "Must equal the nonce the app sent with this attempt (OIDC Core §3.1.3.7).",
	"at_hash":   "Half of the SHA-256 of the access token issued with it: binds the two tokens together (OIDC Core §3.1.3.6).",
	"sid":       "The provider's session id: a back-channel logout names it to end exactly this sign-in.",
	"azp":       "Authorized party: the client the token was issued to.",
	"name":      "The user's full name (scope profile).",
	"email":     "The user's e-mail address (scope email).",
}

var idHeaderMeanings = map[string]string{
	"alg": "The signature algorithm: RS256, as the client expects. \"none\" and HMAC are refused.",
	"typ": "\"JWT\": an ID token. An access token says at+jwt, a logout token logout+jwt, so none passes for another.",
	"kid": "Which key of the provider's JWKS signed it; the app fetched that public key and checked the signature.",
}

// DecodeIDToken opens a verified ID token for display.
func DecodeIDToken(raw string) *TokenView {
	v := &TokenView{Format: "JWT", Shortened: Shorten(raw), Kind: "id_token",
		Note: "The app verified the third part, the signature, with the OpenID Provider's public key (from its JWKS) before trusting any claim above."}
	tok, _, err := jwt.NewParser().ParseUnverified(raw, jwt.MapClaims{})
	if err != nil {
		v.Format = "opaque"
		return v
	}
	for _, name := range sortedKeys(tok.Header, []string{"alg", "typ", "kid"}) {
		v.Header = append(v.Header, Param{Name: name, Value: show(name, tok.Header[name]), Meaning: idHeaderMeanings[name]})
	}
	claims, _ := tok.Claims.(jwt.MapClaims)
	if exp, err := claims.GetExpirationTime(); err == nil && exp != nil {
		v.ExpiresAt = exp.Time
	}
	for _, name := range sortedKeys(claims, []string{"iss", "sub", "aud", "iat", "exp", "auth_time", "nonce", "at_hash", "sid", "name", "email"}) {
		m, ok := idClaimMeanings[name]
		if !ok {
			m = "A claim about the user (OIDC Core §5.1)."
		}
		v.Claims = append(v.Claims, Param{Name: name, Value: show(name, claims[name]), Meaning: m})
	}
	return v
}

// IDToken describes the verified ID token of a token response, beside the
// access token that came with it.
func IDToken(now time.Time, view *TokenView, checks []Check) Step {
	return Step{
		Kind:  KindIDToken,
		At:    now,
		Title: "The ID token, verified: who signed in (OpenID Connect)",
		Summary: "The token response also carried an ID token, because the app asked for the scope openid. " +
			"The two tokens answer different questions for different readers: the ID token tells the client who the user is " +
			"(its audience is this app, and the app verifies it itself), while the access token tells the API what the bearer may do " +
			"(its audience is the API, and to the app it stays an opaque string). The app never sends the ID token to the API.",
		Links:  []Link{OIDCCoreIDToken, OIDCCoreValidation, OIDCCoreAtHash, OIDCCoreNonce},
		Checks: checks,
		Token:  view,
		Arrows: []Arrow{{From: Client, To: Client, Label: "verify ID token (JWKS, nonce)", Channel: Note}},
	}
}

// NonceCheck describes the comparison of the ID token's nonce with the one
// the client kept with the attempt (OIDC Core §3.1.3.7 point 11).
func NonceCheck(now time.Time, ok bool) Step {
	st := Step{
		Kind:  KindNonceCheck,
		At:    now,
		Title: "Nonce check: the ID token answers this browser's request (OpenID Connect)",
		Summary: "The app sent a fresh nonce with the authorization request and kept it on its server with the attempt. " +
			"The ID token must carry the same value back: an ID token stolen from another sign-in, or replayed, carries another one.",
		Links: []Link{OIDCCoreValidation, OIDCCoreNonce},
		Checks: []Check{{Name: "nonce matches", OK: true, Link: OIDCCoreValidation,
			Detail: "The ID token's nonce equals the one kept with this attempt."}},
		Arrows: []Arrow{{From: Client, To: Client, Label: "nonce = the one kept?", Channel: Note}},
	}
	if !ok {
		st.Checks[0] = Check{Name: "nonce does not match", OK: false, Link: OIDCCoreValidation,
			Detail: "The ID token's nonce is missing or differs from the one kept with this attempt: the app refuses it."}
	}
	return st
}

// UserInfo describes a call to the UserInfo endpoint (OIDC Core §5.3).
func UserInfo(now time.Time, x Exchange, checks []Check) Step {
	st := Step{
		Kind:  KindUserInfo,
		At:    now,
		Title: "UserInfo: the client asks the OpenID Provider for the user's claims",
		Summary: "With the access token (a bearer token, RFC 6750), the app asks the provider's UserInfo endpoint for the claims " +
			"its scopes (profile, email) allow. The answer is trusted only if its sub equals the ID token's (OIDC Core §5.3.2).",
		Links:  []Link{OIDCCoreUserInfo, OIDCCoreUserInfoSub, RFC6750Header},
		HTTP:   &x,
		Checks: checks,
		Arrows: []Arrow{
			{From: Client, To: AuthServer, Label: "GET /userinfo", Channel: Back},
			{From: AuthServer, To: Client, Label: fmt.Sprintf("%d %s", x.Status, x.StatusText()), Channel: Back},
		},
	}
	if x.Status == 0 {
		st.Summary = "The UserInfo endpoint could not be reached: " + x.Err
		st.Arrows[1].Label = "no answer"
	}
	return st
}

// EndSession describes the redirect of RP-initiated logout: the browser is
// sent to the provider's end_session_endpoint.
func EndSession(now time.Time, logoutURL string) Step {
	u, _ := url.Parse(logoutURL)
	var q url.Values
	if u != nil {
		q = u.Query()
	}
	if q.Has("id_token_hint") {
		q.Set("id_token_hint", Shorten(q.Get("id_token_hint")))
	}
	return Step{
		Kind:  KindEndSession,
		At:    now,
		Title: "RP-initiated logout: the client sends the browser to the OpenID Provider to sign out there too",
		Summary: "The app revoked its tokens and ended its own session. Signing out everywhere also ends your session at the provider: " +
			"the app redirects your browser to the end_session_endpoint, which asks you to confirm.",
		Links:  []Link{OIDCLogoutRequest},
		Params: explainParams([]string{"id_token_hint", "client_id", "post_logout_redirect_uri", "state"}, q),
		Arrows: []Arrow{
			{From: Client, To: Browser, Label: "303 to /end_session", Channel: Front},
			{From: Browser, To: AuthServer, Label: "GET /end_session", Channel: Front},
		},
	}
}

// SignedOut describes the browser's return from the provider after logout.
func SignedOut(now time.Time, check Check) Step {
	return Step{
		Kind:  KindSignedOut,
		At:    now,
		Title: "Back from the OpenID Provider: signed out there",
		Summary: "The provider ended your session and sent the browser back to the registered post_logout_redirect_uri " +
			"with the state the app sent, which the app checks and spends.",
		Links:  []Link{OIDCLogoutRedirect},
		Checks: []Check{check},
		Arrows: []Arrow{{From: AuthServer, To: Client, Label: "303 /signed-out?state", Channel: Front}},
	}
}

// BackChannelLogout describes a logout token the provider posted, recorded
// in the timeline of each session it ended.
func BackChannelLogout(now time.Time, subject, sid string) Step {
	return Step{
		Kind:  KindBackChannelLogout,
		At:    now,
		Title: "Back-channel logout: the OpenID Provider says you signed out there",
		Summary: "The provider posted a signed logout token to the app, server to server (no browser, no cookie). " +
			"The app verified it (signature, iss, aud, typ logout+jwt, the logout event, no nonce, jti not seen before) " +
			"and ended this session: its tokens are deleted.",
		Links: []Link{OIDCBackChannel, OIDCBackChannelResp},
		Params: []Param{
			{Name: "sub", Value: subject, Meaning: "The user who signed out."},
			{Name: "sid", Value: sid, Meaning: "The provider session that ended; the app ends the client sessions that signed in with it."},
		},
		Arrows: []Arrow{{From: AuthServer, To: Client, Label: "POST /backchannel-logout", Channel: Back}},
	}
}
