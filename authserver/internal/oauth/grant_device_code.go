package oauth

import (
	"context"
	"crypto/rand"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/oauthlab/oauthlab/shared/scopes"
)

// GrantDeviceCode is the device authorization grant (RFC 8628 §3.4).
const GrantDeviceCode = "urn:ietf:params:oauth:grant-type:device_code"

// The states of a device authorization.
const (
	DevicePending  = "pending"
	DeviceApproved = "approved"
	DeviceDenied   = "denied"
)

// Device grant defaults (RFC 8628 §3.2, §3.5).
const (
	DefaultDeviceInterval = 5 * time.Second
	DefaultDeviceTTL      = 10 * time.Minute
	// slowDownStep is what RFC 8628 §3.5 adds to the interval on slow_down.
	slowDownStep = 5 * time.Second
)

// DeviceAuthorization is one device authorization request (RFC 8628 §3.1)
// and the user's answer. Both codes are kept as SHA-256 hashes.
type DeviceAuthorization struct {
	DeviceCodeHash string
	UserCodeHash   string
	ClientID       string
	Scopes         []string
	Resources      []string
	Interval       time.Duration
	LastPolledAt   time.Time
	CreatedAt      time.Time
	ExpiresAt      time.Time
	Status         string
	UserID         string
	Auth           Authentication
	UsedAt         time.Time
}

// DeviceStore keeps device authorizations.
type DeviceStore interface {
	CreateDeviceAuthorization(ctx context.Context, d DeviceAuthorization) error
	// DeviceAuthorization returns ErrNotFound for an unknown device code.
	DeviceAuthorization(ctx context.Context, deviceCodeHash string) (DeviceAuthorization, error)
	// DeviceAuthorizationByUserCode returns ErrNotFound for an unknown,
	// expired or already answered user code.
	DeviceAuthorizationByUserCode(ctx context.Context, userCodeHash string, now time.Time) (DeviceAuthorization, error)
	// DecideDevice records the user's answer. It returns ErrAlreadyUsed
	// when the authorization was answered (or expired) first.
	DecideDevice(ctx context.Context, userCodeHash, status, userID string, auth Authentication, now time.Time) error
	// DeviceAuthorizationByUserCodeAny finds it whatever its state.
	DeviceAuthorizationByUserCodeAny(ctx context.Context, userCodeHash string) (DeviceAuthorization, error)
	// RecordDevicePoll stores when the device polled and its interval.
	RecordDevicePoll(ctx context.Context, deviceCodeHash string, now time.Time, interval time.Duration) error
	// RedeemDeviceCode marks an approved device code used and stores the
	// grant and its tokens, atomically. It returns ErrAlreadyUsed when
	// another call redeemed it first.
	RedeemDeviceCode(ctx context.Context, deviceCodeHash string, now time.Time, g Grant, issued Issued) error
}

// DeviceResponse is the device authorization response (RFC 8628 §3.2).
type DeviceResponse struct {
	DeviceCode              string `json:"device_code"`
	UserCode                string `json:"user_code"`
	VerificationURI         string `json:"verification_uri"`
	VerificationURIComplete string `json:"verification_uri_complete"`
	ExpiresIn               int64  `json:"expires_in"`
	Interval                int64  `json:"interval"`
}

// userCodeAlphabet is RFC 8628 §6.1's: consonants only, no look-alikes
// (no 0/O, 1/I/L confusion), no vowels (no words).
const userCodeAlphabet = "BCDFGHJKLMNPQRSTVWXZ"

// newUserCode draws 8 characters from the alphabet, shown as WDJB-MJHT.
func newUserCode() string {
	b := make([]byte, 8)
	for i := range b {
		// Rejection sampling keeps every letter equally likely: 256 is
		// not a multiple of 20, so bytes of 240 and above are drawn again.
		var one [1]byte
		for {
			_, _ = rand.Read(one[:])
			if one[0] < 240 {
				break
			}
		}
		b[i] = userCodeAlphabet[int(one[0])%len(userCodeAlphabet)]
	}
	return string(b[:4]) + "-" + string(b[4:])
}

// NormalizeUserCode upper-cases a typed user code and drops dashes and
// spaces (RFC 8628 §6.1: be lenient with what the user types). It returns
// "" when the result is not 8 characters of the alphabet.
func NormalizeUserCode(typed string) string {
	if len(typed) > 32 {
		return ""
	}
	var b strings.Builder
	for _, r := range strings.ToUpper(typed) {
		switch {
		case r == '-' || r == ' ':
		case strings.ContainsRune(userCodeAlphabet, r):
			b.WriteRune(r)
		default:
			return ""
		}
	}
	if b.Len() != 8 {
		return ""
	}
	return b.String()
}

// FormatUserCode shows a normalised user code with its dash.
func FormatUserCode(normalized string) string {
	if len(normalized) != 8 {
		return normalized
	}
	return normalized[:4] + "-" + normalized[4:]
}

// HashUserCode is how a user code is stored and looked up.
func HashUserCode(typed string) string { return HashSecret(NormalizeUserCode(typed)) }

// deviceInterval is the server's polling interval or the default.
func (s *Server) deviceInterval() time.Duration {
	if s.DeviceInterval <= 0 {
		return DefaultDeviceInterval
	}
	// The interval is announced in whole seconds (RFC 8628 §3.2).
	return max(s.DeviceInterval.Truncate(time.Second), time.Second)
}

// DeviceAuthorize answers a device authorization request (RFC 8628 §3.1)
// from an authenticated (or, if public, identified) client.
func (s *Server) DeviceAuthorize(ctx context.Context, c Client, scope string, scopeGiven bool, resources []string) (DeviceResponse, error) {
	if s.Devices == nil {
		return DeviceResponse{}, ErrUnsupportedGrantType("the device authorization grant is not enabled")
	}
	// RFC 8628 §3.1: the client must be allowed the device grant.
	if !c.AllowsGrant(GrantDeviceCode) {
		return DeviceResponse{}, ErrUnauthorizedClient("this client may not use the device authorization grant")
	}
	res, err := s.checkResources(resources)
	if err != nil {
		return DeviceResponse{}, err
	}
	granted, err := s.checkScope(scope, scopeGiven, c, res, true)
	if err != nil {
		return DeviceResponse{}, err
	}
	now := s.now()
	var deviceCode, userCode string
	// A user code is short (about 34 bits): if one drawn is already taken
	// (the column is unique), draw again once rather than fail.
	for attempt := 0; attempt < 2; attempt++ {
		deviceCode, userCode = NewSecret(), newUserCode()
		err = s.Devices.CreateDeviceAuthorization(ctx, DeviceAuthorization{
			DeviceCodeHash: HashSecret(deviceCode), UserCodeHash: HashUserCode(userCode), ClientID: c.ID,
			Scopes: granted, Resources: res, Interval: s.deviceInterval(), CreatedAt: now,
			ExpiresAt: now.Add(DefaultDeviceTTL), Status: DevicePending,
		})
		if err == nil {
			break
		}
	}
	if err != nil {
		return DeviceResponse{}, err
	}
	uri := s.Issuer + "/device"
	return DeviceResponse{
		DeviceCode: deviceCode, UserCode: userCode, VerificationURI: uri,
		VerificationURIComplete: uri + "?user_code=" + userCode,
		ExpiresIn:               int64(DefaultDeviceTTL / time.Second),
		Interval:                int64(s.deviceInterval() / time.Second),
	}, nil
}

// deviceCodeGrant is the device authorization grant (RFC 8628): a device
// without a browser polls /token while the user approves on another one.
type deviceCodeGrant struct{}

func (deviceCodeGrant) Name() string { return GrantDeviceCode }

// CheckClient: a device client needs no redirect URI, and nothing else
// about a client rules the grant out.
func (deviceCodeGrant) CheckClient(Client) error { return nil }

func (deviceCodeGrant) ResponseTypes() []string { return nil }

// Exchange polls for, and at last redeems, a device code (RFC 8628 §3.4).
func (deviceCodeGrant) Exchange(ctx context.Context, s *Server, req TokenRequest) (TokenResponse, error) {
	return s.deviceCodeGrant(ctx, req)
}

// deviceCodeGrant is the token request of the device grant (RFC 8628
// §3.4, §3.5): pending, slow down, denied, expired, or tokens, once.
func (s *Server) deviceCodeGrant(ctx context.Context, req TokenRequest) (TokenResponse, error) {
	if s.Devices == nil {
		return TokenResponse{}, ErrUnsupportedGrantType("the device authorization grant is not enabled")
	}
	if req.DeviceCode == "" {
		return TokenResponse{}, ErrInvalidRequest("device_code is missing")
	}
	d, err := s.Devices.DeviceAuthorization(ctx, HashSecret(req.DeviceCode))
	if errors.Is(err, ErrNotFound) {
		return TokenResponse{}, ErrInvalidGrant("the device code is invalid")
	}
	if err != nil {
		return TokenResponse{}, err
	}
	// RFC 8628 §3.4: the device code was issued to this client.
	if d.ClientID != req.Client.ID {
		return TokenResponse{}, ErrInvalidGrant("the device code was issued to another client")
	}
	if !d.UsedAt.IsZero() {
		return TokenResponse{}, ErrInvalidGrant("the device code was already used")
	}
	now := s.now()
	// RFC 8628 §3.5: expired_token once the device code has expired.
	if !now.Before(d.ExpiresAt) {
		return TokenResponse{}, newError("expired_token", http.StatusBadRequest, "the device code has expired; start again")
	}
	if !d.LastPolledAt.IsZero() && now.Sub(d.LastPolledAt) < d.Interval {
		// RFC 8628 §3.5: slow_down, and the interval grows by 5 seconds for this and all later requests.
		if err := s.Devices.RecordDevicePoll(ctx, d.DeviceCodeHash, now, d.Interval+slowDownStep); err != nil {
			return TokenResponse{}, err
		}
		return TokenResponse{}, newError("slow_down", http.StatusBadRequest, "polling too fast; wait the interval, now 5 seconds longer")
	}
	if err := s.Devices.RecordDevicePoll(ctx, d.DeviceCodeHash, now, d.Interval); err != nil {
		return TokenResponse{}, err
	}
	switch d.Status {
	case DevicePending:
		// RFC 8628 §3.5: authorization_pending while the user has not answered.
		return TokenResponse{}, newError("authorization_pending", http.StatusBadRequest, "the user has not answered yet")
	case DeviceDenied:
		// RFC 8628 §3.5: access_denied when the user said no.
		return TokenResponse{}, newError("access_denied", http.StatusBadRequest, "the user denied the request")
	}
	resources, accessScopes, err := s.narrowGrant(req.Resources, d.Resources, d.Scopes)
	if err != nil {
		return TokenResponse{}, err
	}
	g := Grant{ID: NewRecordID(), UserID: d.UserID, ClientID: d.ClientID, Scopes: d.Scopes, CreatedAt: now, Auth: d.Auth}
	issued, resp, err := s.issue(ctx, issuance{
		grantID: g.ID, client: req.Client, userID: d.UserID,
		accessScopes: accessScopes, refreshScopes: d.Scopes,
		resources:   grantResources{access: resources, refresh: d.Resources},
		withRefresh: true, idToken: &idTokenInfo{auth: d.Auth}, jkt: req.DPoPJKT,
	})
	if err != nil {
		return TokenResponse{}, err
	}
	// Single use even under races: only one redemption changes the row.
	err = s.Devices.RedeemDeviceCode(ctx, d.DeviceCodeHash, now, g, issued)
	if errors.Is(err, ErrAlreadyUsed) {
		return TokenResponse{}, ErrInvalidGrant("the device code was already used")
	}
	if err != nil {
		return TokenResponse{}, err
	}
	return resp, nil
}

// PendingDevice finds the pending device authorization of a typed user
// code, for the /device page.
func (s *Server) PendingDevice(ctx context.Context, typed string) (DeviceAuthorization, Client, error) {
	if s.Devices == nil || NormalizeUserCode(typed) == "" {
		return DeviceAuthorization{}, Client{}, ErrNotFound
	}
	d, err := s.Devices.DeviceAuthorizationByUserCode(ctx, HashUserCode(typed), s.now())
	if err != nil {
		return DeviceAuthorization{}, Client{}, err
	}
	c, err := s.Store.Client(ctx, d.ClientID)
	return d, c, err
}

// DecideDevice records the signed-in user's answer for a user code.
func (s *Server) DecideDevice(ctx context.Context, typed string, approve bool, userID string, auth Authentication) error {
	status := DeviceDenied
	if approve {
		status = DeviceApproved
	}
	if err := s.Devices.DecideDevice(ctx, HashUserCode(typed), status, userID, auth, s.now()); err != nil || !approve {
		return err
	}
	// Remembered so that the account page lists the device's app and can
	// revoke it; the device page itself always asks again (RFC 8628 §5.4).
	d, err := s.Devices.DeviceAuthorizationByUserCodeAny(ctx, HashUserCode(typed))
	if err != nil {
		return err
	}
	granted := d.Scopes
	if old, err := s.Store.Consent(ctx, userID, d.ClientID); err == nil {
		granted = scopes.Parse(scopes.Join(old.Scopes) + " " + scopes.Join(d.Scopes))
	}
	return s.Store.SaveConsent(ctx, Consent{UserID: userID, ClientID: d.ClientID, Scopes: granted, GrantedAt: s.now()})
}
