package web

import (
	"errors"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/oauthlab/oauthlab/authserver/internal/oauth"
	"github.com/oauthlab/oauthlab/shared/dpop"
)

// DPoPOptions configure the DPoP proof checks (RFC 9449).
type DPoPOptions struct {
	// Replay remembers accepted proofs; nil gives an in-memory cache, right
	// for one replica only (main passes the database's).
	Replay dpop.ReplayCache
	// NonceKey, when set, turns on server nonces (RFC 9449 §8): every proof
	// must carry a nonce made with this key, which replicas share.
	NonceKey []byte
}

// dpopAlgs are the algorithms a DPoP proof may use here: every asymmetric
// algorithm shared/dpop supports (RFC 9449 §5.1 metadata lists them).
var dpopAlgs = dpop.DefaultAlgs

// dpopCheck checks the DPoP proofs sent to this server.
type dpopCheck struct {
	verifier *dpop.Verifier
	nonces   *dpop.NonceSource
	issuer   string
}

func newDPoPCheck(s *oauth.Server, o DPoPOptions) *dpopCheck {
	d := &dpopCheck{issuer: s.Issuer}
	if o.NonceKey != nil {
		nonces, err := dpop.NewNonceSource(o.NonceKey, 0, s.Now)
		if err != nil {
			panic("web: DPoPOptions.NonceKey: " + err.Error())
		}
		d.nonces = nonces
	}
	v, err := dpop.NewVerifier(dpop.VerifierConfig{Algs: dpopAlgs, Replay: o.Replay, Nonces: d.nonces, Now: s.Now})
	if err != nil {
		panic("web: DPoP verifier: " + err.Error()) // only with a bad allow-list, fixed in code
	}
	d.verifier = v
	return d
}

// proofKey checks the DPoP proof of a request to the authorization server
// endpoint at path (/token, /par) and returns the thumbprint of its key,
// or "" when the request has no DPoP header. A failed check is an
// *oauth.Error (400 invalid_dpop_proof or use_dpop_nonce). This is the hook
// the pushed authorization request endpoint calls too: the request_uri it
// issues is then bound to the returned key, like dpop_jkt (RFC 9449 §10.1).
func (d *dpopCheck) proofKey(c echo.Context, path string) (string, error) {
	r := c.Request()
	proofs := r.Header.Values("DPoP")
	if len(proofs) == 0 {
		return "", nil
	}
	p, err := d.verifier.Verify(r.Context(), dpop.VerifyRequest{Proofs: proofs, Method: r.Method, URL: d.issuer + path})
	if err != nil {
		return "", d.asError(c, err)
	}
	d.freshNonce(c)
	return p.Thumbprint, nil
}

// resourceProofKey checks the proof that comes with "Authorization: DPoP
// <token>" at an endpoint of ours that takes access tokens (/userinfo),
// including its ath, and returns the thumbprint of its key. A failed check
// is a 401 with a DPoP challenge (RFC 9449 §7.1).
func (d *dpopCheck) resourceProofKey(c echo.Context, path, token string) (string, error) {
	r := c.Request()
	p, err := d.verifier.Verify(r.Context(), dpop.VerifyRequest{
		Proofs: r.Header.Values("DPoP"), Method: r.Method, URL: d.issuer + path, AccessToken: token,
	})
	var de *dpop.Error
	if errors.As(err, &de) {
		if de.Nonce != "" {
			c.Response().Header().Set("DPoP-Nonce", de.Nonce)
		}
		c.Response().Header().Set("WWW-Authenticate", d.verifier.Challenge(err))
		return "", &oauth.Error{Code: de.RSCode(), Description: de.Description, Status: 401}
	}
	if err != nil {
		return "", err
	}
	d.freshNonce(c)
	return p.Thumbprint, nil
}

// asError turns a failed proof check into the authorization server's error
// response (RFC 9449 §5, §8); a server fault stays a plain error (500).
func (d *dpopCheck) asError(c echo.Context, err error) error {
	var de *dpop.Error
	if !errors.As(err, &de) {
		return err
	}
	if de.Check == dpop.CheckNonce {
		// RFC 9449 §8: use_dpop_nonce comes with the nonce to use in the DPoP-Nonce header.
		c.Response().Header().Set("DPoP-Nonce", de.Nonce)
		return oauth.ErrUseDPoPNonce(de.Description)
	}
	return oauth.ErrInvalidDPoPProof(de.Description)
}

// freshNonce sends the current nonce with a successful response, so the
// client's next proof has it (RFC 9449 §8.2).
func (d *dpopCheck) freshNonce(c echo.Context) {
	if d.nonces != nil {
		c.Response().Header().Set("DPoP-Nonce", d.nonces.Nonce())
	}
}

// challenge is the WWW-Authenticate: DPoP value for err (nil: no error).
func (d *dpopCheck) challenge(err error) string { return d.verifier.Challenge(err) }

// challengeCode is a DPoP challenge with an error code that did not come
// from a proof check (the token itself is invalid or bound elsewhere).
func (d *dpopCheck) challengeCode(code, description string) string {
	return `DPoP error="` + code + `", error_description="` + description + `", algs="` + strings.Join(dpopAlgs, " ") + `"`
}
