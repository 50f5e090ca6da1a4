package web

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/oauthlab/oauthlab/authserver/internal/oauth"
	"github.com/oauthlab/oauthlab/shared/scopes"
)

// metadata is the authorization server metadata (RFC 8414 §2). Every
// value is true of this server: clients may rely on it.
type metadata struct {
	Issuer                                 string   `json:"issuer"`
	AuthorizationEndpoint                  string   `json:"authorization_endpoint"`
	TokenEndpoint                          string   `json:"token_endpoint"`
	JWKSURI                                string   `json:"jwks_uri"`
	RegistrationEndpoint                   string   `json:"registration_endpoint"`
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
	// RFC 9207 §3: the iss parameter is in every authorization response.
	AuthorizationResponseIssParameterSupported bool `json:"authorization_response_iss_parameter_supported"`
}

func handleMetadata(issuer string) echo.HandlerFunc {
	secretMethods := []string{oauth.AuthSecretBasic, oauth.AuthSecretPost}
	allMethods := append(secretMethods[:2:2], oauth.AuthNone)
	m := metadata{
		Issuer:                                     issuer,
		AuthorizationEndpoint:                      issuer + "/authorize",
		TokenEndpoint:                              issuer + "/token",
		JWKSURI:                                    issuer + "/.well-known/jwks.json",
		RegistrationEndpoint:                       issuer + "/register",
		ScopesSupported:                            scopes.Names(),
		ResponseTypesSupported:                     []string{"code"},
		ResponseModesSupported:                     []string{"query"},
		GrantTypesSupported:                        []string{oauth.GrantAuthorizationCode, oauth.GrantRefreshToken, oauth.GrantClientCredentials},
		TokenEndpointAuthMethodsSupported:          allMethods,
		RevocationEndpoint:                         issuer + "/revoke",
		RevocationEndpointAuthMethodsSupported:     allMethods,
		IntrospectionEndpoint:                      issuer + "/introspect",
		IntrospectionAuthMethodsSupported:          secretMethods,
		CodeChallengeMethodsSupported:              []string{oauth.PKCEMethodS256},
		AuthorizationResponseIssParameterSupported: true,
	}
	return func(c echo.Context) error {
		c.Response().Header().Set("Cache-Control", "public, max-age=300")
		return c.JSON(http.StatusOK, m)
	}
}
