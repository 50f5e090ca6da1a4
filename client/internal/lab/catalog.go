package lab

// catalog lists the scenarios in the order. Rules come from the
// generated table (rules_gen.go), never typed by hand as file:line.
func catalog() []Scenario {
	list := []Scenario{
		{
			ID: "login-csrf", Number: 1, Title: "Login CSRF: forced account linking without state",
			Attacker: "Bob, a user of the same authorization server.",
			Holds:    "An authorization code for his own account, made by starting a flow and stopping before the redirect.",
			Wants:    "Alice's client session linked to Bob's account, so that what Alice saves lands where Bob can read it.",
			Rule:     ruleIn("RFC 6749 §10.12", "client/internal/flow/steps.go", "state must be"),
			Naive:    "a callback that exchanges any code it receives, without checking state",
			run:      runLoginCSRF,
		},
		{
			ID: "code-interception", Number: 2, Title: "Authorization code interception without the PKCE verifier",
			Attacker: "A malicious app on Alice's device that registered the same redirect URI.",
			Holds:    "Alice's authorization code, read from the redirect meant for the real app.",
			Wants:    "Tokens for Alice's account.",
			Rule:     ruleIn("RFC 7636 §4.6", "authserver/internal/oauth/grant_authorization_code.go", ""),
			run:      runCodeInterception,
		},
		{
			ID: "redirect-uri", Number: 3, Title: "redirect_uri manipulation",
			Attacker: "Anyone who can send Alice a link.",
			Holds:    "The real client's id and a URL of their own.",
			Wants:    "The authorization server to send Alice's code to the attacker's URL.",
			Rule:     ruleIn("RFC 9700 §4.1.3", "authserver/internal/oauth/authorize.go", ""),
			Naive:    "a check that accepts any redirect URI starting with the registered one",
			run:      runRedirectURI,
		},
		{
			ID: "open-redirector", Number: 4, Title: "Open redirector through error responses",
			Attacker: "Anyone who can register a client and send Alice a link.",
			Holds:    "A client of their own, registered with the attacker's redirect URI.",
			Wants:    "A link on the trusted authorization server that bounces Alice to the attacker's site.",
			Rule:     ruleIn("RFC 9700 §4.11.2", "authserver/internal/web/authorize.go", ""),
			Naive:    "a server that redirects every error of a known client",
			run:      runOpenRedirector,
		},
		{
			ID: "code-replay", Number: 5, Title: "Authorization code replay",
			Attacker: "Someone who copied a code from a log or a browser history after the client used it.",
			Holds:    "A code that has already been exchanged.",
			Wants:    "A second set of tokens from it.",
			Rule:     ruleIn("RFC 6749 §4.1.2", "authserver/internal/oauth/grant_authorization_code.go", "used twice"),
			run:      runCodeReplay,
		},
		{
			ID: "refresh-reuse", Number: 6, Title: "A stolen refresh token used after rotation",
			Attacker: "Someone who stole a refresh token (from a backup, a log).",
			Holds:    "A refresh token the real client has since rotated.",
			Wants:    "Fresh access tokens, forever.",
			Rule:     ruleIn("RFC 9700 §4.14.2", "authserver/internal/oauth/grant_refresh_token.go", ""),
			run:      runRefreshReuse,
		},
		{
			ID: "mix-up", Number: 7, Title: "Mix-up: an authorization response claiming another issuer",
			Attacker: "An authorization server the client also talks to, turned hostile.",
			Holds:    "A pending flow of Alice's and the ability to answer it.",
			Wants:    "The client to treat its answer as coming from the honest server, and send it the code.",
			Rule:     ruleIn("RFC 9207 §2.4", "client/internal/flow/steps.go", ""),
			Naive:    "a callback that does not check iss",
			run:      runMixUp,
		},
		{
			ID: "scope-escalation", Number: 8, Title: "Scope escalation on refresh",
			Attacker: "A client (or a thief of its refresh token) that wants more than the user allowed.",
			Holds:    "A refresh token for tracks:read.",
			Wants:    "An access token that can also read playlists.",
			Rule:     ruleIn("RFC 6749 §6", "authserver/internal/oauth/grant_refresh_token.go", "narrow"),
			Naive:    "a token endpoint that grants whatever scope a refresh asks for",
			run:      runScopeEscalation,
		},
		{
			ID: "forged-tokens", Number: 9, Title: "Forged access tokens",
			Attacker: "Anyone on the internet.",
			Holds:    "The authorization server's public keys (they are public) and a JWT library.",
			Wants:    "An access token the resource API accepts, without asking the authorization server.",
			Rule:     ruleIn("RFC 8725 §3.1", "resourceapi/internal/oauth/jwt.go", ""),
			Naive:    "a verifier that trusts the token's own alg and kid headers",
			Notes: "The expired and wrong-aud variants edit a real token, so what refuses them here is the broken signature; " +
				"a validly signed expired or wrong-audience token is refused by exp and aud, which the resource API's own TestForgedTokens proves with a key the API trusts. " +
				"A genuine token for another audience is coming with resource indicators (RFC 8707).",
			run: runForgedTokens,
		},
		{
			ID: "audience-confusion", Number: 10, Title: "Token replay at another API (audience confusion)",
			Attacker: "A second resource API (the podcasts API) that received Alice's token.",
			Holds:    "A valid access token meant for itself, or one meant for the music API.",
			Wants:    "To use it at the other API.",
			Rule:     ruleIn("RFC 9068 §4", "resourceapi/internal/oauth/jwt.go", "aud must contain us"),
			Naive:    "a resource server that checks the signature and the issuer but skips aud",
			run:      runAudienceConfusion,
		},
		{
			ID: "stolen-access-token", Number: 11, Title: "Stolen access token: Bearer against DPoP",
			Attacker: "Someone who read an access token off the wire or a log.",
			Holds:    "The access token, but not the client's private key.",
			Wants:    "To call the API as Alice.",
			Rule:     ruleIn("RFC 9449 §7.1", "resourceapi/internal/oauth/dpop.go", "as Bearer"),
			Naive:    "a lab session with DPoP off: the token is a plain Bearer token",
			run:      runStolenAccessToken,
		},
		{
			ID: "clickjacking", Number: 12, Title: "Clickjacking the consent page",
			Attacker: "A page that frames the consent page under a decoy button.",
			Holds:    "Alice's visit to their page while she is signed in at the authorization server.",
			Wants:    "Alice's click on Allow without her knowing.",
			Rule:     ruleIn("RFC 6749 §10.13", "authserver/internal/web/routes.go", ""),
			run:      runClickjacking,
		},
		{
			ID: "password-guessing", Number: 13, Title: "Password guessing",
			Attacker: "A script that tries common passwords.",
			Holds:    "A username.",
			Wants:    "The password, or at least to lock the real user out.",
			Rule:     ruleIn("RFC 6585 §4", "authserver/internal/web/login.go", ""),
			run:      runPasswordGuessing,
		},
		{
			ID: "ssrf-registration", Number: 14, Title: "SSRF through registration metadata",
			Attacker: "Anyone who may register a client.",
			Holds:    "A registration request with logo_uri and jwks_uri pointing into the server's own network.",
			Wants:    "The authorization server to fetch those URLs for them.",
			Rule:     ruleIn("RFC 7591 §5", "authserver/internal/oauth/register.go", ""),
			run:      runSSRF,
		},
		{
			ID: "cookie-tossing", Number: 15, Title: "CSRF on consent by cookie tossing",
			Attacker: "A page on a sibling origin (same host, another port) that can set cookies.",
			Holds:    "A CSRF cookie and token of its own, and a page Alice visits while she looks at a consent page.",
			Wants:    "To post Allow for the attacker's app in Alice's name.",
			Rule:     ruleIn("RFC 6749 §10.12", "authserver/internal/web/csrf.go", ""),
			Naive:    "a double-submit check that compares the form's token with a cookie",
			run:      runCookieTossing,
		},
		{
			ID: "id-token-substitution", Number: 16, Title: "ID token substitution",
			Attacker: "Someone holding an ID token of Alice's (for this client or another).",
			Holds:    "An ID token of Alice's, genuine and signed by the authorization server.",
			Wants:    "To use it where it does not belong: as an access token at the music API, as proof of who signed in at a client it was not issued to (the demo client), or in answer to another sign-in (a nonce the client never sent).",
			Rule:     ruleIn("RFC 9068 §4", "resourceapi/internal/oauth/jwt.go", "typ"),
			Naive:    "a check that looks only at the signature (and the issuer)",
			run:      runIDTokenSubstitution,
		},
	}
	for i := range list {
		if list[i].Status == "" {
			list[i].Status = StatusReady
		}
	}
	return list
}
