package web

import (
	"net/http"

	"github.com/MicahParks/jwkset"
	"github.com/labstack/echo/v4"

	"github.com/oauthlab/oauthlab/authserver/internal/oauth"
)

// handleJWKS publishes the public halves of the signing keys (RFC 7517
// §5): access-token keys, so that the resource API can verify access tokens
// on its own, and ID-token keys, for relying parties (the jwks_uri of OIDC
// Discovery §3). A rotated-in key is listed before it signs; after a
// rotation the old key stays listed until every token it signed has
// expired (see oauth.Keys.Published). The JSON is built by the jwkset
// library, not by hand, from public keys only.
func handleJWKS(keys *oauth.Keys) echo.HandlerFunc {
	return func(c echo.Context) error {
		ctx := c.Request().Context()
		published, err := keys.Published(ctx)
		if err != nil {
			return err
		}
		set := jwkset.NewMemoryStorage()
		for _, k := range published {
			jwk, err := jwkset.NewJWKFromKey(k.Private.Public(), jwkset.JWKOptions{
				Metadata: jwkset.JWKMetadataOptions{KID: k.KID, ALG: jwkset.ALG(k.Alg), USE: jwkset.UseSig},
			})
			if err != nil {
				return err
			}
			if err := set.KeyWrite(ctx, jwk); err != nil {
				return err
			}
		}
		body, err := set.JSONPublic(ctx)
		if err != nil {
			return err
		}
		// Short caching: a rotated-in key must be visible within a minute
		// even to a cache; verifiers also refetch on an unknown kid.
		c.Response().Header().Set("Cache-Control", "public, max-age=60")
		return c.Blob(http.StatusOK, "application/jwk-set+json", body)
	}
}
