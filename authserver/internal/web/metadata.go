package web

import (
	"encoding/json"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/oauthlab/oauthlab/authserver/internal/oauth"
)

// metadata is the authorization server metadata (RFC 8414 §2), which is
// also the OpenID Provider metadata (OIDC Discovery §3). Every value is
// true of this server: clients may rely on it.
type metadata struct {
	// Endpoints are the *_endpoint and jwks_uri fields, taken from the
	// routes (see advertised); MarshalJSON puts them beside the rest.
	Endpoints                              map[string]string `json:"-"`
	Issuer                                 string            `json:"issuer"`
	ScopesSupported                        []string          `json:"scopes_supported"`
	ResponseTypesSupported                 []string          `json:"response_types_supported"`
	ResponseModesSupported                 []string          `json:"response_modes_supported"`
	GrantTypesSupported                    []string          `json:"grant_types_supported"`
	TokenEndpointAuthMethodsSupported      []string          `json:"token_endpoint_auth_methods_supported"`
	RevocationEndpointAuthMethodsSupported []string          `json:"revocation_endpoint_auth_methods_supported"`
	IntrospectionAuthMethodsSupported      []string          `json:"introspection_endpoint_auth_methods_supported"`
	// RFC 8414 §2: the algorithms of client assertions.
	TokenEndpointAuthSigningAlgs         []string `json:"token_endpoint_auth_signing_alg_values_supported"`
	RevocationEndpointAuthSigningAlgs    []string `json:"revocation_endpoint_auth_signing_alg_values_supported"`
	IntrospectionEndpointAuthSigningAlgs []string `json:"introspection_endpoint_auth_signing_alg_values_supported"`
	CodeChallengeMethodsSupported        []string `json:"code_challenge_methods_supported"`
	SubjectTypesSupported                []string `json:"subject_types_supported"`
	IDTokenSigningAlgValuesSupported     []string `json:"id_token_signing_alg_values_supported"`
	ClaimsSupported                      []string `json:"claims_supported"`
	ClaimsParameterSupported             bool     `json:"claims_parameter_supported"`
	RequestParameterSupported            bool     `json:"request_parameter_supported"`
	RequestURIParameterSupported         bool     `json:"request_uri_parameter_supported"`
	PromptValuesSupported                []string `json:"prompt_values_supported"`
	BackchannelLogoutSupported           bool     `json:"backchannel_logout_supported"`
	BackchannelLogoutSessionSupported    bool     `json:"backchannel_logout_session_supported"`
	// RFC 9126 §5: whether every client must use /par.
	RequirePushedAuthorizationRequests bool `json:"require_pushed_authorization_requests"`
	// RFC 9207 §3: the iss parameter is in every authorization response.
	AuthorizationResponseIssParameterSupported bool `json:"authorization_response_iss_parameter_supported"`
	// RFC 9449 §5.1: the algorithms DPoP proofs may use.
	DPoPSigningAlgValuesSupported []string `json:"dpop_signing_alg_values_supported"`
}

// handleMetadata serves the one metadata document, at both
// /.well-known/oauth-authorization-server and
// /.well-known/openid-configuration.
func handleMetadata(m metadata) echo.HandlerFunc {
	return func(c echo.Context) error {
		c.Response().Header().Set("Cache-Control", "public, max-age=300")
		return c.JSON(http.StatusOK, m)
	}
}

// buildMetadata describes the server for RFC 8414 and OIDC Discovery alike.
func buildMetadata(s *oauth.Server, endpoints map[string]string) metadata {
	issuer := s.Issuer
	secretMethods := []string{oauth.AuthSecretBasic, oauth.AuthSecretPost, oauth.AuthSecretJWT, oauth.AuthPrivateKeyJWT}
	allMethods := append(secretMethods[:4:4], oauth.AuthNone)
	// RFC 8414 §2: the algorithms of both assertion methods: asymmetric for private_key_jwt, HMAC for client_secret_jwt.
	assertionAlgs := append(oauth.ClientAssertionAlgs[:len(oauth.ClientAssertionAlgs):len(oauth.ClientAssertionAlgs)], oauth.ClientSecretAssertionAlgs...)
	return metadata{
		Issuer:                                     issuer,
		Endpoints:                                  endpoints,
		RequirePushedAuthorizationRequests:         s.RequirePAR,
		ScopesSupported:                            s.SupportedScopes(),
		ResponseTypesSupported:                     oauth.ResponseTypes(),
		ResponseModesSupported:                     []string{"query"},
		GrantTypesSupported:                        oauth.GrantNames(),
		TokenEndpointAuthMethodsSupported:          allMethods,
		RevocationEndpointAuthMethodsSupported:     allMethods,
		IntrospectionAuthMethodsSupported:          secretMethods,
		TokenEndpointAuthSigningAlgs:               assertionAlgs,
		RevocationEndpointAuthSigningAlgs:          assertionAlgs,
		IntrospectionEndpointAuthSigningAlgs:       assertionAlgs,
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
		// true, so its false is said out loud: this server fetches no request
		// objects by reference. The request_uri of a pushed request (RFC
		// 9126) is its own and needs no fetch.
		ClaimsParameterSupported:     false,
		RequestParameterSupported:    false,
		RequestURIParameterSupported: false,
	}
}

// MarshalJSON writes the document with the routed endpoints among its
// fields.
func (m metadata) MarshalJSON() ([]byte, error) {
	type plain metadata // without this method
	doc, err := json.Marshal(plain(m))
	if err != nil {
		return nil, err
	}
	var fields map[string]any
	if err := json.Unmarshal(doc, &fields); err != nil {
		return nil, err
	}
	for name, url := range m.Endpoints {
		fields[name] = url
	}
	return json.Marshal(fields)
}
