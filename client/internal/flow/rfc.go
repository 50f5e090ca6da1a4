package flow

// Links to the sections each step follows. The inspector shows them beside
// the step, so the learner can read the rule the code obeys.
var (
	RFC6749AuthRequest   = rfcLink("6749", "4.1.1", "Authorization request")
	RFC6749AuthResponse  = rfcLink("6749", "4.1.2", "Authorization response")
	RFC6749AuthError     = rfcLink("6749", "4.1.2.1", "Authorization error response")
	RFC6749TokenRequest  = rfcLink("6749", "4.1.3", "Access token request")
	RFC6749TokenResponse = rfcLink("6749", "5.1", "Successful token response")
	RFC6749TokenError    = rfcLink("6749", "5.2", "Token error response")
	RFC6749ClientAuth    = rfcLink("6749", "2.3.1", "Client password (HTTP Basic)")
	RFC6749Refresh       = rfcLink("6749", "6", "Refreshing an access token")
	RFC6749ClientCreds   = rfcLink("6749", "4.4", "Client credentials grant")
	RFC6749AccessToken   = rfcLink("6749", "1.4", "Access token")
	RFC6749CSRF          = rfcLink("6749", "10.12", "Cross-site request forgery")
	RFC6749Scope         = rfcLink("6749", "3.3", "Access token scope")
	RFC6749RedirectURI   = rfcLink("6749", "3.1.2", "Redirection endpoint")
	RFC6749ResponseType  = rfcLink("6749", "3.1.1", "Response type")
	RFC7636Challenge     = rfcLink("7636", "4.2", "PKCE code challenge")
	RFC7636Verifier      = rfcLink("7636", "4.5", "PKCE code verifier in the token request")
	RFC9207Issuer        = rfcLink("9207", "2.4", "Checking the iss parameter")
	RFC6750Header        = rfcLink("6750", "2.1", "Bearer token in the Authorization header")
	RFC6750Errors        = rfcLink("6750", "3.1", "Bearer token error codes")
	RFC7009Revocation    = rfcLink("7009", "2.1", "Token revocation request")
	RFC7009Response      = rfcLink("7009", "2.2", "Token revocation response")
	RFC9068Claims        = rfcLink("9068", "2.2", "JWT access token claims")
	RFC7519Claims        = rfcLink("7519", "4.1", "Registered JWT claim names")
)

func rfcLink(rfc, section, title string) Link {
	return Link{
		Label: "RFC " + rfc + " §" + section + ": " + title,
		URL:   "https://www.rfc-editor.org/rfc/rfc" + rfc + "#section-" + section,
	}
}
