package oauth

// MetadataPath is where RFC 9728 §3 puts the protected resource metadata of
// a resource whose identifier has no path.
const MetadataPath = "/.well-known/oauth-protected-resource"

// Metadata is the protected resource metadata of RFC 9728 §2: what a client
// needs to find out, from the API alone, where to get a token for it.
type Metadata struct {
	// Resource is the resource identifier, the `aud` of its tokens.
	Resource string `json:"resource"`
	// AuthorizationServers lists the issuers whose tokens are accepted.
	AuthorizationServers []string `json:"authorization_servers"`
	ScopesSupported      []string `json:"scopes_supported"`
	// BearerMethodsSupported: only "header" (RFC 6750 §2.1).
	BearerMethodsSupported []string `json:"bearer_methods_supported"`
	ResourceName           string   `json:"resource_name,omitempty"`
	// DPoPSigningAlgValuesSupported are the algorithms a DPoP proof may use
	// (RFC 9728 §2).
	DPoPSigningAlgValuesSupported []string `json:"dpop_signing_alg_values_supported,omitempty"`
}
