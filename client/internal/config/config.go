package config

import (
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/oauthlab/oauthlab/shared/contract"
	"github.com/oauthlab/oauthlab/shared/envconfig"
	"github.com/oauthlab/oauthlab/shared/scopes"
)

// Config is the client's validated configuration.
type Config struct {
	Addr string // CLIENT_ADDR: where to listen
	URL  string // CLIENT_URL: the browser-facing base URL of this app

	// Issuer is the authorization server's identifier. RFC 9207 §2.4: the
	// `iss` parameter of an authorization response must equal it exactly.
	Issuer        string
	AuthorizeURL  string // browser-facing (front channel)
	TokenURL      string // back channel
	RevocationURL string // back channel
	APIURL        string // back channel
	// APIPublicURL (CLIENT_API_PUBLIC_URL) is the resource API's public
	// URL, its RESOURCEAPI_URL: DPoP proofs name it (htu) when APIURL is an
	// inner address. It defaults to APIURL.
	APIPublicURL string
	// PodcastsURL is the podcasts API (CLIENT_PODCASTS_URL), back channel:
	// the lab replays tokens there (RFC 8707 audience confusion).
	PodcastsURL string
	// PARURL is the pushed authorization request endpoint (CLIENT_PAR_URL,
	// back channel, RFC 9126); UsePAR (CLIENT_USE_PAR) pushes every
	// authorization request there first.
	PARURL string
	UsePAR bool

	// OpenID Connect (the client as a relying party).
	JWKSURL       string // back channel: the provider's keys, for ID and logout tokens
	UserInfoURL   string // back channel (OIDC Core §5.3)
	EndSessionURL string // browser-facing (OIDC RP-Initiated Logout §2)

	// Scopes are the scopes the picker ticks by default: the music API's
	// and, for signing in, OpenID Connect's.
	Scopes []string

	ClientID, ClientSecret               string
	MachineClientID, MachineClientSecret string
	// DeviceClientID is the public client of `client device`
	// (CLIENT_DEVICE_ID), and DeviceAuthorizationURL its device
	// authorization endpoint (CLIENT_DEVICE_AUTHORIZATION_URL, RFC 8628
	// §3.1, back channel).
	DeviceClientID, DeviceAuthorizationURL string
	// Lab (CLIENT_LAB) turns the attack lab (/lab) on; when false no route
	// reaches it and no page links it.
	Lab bool
	// DPoP (CLIENT_DPOP) binds the session's tokens to a key of the
	// session (RFC 9449); false sends plain Bearer tokens. DPoPAlg
	// (CLIENT_DPOP_ALG) is the key's algorithm: EdDSA or ES256.
	DPoP    bool
	DPoPAlg string

	DB string // CLIENT_DB: a SQLite file path or a postgres:// URL
	// AnonymousSessionTTL is how long a session without tokens lives.
	AnonymousSessionTTL time.Duration
	LogFormat           string
	LogLevel            string

	// TrustedProxies are the load balancers whose X-Forwarded-For is
	// believed (CLIENT_TRUSTED_PROXIES, see shared/clientip); none means
	// the connection's address is the caller's.
	TrustedProxies []netip.Prefix
}

// RedirectURI is where the authorization server sends the browser back
// (RFC 6749 §3.1.2): CLIENT_URL + /callback.
func (c Config) RedirectURI() string { return c.URL + "/callback" }

// PostLogoutRedirectURI is where the OpenID Provider sends the browser
// after RP-initiated logout (OIDC RP-Initiated Logout §3): CLIENT_URL +
// /signed-out.
func (c Config) PostLogoutRedirectURI() string { return c.URL + "/signed-out" }

// BackChannelLogoutURI is where the OpenID Provider posts logout tokens
// (OIDC Back-Channel Logout §2): CLIENT_URL + /backchannel-logout.
func (c Config) BackChannelLogoutURI() string { return c.URL + "/backchannel-logout" }

// SecureCookies reports whether the session cookie must carry the Secure
// attribute: whenever the app itself is served over https.
func (c Config) SecureCookies() bool { return strings.HasPrefix(c.URL, "https://") }

// Load reads the configuration with getenv (os.Getenv in main) and reports
// every problem at once.
func Load(getenv func(string) string) (Config, error) {
	r := envconfig.New(getenv)
	c := Config{
		Addr:   r.String("CLIENT_ADDR", contract.ClientAddr),
		URL:    r.URL("CLIENT_URL", contract.ClientURL),
		Issuer: r.URL("CLIENT_ISSUER", contract.AuthServerURL),
	}
	c.AuthorizeURL = r.URL("CLIENT_AUTHORIZE_URL", c.Issuer+"/authorize")
	c.TokenURL = r.URL("CLIENT_TOKEN_URL", c.Issuer+"/token")
	c.RevocationURL = r.URL("CLIENT_REVOCATION_URL", c.Issuer+"/revoke")
	// The pushed authorization request endpoint is on the back channel,
	// beside /token (RFC 9126 §2).
	c.PARURL = r.URL("CLIENT_PAR_URL", strings.TrimSuffix(c.TokenURL, "/token")+"/par")
	c.UsePAR = r.Bool("CLIENT_USE_PAR", true)
	c.APIURL = r.URL("CLIENT_API_URL", contract.ResourceAPIURL)
	c.APIPublicURL = r.URL("CLIENT_API_PUBLIC_URL", c.APIURL)
	c.PodcastsURL = r.URL("CLIENT_PODCASTS_URL", contract.PodcastsAPIURL)
	c.JWKSURL = r.URL("CLIENT_JWKS_URL", c.Issuer+"/.well-known/jwks.json")
	c.UserInfoURL = r.URL("CLIENT_USERINFO_URL", c.Issuer+"/userinfo")
	c.EndSessionURL = r.URL("CLIENT_END_SESSION_URL", c.Issuer+"/end_session")
	defaultScopes := append(slices.Clone(contract.WebClient.Scopes), scopes.OpenID, scopes.Profile, scopes.Email, scopes.OfflineAccess)
	c.Scopes = scopes.Parse(r.String("CLIENT_SCOPES", scopes.Join(defaultScopes)))
	var unknown []string
	for _, s := range c.Scopes {
		if sc, ok := scopes.Lookup(s); !(ok && sc.UserData) && !scopes.IsOpenIDConnect(s) {
			unknown = append(unknown, s)
		}
	}
	c.ClientID = r.String("CLIENT_ID", contract.WebClient.ID)
	c.ClientSecret = r.String("CLIENT_SECRET", contract.WebClient.Secret)
	c.MachineClientID = r.String("CLIENT_MACHINE_ID", contract.MachineClient.ID)
	c.MachineClientSecret = r.String("CLIENT_MACHINE_SECRET", contract.MachineClient.Secret)
	c.DeviceClientID = r.String("CLIENT_DEVICE_ID", contract.DeviceClient.ID)
	c.DeviceAuthorizationURL = r.URL("CLIENT_DEVICE_AUTHORIZATION_URL", c.Issuer+"/device_authorization")
	c.Lab = r.Bool("CLIENT_LAB", true)
	c.DPoP = r.Bool("CLIENT_DPOP", true)
	c.DPoPAlg = r.OneOf("CLIENT_DPOP_ALG", "EdDSA", "EdDSA", "ES256")
	c.DB = r.String("CLIENT_DB", "data/client.db")
	c.AnonymousSessionTTL = r.Duration("CLIENT_ANONYMOUS_SESSION_TTL", 2*time.Hour)
	c.TrustedProxies = r.IPRanges("CLIENT_TRUSTED_PROXIES")
	c.LogFormat = r.OneOf("LOG_FORMAT", "text", "text", "json")
	c.LogLevel = r.OneOf("LOG_LEVEL", "info", "debug", "info", "warn", "error")
	err := r.Err()
	if len(unknown) > 0 {
		err = errors.Join(err, fmt.Errorf("CLIENT_SCOPES: not a user scope of the music API nor an OpenID Connect scope: %s", strings.Join(unknown, " ")))
	}
	if err != nil {
		return Config{}, fmt.Errorf("configuration: %w", err)
	}
	return c, nil
}
