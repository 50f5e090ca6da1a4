package config

import (
	"fmt"
	"strings"

	"github.com/oauthlab/oauthlab/shared/contract"
	"github.com/oauthlab/oauthlab/shared/envconfig"
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

	ClientID, ClientSecret               string
	MachineClientID, MachineClientSecret string
	// Lab (CLIENT_LAB) turns the attack lab (/lab) on; when false no route
	// reaches it and no page links it.
	Lab bool

	DB        string // SQLite file
	LogFormat string
	LogLevel  string
}

// RedirectURI is where the authorization server sends the browser back
// (RFC 6749 §3.1.2): CLIENT_URL + /callback.
func (c Config) RedirectURI() string { return c.URL + "/callback" }

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
	c.APIURL = r.URL("CLIENT_API_URL", contract.ResourceAPIURL)
	c.ClientID = r.String("CLIENT_ID", contract.WebClient.ID)
	c.ClientSecret = r.String("CLIENT_SECRET", contract.WebClient.Secret)
	c.MachineClientID = r.String("CLIENT_MACHINE_ID", contract.MachineClient.ID)
	c.MachineClientSecret = r.String("CLIENT_MACHINE_SECRET", contract.MachineClient.Secret)
	c.Lab = r.Bool("CLIENT_LAB", true)
	c.DB = r.String("CLIENT_DB", "data/client.db")
	c.LogFormat = r.OneOf("LOG_FORMAT", "text", "text", "json")
	c.LogLevel = r.OneOf("LOG_LEVEL", "info", "debug", "info", "warn", "error")
	if err := r.Err(); err != nil {
		return Config{}, fmt.Errorf("configuration: %w", err)
	}
	return c, nil
}
