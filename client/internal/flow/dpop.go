package flow

import (
	"strconv"
	"strings"
	"time"

	"github.com/oauthlab/oauthlab/shared/dpop"
)

// The DPoP specification's sections the inspector's proof steps link to.
var (
	RFC9449Proof = Link{Label: "RFC 9449 §4: DPoP proof JWTs", URL: "https://www.rfc-editor.org/rfc/rfc9449#section-4"}
	RFC9449Use   = Link{Label: "RFC 9449 §7: Protected resource access", URL: "https://www.rfc-editor.org/rfc/rfc9449#section-7"}
	RFC9449Nonce = Link{Label: "RFC 9449 §8: Authorization server nonce", URL: "https://www.rfc-editor.org/rfc/rfc9449#section-8"}
)

// DPoPProof opens up the DPoP proof a recorded request carried, and
// explains what it proves; false when the request had none.
func DPoPProof(now time.Time, x Exchange) (Step, bool) {
	raw := headerValue(x.RequestHeader, "DPoP")
	if raw == "" {
		return Step{}, false
	}
	st := Step{
		Kind:  KindDPoPProof,
		At:    now,
		Title: "The DPoP proof of " + x.Method + " " + pathOf(x.URL),
		Summary: "A small JWT the app signed with the session's private key, which never leaves the app's server. " +
			"The token is bound to this key (cnf.jkt, its thumbprint), so the server accepts the token only with a fresh proof signed by it. " +
			"A thief who copies the token has no private key: a proof signed with the thief's own key has the wrong thumbprint, " +
			"one with this public key but no valid signature fails, and an old proof of ours names another request, is too old, or was used already (jti). " +
			"Each way the answer is 401.",
		Links:  []Link{RFC9449Proof, RFC9449Use},
		Arrows: []Arrow{{From: Client, To: Client, Label: "signs a DPoP proof", Channel: Note}},
	}
	p, err := dpop.Decode(raw)
	if err != nil {
		st.Summary = "The request carried a DPoP header that does not decode: " + err.Error()
		return st, true
	}
	jwk := p.Header.JWK
	key := "kty=" + jwk.Kty
	if jwk.Crv != "" {
		key += ", crv=" + jwk.Crv
	}
	st.Params = []Param{
		{Name: "typ", Value: p.Header.Typ, Meaning: "dpop+jwt: this JWT is a DPoP proof and nothing else"},
		{Name: "alg", Value: p.Header.Alg, Meaning: "the signature algorithm: asymmetric, so the server needs only the public key"},
		{Name: "jwk", Value: key, Meaning: "the public key, in the header: the server checks the signature with it, and its thumbprint against the token's cnf.jkt"},
		{Name: "thumbprint", Value: p.Thumbprint, Meaning: "RFC 7638 SHA-256 of the key: sent as dpop_jkt, and what the token is bound to"},
		{Name: "htm", Value: p.Claims.HTM, Meaning: "the HTTP method this proof is good for"},
		{Name: "htu", Value: p.Claims.HTU, Meaning: "the URL this proof is good for (no query)"},
		{Name: "iat", Value: p.Claims.IssuedAt().UTC().Format(time.RFC3339), Meaning: "when it was made: servers accept it for about a minute"},
		{Name: "jti", Value: p.Claims.JTI, Meaning: "a unique id: servers accept each proof once"},
	}
	if p.Claims.ATH != "" {
		st.Params = append(st.Params, Param{Name: "ath", Value: p.Claims.ATH, Meaning: "the SHA-256 of the access token: this proof goes with this token only"})
	}
	if p.Claims.Nonce != "" {
		st.Params = append(st.Params, Param{Name: "nonce", Value: p.Claims.Nonce, Meaning: "the nonce the server gave (DPoP-Nonce): proof that this proof was made after it"})
		st.Links = append(st.Links, RFC9449Nonce)
	}
	if n := headerValue(x.ResponseHeader, "DPoP-Nonce"); n != "" && (x.Status == 400 || x.Status == 401) {
		st.Summary += " The server answered use_dpop_nonce with a fresh nonce (DPoP-Nonce); the app signs a new proof with it and sends the request again."
		st.Links = append(st.Links, RFC9449Nonce)
	}
	st.Checks = []Check{{Name: "proof decodes and its signature verifies with its own jwk", OK: true,
		Detail: "iat " + strconv.FormatInt(p.Claims.IAT, 10) + "; the server checks the rest against the request"}}
	return st, true
}

func pathOf(u string) string {
	if i := strings.Index(u, "://"); i >= 0 {
		if j := strings.IndexByte(u[i+3:], '/'); j >= 0 {
			u = u[i+3+j:]
		}
	}
	if i := strings.IndexByte(u, '?'); i >= 0 {
		u = u[:i]
	}
	return u
}
