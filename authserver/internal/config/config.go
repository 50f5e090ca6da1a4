package config

import (
	"errors"
	"net/netip"
	"strings"
	"time"

	"github.com/oauthlab/oauthlab/shared/contract"
	"github.com/oauthlab/oauthlab/shared/envconfig"
)

// DefaultSigningAlg was chosen by measurement: see BenchmarkSign and
// BenchmarkVerify in internal/oauth and the figures in README.md.
const DefaultSigningAlg = "EdDSA"

// Config is the validated configuration.
type Config struct {
	Addr string // AUTHSERVER_ADDR
	// PprofAddr, when set, serves Go's profiler on this loopback address
	// (AUTHSERVER_PPROF_ADDR; see serve.Profile and `make loadtest`).
	PprofAddr string
	Issuer    string // AUTHSERVER_ISSUER: `iss` of tokens, no trailing slash
	Audience  string // AUTHSERVER_AUDIENCE: `aud` of access tokens
	// PodcastsAudience is the podcasts API's identifier in the seeded
	// registry of protected resources (AUTHSERVER_PODCASTS_AUDIENCE).
	PodcastsAudience string
	// DeviceInterval is the polling interval announced to devices
	// (AUTHSERVER_DEVICE_INTERVAL, RFC 8628 §3.2); tests shorten it.
	DeviceInterval time.Duration
	DBPath         string // AUTHSERVER_DB: a SQLite file path or a postgres:// URL
	SeedDemo       bool   // AUTHSERVER_SEED_DEMO
	// DemoClientRedirectURI is demo-client's redirect URI
	// (AUTHSERVER_DEMO_CLIENT_REDIRECT_URI), for tests that run the client
	// elsewhere.
	DemoClientRedirectURI string
	// DemoBackchannelLogoutURI is where demo-client receives logout tokens
	// (AUTHSERVER_DEMO_BACKCHANNEL_LOGOUT_URI); empty for none.
	DemoBackchannelLogoutURI string
	SigningAlg               string        // AUTHSERVER_SIGNING_ALG
	AccessTokenTTL           time.Duration // AUTHSERVER_ACCESS_TOKEN_TTL
	RefreshTokenTTL          time.Duration // AUTHSERVER_REFRESH_TOKEN_TTL
	CodeTTL                  time.Duration // AUTHSERVER_CODE_TTL
	// RegistrationToken, when set, is the initial access token that
	// POST /register requires (RFC 7591 §3); empty means open registration.
	RegistrationToken string
	// RegistrationsPerHour caps successful registrations per address
	// (AUTHSERVER_REGISTRATIONS_PER_HOUR).
	RegistrationsPerHour int
	CookieSecure         bool // AUTHSERVER_COOKIE_SECURE
	// TrustedProxies are the load balancers whose X-Forwarded-For is
	// believed (AUTHSERVER_TRUSTED_PROXIES, see shared/clientip); none
	// means the connection's address is the caller's.
	TrustedProxies []netip.Prefix
	// DPoPNonces makes every DPoP proof at /token and /userinfo carry a
	// server nonce (RFC 9449 §8; AUTHSERVER_DPOP_NONCES).
	DPoPNonces bool
	// RequirePAR makes every client push its authorization requests to
	// /par first (AUTHSERVER_REQUIRE_PAR, RFC 9126 §5).
	RequirePAR bool
	LogFormat  string
	LogLevel   string
}

// Load reads and validates the configuration, reporting every problem at once.
func Load(getenv func(string) string) (Config, error) {
	r := envconfig.New(getenv)
	c := Config{
		Addr:                     r.String("AUTHSERVER_ADDR", contract.AuthServerAddr),
		PprofAddr:                r.String("AUTHSERVER_PPROF_ADDR", ""),
		Issuer:                   r.URL("AUTHSERVER_ISSUER", contract.AuthServerURL),
		Audience:                 r.URL("AUTHSERVER_AUDIENCE", contract.ResourceAPIURL),
		PodcastsAudience:         r.URL("AUTHSERVER_PODCASTS_AUDIENCE", contract.PodcastsAPIURL),
		DeviceInterval:           r.Duration("AUTHSERVER_DEVICE_INTERVAL", 5*time.Second),
		DBPath:                   r.String("AUTHSERVER_DB", "data/authserver.db"),
		SeedDemo:                 r.Bool("AUTHSERVER_SEED_DEMO", true),
		SigningAlg:               r.OneOf("AUTHSERVER_SIGNING_ALG", DefaultSigningAlg, "ES256", "EdDSA", "RS256", "PS256"),
		AccessTokenTTL:           r.Duration("AUTHSERVER_ACCESS_TOKEN_TTL", 10*time.Minute),
		RefreshTokenTTL:          r.Duration("AUTHSERVER_REFRESH_TOKEN_TTL", 720*time.Hour),
		CodeTTL:                  r.Duration("AUTHSERVER_CODE_TTL", time.Minute),
		RegistrationToken:        r.String("AUTHSERVER_REGISTRATION_TOKEN", ""),
		RegistrationsPerHour:     r.Int("AUTHSERVER_REGISTRATIONS_PER_HOUR", 20, 1),
		DPoPNonces:               r.Bool("AUTHSERVER_DPOP_NONCES", false),
		RequirePAR:               r.Bool("AUTHSERVER_REQUIRE_PAR", false),
		TrustedProxies:           r.IPRanges("AUTHSERVER_TRUSTED_PROXIES"),
		LogFormat:                r.OneOf("LOG_FORMAT", "text", "text", "json"),
		LogLevel:                 r.String("LOG_LEVEL", "info"),
		DemoClientRedirectURI:    r.String("AUTHSERVER_DEMO_CLIENT_REDIRECT_URI", contract.WebClient.RedirectURI),
		DemoBackchannelLogoutURI: r.String("AUTHSERVER_DEMO_BACKCHANNEL_LOGOUT_URI", contract.ClientURL+"/backchannel-logout"),
	}
	// Cookies are Secure whenever the issuer is https, unless told otherwise.
	c.CookieSecure = r.Bool("AUTHSERVER_COOKIE_SECURE", strings.HasPrefix(c.Issuer, "https://"))
	err := r.Err()
	if c.AccessTokenTTL > 24*time.Hour {
		err = errors.Join(err, errors.New("AUTHSERVER_ACCESS_TOKEN_TTL: at most 24h; access tokens should be short-lived"))
	}
	if c.CodeTTL > 10*time.Minute {
		// RFC 6749 §4.1.2: "A maximum authorization code lifetime of 10
		// minutes is RECOMMENDED."
		err = errors.Join(err, errors.New("AUTHSERVER_CODE_TTL: at most 10m (RFC 6749 §4.1.2)"))
	}
	if err != nil {
		return Config{}, err
	}
	return c, nil
}
