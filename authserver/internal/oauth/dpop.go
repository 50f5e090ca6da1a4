package oauth

import (
	"crypto/subtle"
	"net/http"
	"net/url"

	"github.com/oauthlab/oauthlab/shared/dpop"
)

// DPoP (RFC 9449) at the authorization server. The web layer checks the
// proof itself (shared/dpop) and passes the thumbprint of its key in
// TokenRequest.DPoPJKT; this file holds the protocol decisions that depend
// on what is stored: the code's dpop_jkt, the refresh token's binding, the
// token type and cnf claim of the tokens issued.

// ErrInvalidDPoPProof is RFC 9449 §5 invalid_dpop_proof (400): the DPoP
// proof of a token request is missing, malformed, or made with the wrong
// key.
func ErrInvalidDPoPProof(desc string) *Error {
	return newError(dpop.CodeInvalidProof, http.StatusBadRequest, desc)
}

// ErrUseDPoPNonce is RFC 9449 §8 use_dpop_nonce (400): the proof must carry
// the nonce sent in the DPoP-Nonce response header.
func ErrUseDPoPNonce(desc string) *Error {
	return newError(dpop.CodeUseNonce, http.StatusBadRequest, desc)
}

// Confirmation is the cnf member of a DPoP-bound token (RFC 7800 §3.1,
// RFC 9449 §6.1).
type Confirmation struct {
	JKT string `json:"jkt"`
}

// checkDPoPJKT reads the dpop_jkt authorization request parameter.
func checkDPoPJKT(q url.Values, req *AuthorizeRequest) error {
	jkt := q.Get("dpop_jkt")
	if jkt == "" {
		return nil
	}
	// RFC 9449 §10: dpop_jkt is the base64url SHA-256 JWK thumbprint (RFC 7638) of the client's DPoP key: 43 characters.
	if len(q["dpop_jkt"]) > 1 || !isThumbprint(jkt) {
		return ErrInvalidRequest("dpop_jkt must be one base64url SHA-256 JWK thumbprint (RFC 9449 section 10)")
	}
	req.DPoPJKT = jkt
	return nil
}

// isThumbprint reports whether s is the base64url text of 32 bytes.
func isThumbprint(s string) bool {
	if len(s) != 43 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// checkCodeDPoP holds a code exchange to the code's dpop_jkt.
func checkCodeDPoP(code Code, req TokenRequest) error {
	if code.DPoPJKT == "" {
		return nil
	}
	// RFC 9449 §10: with dpop_jkt at /authorize, the token request must carry a proof made with that very key, so a stolen code is useless without it.
	if !sameJKT(req.DPoPJKT, code.DPoPJKT) {
		return ErrInvalidDPoPProof("the authorization request named a DPoP key (dpop_jkt); the token request needs a DPoP proof made with it")
	}
	return nil
}

// checkRefreshDPoP holds a refresh to the refresh token's binding.
func checkRefreshDPoP(rt RefreshToken, req TokenRequest) error {
	if rt.JKT == "" {
		return nil
	}
	// RFC 9449 §5: a refresh token bound to a DPoP key is only used with a proof made with that key.
	if !sameJKT(req.DPoPJKT, rt.JKT) {
		return ErrInvalidDPoPProof("the refresh token is bound to a DPoP key; the request needs a DPoP proof made with it")
	}
	return nil
}

// refreshTokenJKT is the key a new refresh token is bound to.
func refreshTokenJKT(c Client, jkt string) string {
	// RFC 9449 §5: refresh tokens of public clients are bound to the DPoP key; a confidential client's are already bound to its credentials.
	if c.Public() {
		return jkt
	}
	return ""
}

// checkPresentedDPoP checks how an access token was presented: as Bearer
// (proofJKT empty) or with the DPoP scheme and a proof by a key with
// thumbprint proofJKT.
func checkPresentedDPoP(at AccessToken, proofJKT string) error {
	// RFC 9449 §7.1: a DPoP-bound token is refused as Bearer, and with the DPoP scheme its proof must be made with the bound key.
	if !sameJKT(at.JKT, proofJKT) {
		if at.JKT == "" {
			return ErrInvalidToken("the access token is not DPoP-bound; send it as Bearer")
		}
		return ErrInvalidToken("the access token is DPoP-bound; send it with the DPoP scheme and a proof made with its key")
	}
	return nil
}

func sameJKT(a, b string) bool {
	return len(a) == len(b) && subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

// accessTokenType is the token_type of the token response and of
// introspection.
func accessTokenType(at AccessToken) string {
	if at.JKT != "" {
		return "DPoP" // RFC 9449 §5: a bound token is of type DPoP
	}
	return "Bearer" // RFC 6750
}

// confirmation is the cnf of an access token, nil when it is not bound.
func confirmation(at AccessToken) *Confirmation {
	if at.JKT == "" {
		return nil
	}
	return &Confirmation{JKT: at.JKT}
}
