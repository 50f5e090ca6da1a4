package web

import (
	"github.com/labstack/echo/v4"

	"github.com/oauthlab/oauthlab/resourceapi/internal/oauth"
	"github.com/oauthlab/oauthlab/shared/dpop"
	"github.com/oauthlab/oauthlab/shared/scopes"
)

// handleMetadata serves the protected resource metadata (RFC 9728 §3).
func handleMetadata(resource, issuer string) echo.HandlerFunc {
	md := oauth.Metadata{
		// RFC 9728 §3.3: resource must be the identifier the metadata was
		// fetched for.
		Resource:               resource,
		AuthorizationServers:   []string{issuer},
		ScopesSupported:        scopes.Names(),
		BearerMethodsSupported: []string{"header"},
		ResourceName:           "Music API (demo resource server)",
		// RFC 9728 §2: the DPoP proof algorithms, the verifier's allow-list.
		DPoPSigningAlgValuesSupported: dpop.DefaultAlgs,
	}
	return handleResourceMetadata(md)
}
