package web

import (
	"errors"

	"github.com/labstack/echo/v4"

	"github.com/oauthlab/oauthlab/resourceapi/internal/oauth"
	"github.com/oauthlab/oauthlab/shared/dpop"
)

// proofCheck checks DPoP proofs (RFC 9449 §7) against the public URL of
// the API, not the Host header a client or proxy chose.
type proofCheck struct {
	verifier *dpop.Verifier
	resource string // RESOURCEAPI_URL, the base of every htu
}

func newProofCheck(cfg Config) *proofCheck {
	v := cfg.DPoP
	if v == nil {
		var err error
		if v, err = dpop.NewVerifier(dpop.VerifierConfig{}); err != nil {
			panic(err) // the zero config is always valid
		}
	}
	return &proofCheck{verifier: v, resource: cfg.Resource}
}

// check runs the proof-of-possession check of one request; a failed check
// is a 401 with a DPoP challenge.
func (pc *proofCheck) check(c echo.Context, p *oauth.Principal, token string, dpopScheme bool) error {
	r := c.Request()
	err := oauth.CheckPossession(r.Context(), pc.verifier, p, oauth.ProofRequest{
		DPoPScheme: dpopScheme, Proofs: r.Header.Values("DPoP"),
		Method: r.Method, URL: pc.resource + r.URL.Path, Token: token,
	})
	var de *dpop.Error
	if errors.As(err, &de) {
		if de.Nonce != "" {
			// RFC 9449 §9: a resource server's nonce travels in DPoP-Nonce with the 401.
			c.Response().Header().Set("DPoP-Nonce", de.Nonce)
		}
		// RFC 9449 §7.1: a refused proof, or a bound token without one, gets a DPoP challenge with the algorithms accepted.
		return &challengeError{err: &oauth.Error{Code: de.RSCode(), Description: de.Description}, header: pc.verifier.Challenge(err)}
	}
	if err != nil {
		return &unavailableError{err: err} // the replay cache did not answer: refuse, not 401
	}
	return nil
}

// tokenChallenge is the answer to an invalid token sent with the DPoP
// scheme: the same error, in a DPoP challenge (RFC 9449 §7.1).
func (pc *proofCheck) tokenChallenge(oe *oauth.Error) error {
	if oe.Code == "" || oe.Code == oauth.CodeInsufficientScope {
		return &challengeError{err: oe, header: pc.verifier.Challenge(nil)}
	}
	h := `DPoP error="` + oe.Code + `", error_description="` + quoteSafe(oe.Description) + `", ` + algsParam(pc.verifier)
	return &challengeError{err: oe, header: h}
}

func algsParam(v *dpop.Verifier) string {
	c := v.Challenge(nil) // `DPoP algs="..."`
	return c[len("DPoP "):]
}

// quoteSafe keeps a description inside its quoted-string (RFC 6750 §3).
func quoteSafe(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c < 0x20 || c > 0x7e || c == '"' || c == '\\' {
			b[i] = '?'
		}
	}
	return string(b)
}
