package oauth

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/oauthlab/oauthlab/shared/scopes"
)

// DefaultIntrospectionCacheTTL is how long an introspection answer is
// reused. It is the longest a revoked token keeps working in introspection
// mode: short enough to feel immediate, long enough that a client sending
// the same token on every request does not cost a round trip each time.
const DefaultIntrospectionCacheTTL = 5 * time.Second

// IntrospectionConfig configures an Introspector.
type IntrospectionConfig struct {
	// URL of the authorization server's introspection endpoint (RFC 7662 §2).
	URL string
	// ClientID and ClientSecret authenticate this API to that endpoint: RFC
	// 7662 §2.1 requires the caller to be authorized, so that token scanning
	// is not open to anyone.
	ClientID, ClientSecret string
	// Issuer and Audience are checked when the answer carries iss and aud
	// (RFC 7662 §4: the resource server should make sure the token was meant
	// for it).
	Issuer, Audience string
	// CacheTTL: DefaultIntrospectionCacheTTL if 0, no cache if negative.
	CacheTTL  time.Duration
	CacheSize int
	Client    *http.Client
	Now       func() time.Time
}

// Introspector asks the authorization server whether a token is active
// (RFC 7662), and caches each answer for a few seconds.
type Introspector struct {
	cfg   IntrospectionConfig
	cache *cache
}

var _ Validator = (*Introspector)(nil)

// NewIntrospector returns an Introspector for cfg.
func NewIntrospector(cfg IntrospectionConfig) *Introspector {
	if cfg.CacheTTL == 0 {
		cfg.CacheTTL = DefaultIntrospectionCacheTTL
	}
	if cfg.Client == nil {
		cfg.Client = &http.Client{Timeout: 5 * time.Second}
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	size := cfg.CacheSize
	if cfg.CacheTTL < 0 {
		size = 0
	}
	return &Introspector{cfg: cfg, cache: newCache(size)}
}

// introspection is the answer of RFC 7662 §2.2.
type introspection struct {
	Active    bool            `json:"active"`
	Scope     string          `json:"scope"`
	ClientID  string          `json:"client_id"`
	Subject   string          `json:"sub"`
	TokenType string          `json:"token_type"`
	Issuer    string          `json:"iss"`
	Audience  json.RawMessage `json:"aud"`
	ExpiresAt int64           `json:"exp"`
	NotBefore int64           `json:"nbf"`
	// Cnf is the DPoP key a bound token is bound to (RFC 9449 §6.2).
	Cnf *struct {
		JKT string `json:"jkt"`
	} `json:"cnf"`
}

// Validate implements Validator.
func (in *Introspector) Validate(ctx context.Context, token string) (*Principal, error) {
	now := in.cfg.Now()
	key := keyOf(token)
	if e, ok := in.cache.get(key, now); ok {
		if e.value == nil {
			return nil, errInactive()
		}
		return e.value, nil
	}
	resp, err := in.ask(ctx, token)
	if err != nil {
		return nil, err
	}
	p, tokenErr := in.check(resp, now)
	until := now.Add(in.cfg.CacheTTL)
	if p != nil && p.ExpiresAt.Before(until) {
		until = p.ExpiresAt
	}
	in.cache.put(key, cacheEntry{value: p, expires: until}, now)
	if tokenErr != nil {
		return nil, tokenErr
	}
	return p, nil
}

func errInactive() *Error {
	return ErrInvalidToken("the access token is not active: it has expired, was revoked, or was never issued")
}

// ask posts the token to the introspection endpoint (RFC 7662 §2.1).
func (in *Introspector) ask(ctx context.Context, token string) (*introspection, error) {
	form := url.Values{"token": {token}, "token_type_hint": {"access_token"}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, in.cfg.URL, strings.NewReader(form.Encode()))
	if err != nil {
		return nil, fmt.Errorf("introspection: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	// RFC 6749 §2.3.1: client_secret_basic, with the id and the secret
	// form-urlencoded before they are joined and base64-encoded.
	req.SetBasicAuth(url.QueryEscape(in.cfg.ClientID), url.QueryEscape(in.cfg.ClientSecret))
	resp, err := in.cfg.Client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("introspection: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("introspection: the authorization server answered %d", resp.StatusCode)
	}
	var out introspection
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&out); err != nil {
		return nil, fmt.Errorf("introspection: bad answer: %w", err)
	}
	return &out, nil
}

// check turns an introspection answer into a Principal, or says why the
// token must be refused.
func (in *Introspector) check(r *introspection, now time.Time) (*Principal, *Error) {
	// RFC 7662 §2.2: active is the only required member; false says nothing
	// more, on purpose.
	if !r.Active {
		return nil, errInactive()
	}
	// A refresh token is "active" too, but it is not for resource servers
	// (RFC 6749 §1.5): only access tokens open the API.
	if t := strings.ToLower(r.TokenType); t != "" && t != "bearer" && t != "dpop" && t != "access_token" {
		return nil, ErrInvalidToken("the token is not an access token")
	}
	// RFC 7662 §4: do not trust an answer about a token for someone else.
	if r.Issuer != "" && r.Issuer != in.cfg.Issuer {
		return nil, ErrInvalidToken("the access token was issued by another authorization server")
	}
	if len(r.Audience) > 0 && !audienceContains(r.Audience, in.cfg.Audience) {
		return nil, ErrInvalidToken("the access token is meant for another resource server")
	}
	if r.ExpiresAt != 0 && !now.Before(time.Unix(r.ExpiresAt, 0)) {
		return nil, ErrInvalidToken("the access token has expired")
	}
	if r.NotBefore != 0 && now.Add(DefaultLeeway).Before(time.Unix(r.NotBefore, 0)) {
		return nil, ErrInvalidToken("the access token is not valid yet")
	}
	exp := now.Add(in.cfg.CacheTTL)
	if r.ExpiresAt != 0 {
		exp = time.Unix(r.ExpiresAt, 0)
	}
	p := &Principal{
		Subject:   r.Subject,
		ClientID:  r.ClientID,
		Scopes:    scopes.Parse(r.Scope),
		ExpiresAt: exp,
	}
	if r.Cnf != nil {
		// RFC 9449 §6.2: introspection tells of the binding in cnf.jkt; one without jkt cannot be checked, so it is refused.
		if p.JKT = r.Cnf.JKT; p.JKT == "" {
			return nil, ErrInvalidToken("the introspection answer has a cnf without jkt")
		}
	}
	return p, nil
}

// audienceContains reads aud as a string or an array of strings (RFC 7519
// §4.1.3) and reports whether it names want.
func audienceContains(raw json.RawMessage, want string) bool {
	var one string
	if json.Unmarshal(raw, &one) == nil {
		return one == want
	}
	var many []string
	if json.Unmarshal(raw, &many) == nil {
		return slices.Contains(many, want)
	}
	return false
}
