// Package contract holds the defaults that the outside world relies on, as
// written in docs/contract.md: where each actor lives, and the demo users and
// clients seeded at start. Each actor reads its configuration from the
// environment and falls back to these values, so a fresh `make run` gives
// exactly this system.
//
// The demo data is for learning only: never seed it in production.
package contract

// Default base URLs of the three actors. Each string, with no trailing slash,
// is also an identifier: the issuer (`iss`) of the authorization server and
// the resource identifier (`aud`) of the resource API.
const (
	AuthServerURL  = "http://localhost:9000"
	ClientURL      = "http://localhost:8080"
	ResourceAPIURL = "http://localhost:9090"
)

// PodcastsAPIURL is where the podcasts API lives: a second, tiny resource
// server this project adds to the contract's three actors, so that a token
// meant for one API can be seen refused by the other (RFC 8707). It is its
// identifier (`aud`) too.
const (
	PodcastsAPIURL  = "http://localhost:9091"
	PodcastsAPIAddr = ":9091"
)

// Default listen addresses. They bind every interface so that docker-compose
// can publish the ports; the browser still uses the URLs above.
const (
	AuthServerAddr  = ":9000"
	ClientAddr      = ":8080"
	ResourceAPIAddr = ":9090"
)

// DemoUser is a resource owner seeded by the authorization server.
//
// Subject is the user's stable identifier, the `sub` claim of their access
// tokens. It is fixed for the demo users (new users get random ones) so that
// the resource API can seed music that belongs to each of them.
type DemoUser struct {
	Username    string
	Password    string
	Subject     string
	DisplayName string
	// The OpenID Connect standard claims (OIDC Core §5.1) that the
	// authorization server releases for the profile and email scopes.
	Name          string // the "name" claim
	Email         string
	EmailVerified bool
}

// The demo users. They own different data in the resource API.
var (
	Alice = DemoUser{Username: "alice", Password: "wonderland", Subject: "demo-user-alice", DisplayName: "Alice",
		Name: "Alice Liddell", Email: "alice@example.com", EmailVerified: true}
	Bob = DemoUser{Username: "bob", Password: "builder", Subject: "demo-user-bob", DisplayName: "Bob",
		Name: "Bob Builder", Email: "bob@example.com", EmailVerified: true}
)

// DemoUsers lists every demo user.
var DemoUsers = []DemoUser{Alice, Bob}

// DemoClient is a client registered by the authorization server's demo seed.
type DemoClient struct {
	ID          string
	Secret      string
	Name        string
	RedirectURI string   // empty for clients with no user interaction
	GrantTypes  []string // RFC 7591 §2 grant_types
	Scopes      []string
}

// WebClient is the demo web app: a confidential client that authenticates at
// the token endpoint with client_secret_basic (RFC 6749 §2.3.1).
var WebClient = DemoClient{
	ID:          "demo-client",
	Secret:      "demo-secret",
	Name:        "Music Stats (demo client)",
	RedirectURI: ClientURL + "/callback",
	GrantTypes:  []string{"authorization_code", "refresh_token"},
	Scopes:      []string{"tracks:read", "playlists:read", "playlists:write"},
}

// MachineClient is a client with no user: it uses the client credentials
// grant (RFC 6749 §4.4) to read service-wide charts.
var MachineClient = DemoClient{
	ID:         "demo-machine",
	Secret:     "machine-secret",
	Name:       "Charts robot (demo machine client)",
	GrantTypes: []string{"client_credentials"},
	Scopes:     []string{"charts:read"},
}

// ResourceAPIClient is the resource API's own identity at the authorization
// server. It asks for no tokens; it only authenticates to the introspection
// endpoint (RFC 7662 §2.1 requires the caller to be authorized).
var ResourceAPIClient = DemoClient{
	ID:     "music-api",
	Secret: "music-api-secret",
	Name:   "Music API (resource server)",
}

// DeviceClient is a public client on a device without a browser (the
// `client device` command): the device authorization grant (RFC 8628).
// It has no secret, since a program on a user's machine cannot keep one.
// This project's addition to the contract's clients.
var DeviceClient = DemoClient{
	ID:         "demo-device",
	Name:       "Top tracks in the terminal (demo device client)",
	GrantTypes: []string{"urn:ietf:params:oauth:grant-type:device_code", "refresh_token"},
	Scopes:     []string{"tracks:read", "playlists:read"},
}

// DemoClients lists every demo client.
var DemoClients = []DemoClient{WebClient, MachineClient, ResourceAPIClient, DeviceClient}
