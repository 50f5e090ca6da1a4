package web

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/oauthlab/oauthlab/authserver/internal/oauth"
)

// metadata is the authorization server metadata (RFC 8414 §2), which is
// also the OpenID Provider metadata (OIDC Discovery §3). Every value is
// true of this server: clients may rely on it.
type metadata struct {
	Issuer                                 string   `json:"issuer"`
	AuthorizationEndpoint                  string   `json:"authorization_endpoint"`
	TokenEndpoint                          string   `json:"token_endpoint"`
	UserinfoEndpoint                       string   `json:"userinfo_endpoint"`
	JWKSURI                                string   `json:"jwks_uri"`
	RegistrationEndpoint                   string   `json:"registration_endpoint"`
	EndSessionEndpoint                     string   `json:"end_session_endpoint"`
	DeviceAuthorizationEndpoint            string   `json:"device_authorization_endpoint,omitempty"`
	ScopesSupported                        []string `json:"scopes_supported"`
	ResponseTypesSupported                 []string `json:"response_types_supported"`
	ResponseModesSupported                 []string `json:"response_modes_supported"`
	GrantTypesSupported                    []string `json:"grant_types_supported"`
	TokenEndpointAuthMethodsSupported      []string `json:"token_endpoint_auth_methods_supported"`
	RevocationEndpoint                     string   `json:"revocation_endpoint"`
	RevocationEndpointAuthMethodsSupported []string `json:"revocation_endpoint_auth_methods_supported"`
	IntrospectionEndpoint                  string   `json:"introspection_endpoint"`
	IntrospectionAuthMethodsSupported      []string `json:"introspection_endpoint_auth_methods_supported"`
	CodeChallengeMethodsSupported          []string `json:"code_challenge_methods_supported"`
	SubjectTypesSupported                  []string `json:"subject_types_supported"`
	IDTokenSigningAlgValuesSupported       []string `json:"id_token_signing_alg_values_supported"`
	ClaimsSupported                        []string `json:"claims_supported"`
	ClaimsParameterSupported               bool     `json:"claims_parameter_supported"`
	RequestParameterSupported              bool     `json:"request_parameter_supported"`
	RequestURIParameterSupported           bool     `json:"request_uri_parameter_supported"`
	PromptValuesSupported                  []string `json:"prompt_values_supported"`
	BackchannelLogoutSupported             bool     `json:"backchannel_logout_supported"`
	BackchannelLogoutSessionSupported      bool     `json:"backchannel_logout_session_supported"`
	// RFC 9207 §3: the iss parameter is in every authorization response.
	AuthorizationResponseIssParameterSupported bool `json:"authorization_response_iss_parameter_supported"`
	// RFC 9449 §5.1: the algorithms DPoP proofs may use.
	DPoPSigningAlgValuesSupported []string `json:"dpop_signing_alg_values_supported"`
}

// handleMetadata serves the one metadata document, at both
// /.well-known/oauth-authorization-server and
// /.well-known/openid-configuration.
func handleMetadata(s *oauth.Server) echo.HandlerFunc {
	m := buildMetadata(s)
	return func(c echo.Context) error {
		c.Response().Header().Set("Cache-Control", "public, max-age=300")
		return c.JSON(http.StatusOK, m)
	}
}

// buildMetadata describes the server for RFC 8414 and OIDC Discovery alike.
func buildMetadata(s *oauth.Server) metadata {
	issuer := s.Issuer
	secretMethods := []string{oauth.AuthSecretBasic, oauth.AuthSecretPost}
	allMethods := append(secretMethods[:2:2], oauth.AuthNone)
	grants := []string{oauth.GrantAuthorizationCode, oauth.GrantRefreshToken, oauth.GrantClientCredentials}
	device := ""
	if s.Devices != nil {
		// RFC 8628 §4: the endpoint and the grant are advertised together.
		grants, device = append(grants, oauth.GrantDeviceCode), issuer+"/device_authorization"
	}
	return metadata{
		DeviceAuthorizationEndpoint:                device,
		Issuer:                                     issuer,
		AuthorizationEndpoint:                      issuer + "/authorize",
		TokenEndpoint:                              issuer + "/token",
		JWKSURI:                                    issuer + "/.well-known/jwks.json",
		RegistrationEndpoint:                       issuer + "/register",
		UserinfoEndpoint:                           issuer + "/userinfo",
		EndSessionEndpoint:                         issuer + "/end_session",
		ScopesSupported:                            s.SupportedScopes(),
		ResponseTypesSupported:                     []string{"code"},
		ResponseModesSupported:                     []string{"query"},
		GrantTypesSupported:                        grants,
		TokenEndpointAuthMethodsSupported:          allMethods,
		RevocationEndpoint:                         issuer + "/revoke",
		RevocationEndpointAuthMethodsSupported:     allMethods,
		IntrospectionEndpoint:                      issuer + "/introspect",
		IntrospectionAuthMethodsSupported:          secretMethods,
		CodeChallengeMethodsSupported:              []string{oauth.PKCEMethodS256},
		AuthorizationResponseIssParameterSupported: true,
		DPoPSigningAlgValuesSupported:              dpopAlgs,
		// OIDC Discovery §3: one sub per user for every client.
		SubjectTypesSupported: []string{"public"},
		// OIDC Discovery §3: RS256 must be listed; it is the default.
		IDTokenSigningAlgValuesSupported: oauth.IDTokenAlgs,
		ClaimsSupported: []string{"iss", "sub", "aud", "exp", "iat", "auth_time", "nonce", "at_hash", "sid",
			"name", "preferred_username", "email", "email_verified"},
		PromptValuesSupported:             []string{"none", "login", "consent"},
		BackchannelLogoutSupported:        true,
		BackchannelLogoutSessionSupported: true,
		// OIDC Discovery §3: request_uri_parameter_supported defaults to
		// true, so its false is said out loud (no PAR or request objects yet).
		ClaimsParameterSupported:     false,
		RequestParameterSupported:    false,
		RequestURIParameterSupported: false,
	}
}
