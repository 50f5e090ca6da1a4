package identity

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
)

// Error is a token that failed a check. Rule is the spec section the check
// follows ("OIDC Core §3.1.3.7"); Reason says what was wrong.
type Error struct {
	Rule   string
	Reason string
	// Claim names the claim or header the check read ("nonce", "at_hash",
	// "typ", ...); empty for the checks go-oidc made.
	Claim  string
	replay bool
}

func (e *Error) Error() string { return e.Rule + ": " + e.Reason }

// Is makes errors.Is(err, ErrReplayed) true for a replayed logout token.
func (e *Error) Is(target error) bool { return e.replay && target == ErrReplayed }

func fail(rule, format string, args ...any) *Error {
	return &Error{Rule: rule, Reason: fmt.Sprintf(format, args...)}
}

// failClaim is fail for a check of one claim or header.
func failClaim(claim, rule, format string, args ...any) *Error {
	e := fail(rule, format, args...)
	e.Claim = claim
	return e
}

// ErrReplayed is returned by a ReplayGuard when a logout token's jti was seen
// before.
var ErrReplayed = errors.New("identity: logout token already used")

// ReplayGuard remembers the jti of every logout token until it expires
// (store.Store in production, so that every replica refuses a replay).
type ReplayGuard interface {
	// RecordLogoutJTI records jti until expiry; it returns ErrReplayed when
	// the jti is already recorded.
	RecordLogoutJTI(ctx context.Context, jti string, expiry time.Time) error
}

// Verifier checks the tokens of one OpenID Provider for one client.
type Verifier struct {
	tokens   *oidc.IDTokenVerifier
	clientID string
	replays  ReplayGuard
}

// NewVerifier returns a verifier for tokens of issuer addressed to
// clientID, signed by a key of the JWKS at jwksURL (a back-channel address,
// which under docker-compose differs from the issuer). ctx carries the HTTP
// client for the JWKS (oidc.ClientContext) and lives as long as the
// verifier. now is the clock (time.Now in main).
func NewVerifier(ctx context.Context, issuer, jwksURL, clientID string, replays ReplayGuard, now func() time.Time) *Verifier {
	keys := oidc.NewRemoteKeySet(ctx, jwksURL)
	return &Verifier{
		tokens: oidc.NewVerifier(issuer, keys, &oidc.Config{
			ClientID: clientID,
			// OIDC Core §3.1.3.7: the alg must be the one registered for
			// the client (RS256, the default); "none" and HMAC are refused.
			SupportedSigningAlgs: []string{oidc.RS256},
			Now:                  now,
		}),
		clientID: clientID,
		replays:  replays,
	}
}

// Expect is what the client knows of the request the ID token answers.
type Expect struct {
	// Nonce is the value sent in the authorization request, kept with the
	// pending attempt; empty for a refresh (OIDC Core §12.2: no nonce then).
	Nonce string
	// AccessToken is the access token issued with the ID token.
	AccessToken string
	// MaxAge is true when the request carried max_age.
	MaxAge bool
	// Subject is the sub of the session's earlier ID token, for a refresh.
	Subject string
}

// IDToken is a verified ID token: who signed in, according to the provider.
type IDToken struct {
	Raw       string // kept as the id_token_hint of RP-initiated logout
	Subject   string
	SessionID string // sid: the provider's session, named in logout tokens
	Name      string
	Email     string
	Expiry    time.Time
	AuthTime  time.Time
	Header    map[string]any
	Claims    map[string]any
}

// idClaims are the claims of an ID token this package reads.
type idClaims struct {
	AuthTime *int64 `json:"auth_time"`
	Azp      string `json:"azp"`
	Sid      string `json:"sid"`
	Name     string `json:"name"`
	Email    string `json:"email"`
}

// VerifyIDToken checks raw as the ID token of a token response.
func (v *Verifier) VerifyIDToken(ctx context.Context, raw string, want Expect) (*IDToken, error) {
	header, err := joseHeader(raw)
	if err != nil {
		return nil, err
	}
	// OIDC Core §3.1.3.7: signature (kid from the provider's JWKS), iss,
	// aud containing client_id and exp are checked by go-oidc.
	tok, err := v.tokens.Verify(ctx, raw)
	if err != nil {
		return nil, fail("OIDC Core §3.1.3.7", "%v", err)
	}
	// RFC 8725 §3.11: a typ other than JWT would be another kind of token
	// (an access token is at+jwt, a logout token logout+jwt).
	if typ, ok := header["typ"].(string); ok && !strings.EqualFold(typ, "JWT") {
		return nil, failClaim("typ", "RFC 8725 §3.11", "typ is %q, not JWT: this is not an ID token", typ)
	}
	var c idClaims
	if err := tok.Claims(&c); err != nil {
		return nil, fail("OIDC Core §2", "claims: %v", err)
	}
	// OIDC Core §3.1.3.7: with several audiences, or an azp, azp must be
	// this client: the token was issued to it, not just for it.
	if c.Azp != "" && c.Azp != v.clientID {
		return nil, failClaim("azp", "OIDC Core §3.1.3.7", "azp is %q, not this client", c.Azp)
	}
	if len(tok.Audience) > 1 && c.Azp == "" {
		// OIDC Core §3.1.3.7: several audiences need an azp naming this client.
		return nil, failClaim("azp", "OIDC Core §3.1.3.7", "several audiences and no azp")
	}
	// OIDC Core §3.1.3.7: the nonce must equal the one sent, which binds the
	// token to this browser's request and defeats replayed ID tokens.
	if tok.Nonce != want.Nonce {
		return nil, failClaim("nonce", "OIDC Core §3.1.3.7", "nonce does not match the one this app sent")
	}
	// OIDC Core §3.1.3.6: at_hash binds the access token to the ID token,
	// so neither can be swapped for another.
	if want.AccessToken != "" && tok.AccessTokenHash != "" {
		if err := tok.VerifyAccessToken(want.AccessToken); err != nil {
			return nil, failClaim("at_hash", "OIDC Core §3.1.3.6", "at_hash does not match the access token")
		}
	}
	// OIDC Core §3.1.3.7: when max_age was sent, auth_time must be there
	// to tell how long ago the user signed in.
	if want.MaxAge && c.AuthTime == nil {
		return nil, failClaim("auth_time", "OIDC Core §3.1.3.7", "max_age was sent but auth_time is missing")
	}
	// OIDC Core §12.2: a refreshed ID token must be about the same user.
	if want.Subject != "" && tok.Subject != want.Subject {
		return nil, failClaim("sub", "OIDC Core §12.2", "the refreshed ID token names another user")
	}
	var claims map[string]any
	_ = tok.Claims(&claims)
	out := &IDToken{Raw: raw, Subject: tok.Subject, SessionID: c.Sid, Name: c.Name, Email: c.Email,
		Expiry: tok.Expiry, Header: header, Claims: claims}
	if c.AuthTime != nil {
		out.AuthTime = time.Unix(*c.AuthTime, 0)
	}
	return out, nil
}

// Logout is a verified back-channel logout token.
type Logout struct {
	Subject   string
	SessionID string
	JTI       string
	Expiry    time.Time
}

// VerifyLogoutToken checks raw as a logout token (OIDC Back-Channel Logout
// §2.6) and records its jti. It returns ErrReplayed (wrapped) for a token
// seen before.
func (v *Verifier) VerifyLogoutToken(ctx context.Context, raw string) (*Logout, error) {
	header, err := joseHeader(raw)
	if err != nil {
		return nil, err
	}
	// OIDC Back-Channel Logout §2.6: signature, iss, aud and exp are checked
	// as for an ID token; go-oidc also checks that the events claim holds
	// the back-channel logout event, that there is no nonce (so an ID token
	// cannot pass as a logout token), a jti, and a sub or a sid.
	tok, err := v.tokens.VerifyLogout(ctx, raw)
	if err != nil {
		return nil, fail("OIDC Back-Channel Logout §2.6", "%v", err)
	}
	// OIDC Back-Channel Logout §2.4: typ must be logout+jwt, so that no
	// other JWT of the provider can be used as a logout token.
	if typ, _ := header["typ"].(string); !strings.EqualFold(typ, "logout+jwt") {
		return nil, fail("OIDC Back-Channel Logout §2.4", "typ is %q, not logout+jwt", typ)
	}
	// OIDC Back-Channel Logout §2.6: a jti seen before is a replay.
	if err := v.replays.RecordLogoutJTI(ctx, tok.TokenID, tok.Expiry); err != nil {
		if errors.Is(err, ErrReplayed) {
			e := fail("OIDC Back-Channel Logout §2.6", "this logout token (jti) was already used")
			e.replay = true
			return nil, e
		}
		return nil, err
	}
	return &Logout{Subject: tok.Subject, SessionID: tok.SessionID, JTI: tok.TokenID, Expiry: tok.Expiry}, nil
}

// joseHeader decodes the protected header of a compact JWS. Its values are
// trusted only once the signature is verified.
func joseHeader(raw string) (map[string]any, error) {
	first, _, ok := strings.Cut(raw, ".")
	if !ok {
		return nil, fail("RFC 7515 §7.1", "not a compact JWS")
	}
	data, err := base64.RawURLEncoding.DecodeString(first)
	if err != nil {
		return nil, fail("RFC 7515 §7.1", "the header is not base64url")
	}
	var h map[string]any
	if err := json.Unmarshal(data, &h); err != nil {
		return nil, fail("RFC 7515 §7.1", "the header is not a JSON object")
	}
	return h, nil
}
