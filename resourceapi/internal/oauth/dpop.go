package oauth

import (
	"context"
	"errors"
	"strings"

	"github.com/oauthlab/oauthlab/shared/dpop"
)

// DPoP (RFC 9449) at the resource server: a token may come as
// "Authorization: DPoP <token>" with a DPoP proof header. The token is
// checked as any other (and its signature check may be cached); the proof
// is checked on every request, never cached.

// SchemeDPoP is the authentication scheme of DPoP-bound tokens (RFC 9449 §7.1).
const SchemeDPoP = "DPoP"

// AccessToken returns the access token of a request and whether it came
// with the DPoP scheme. Bearer tokens are read by BearerToken, with all its
// rules.
func AccessToken(r Request) (token string, dpopScheme bool, err *Error) {
	if len(r.Authorization) == 1 && !r.TokenInQuery && !r.TokenInForm {
		scheme, rest, _ := strings.Cut(strings.TrimSpace(r.Authorization[0]), " ")
		// RFC 9110 §11.1: the scheme is case-insensitive.
		if strings.EqualFold(scheme, SchemeDPoP) {
			token = strings.TrimLeft(rest, " ")
			// RFC 9449 §7.1: the DPoP scheme carries the token as a token68, like Bearer's b64token.
			if token == "" || !isB64Token(token) {
				return "", true, ErrInvalidRequest("the Authorization header has the DPoP scheme but no well-formed token")
			}
			return token, true, nil
		}
	}
	token, err = BearerToken(r)
	return token, false, err
}

// ProofRequest is what the proof check needs of a request.
type ProofRequest struct {
	// DPoPScheme says the token came as "Authorization: DPoP".
	DPoPScheme bool
	// Proofs is every DPoP header value.
	Proofs []string
	// Method is the request method; URL the public URL of the request
	// (RESOURCEAPI_URL plus the path), which the proof's htu must name.
	Method, URL string
	// Token is the access token, whose hash the proof's ath must be.
	Token string
}

// CheckPossession checks that the request proves possession of the key
// the token is bound to. A failed check is a *dpop.Error (invalid_dpop_proof,
// use_dpop_nonce, or invalid_token for the wrong key); a server fault
// (replay cache down) is any other error.
func CheckPossession(ctx context.Context, v *dpop.Verifier, p *Principal, r ProofRequest) error {
	if !r.DPoPScheme {
		// RFC 9449 §7.1: a DPoP-bound token presented as Bearer is refused, or a thief could simply drop the proof.
		if p.JKT != "" {
			return &dpop.Error{Check: dpop.CheckJKT, Description: "the access token is DPoP-bound; send it with the DPoP scheme and a proof"}
		}
		return nil
	}
	// RFC 9449 §7.1: the DPoP scheme is for DPoP-bound tokens only; a Bearer token sent that way has no key to check.
	if p.JKT == "" {
		return &dpop.Error{Check: dpop.CheckJKT, Description: "the access token is not DPoP-bound; send it with the Bearer scheme"}
	}
	_, err := v.Verify(ctx, dpop.VerifyRequest{
		Proofs: r.Proofs, Method: r.Method, URL: r.URL, AccessToken: r.Token, ExpectedJKT: p.JKT,
	})
	return err
}

// IsProofError reports whether err is a failed proof check (a 401), as
// opposed to a server fault.
func IsProofError(err error) bool {
	var e *dpop.Error
	return errors.As(err, &e)
}
