package lab

import (
	"context"
	"crypto/rand"
	"fmt"
	"net/http"
	"net/url"

	"github.com/oauthlab/oauthlab/shared/contract"
	"github.com/oauthlab/oauthlab/shared/dpop"
)

// runStolenAccessToken connects a lab session with DPoP (RFC 9449), hands
// its access token to a thief, and lets the thief try it as Bearer and
// with a proof of its own key. The naive variant is the same theft of a
// session with DPoP off, whose Bearer token works for whoever holds it.
func runStolenAccessToken(ctx context.Context, r *run) (Outcome, *Outcome, error) {
	c, err := r.labClient(ctx, confidentialClient)
	if err != nil {
		return Outcome{}, nil, err
	}
	client, thief := r.browser("the real client (DPoP)"), r.browser("thief")
	key, err := dpop.GenerateKey("EdDSA")
	if err != nil {
		return Outcome{}, nil, err
	}
	bound, err := r.connectWithDPoP(ctx, client, c, key)
	if err != nil {
		return Outcome{}, nil, err
	}
	const path = "/v1/me/top-tracks"
	if status, code, err := r.callWithProof(ctx, client, key, path, bound.AccessToken); err != nil || status != http.StatusOK {
		return Outcome{}, nil, fmt.Errorf("the client's own DPoP call failed: %d %s %v", status, code, err)
	}
	asBearer, bearerCode, err := thief.callAPI(ctx, path, bound.AccessToken)
	if err != nil {
		return Outcome{}, nil, err
	}
	thiefKey, err := dpop.GenerateKey("ES256")
	if err != nil {
		return Outcome{}, nil, err
	}
	ownKey, ownCode, err := r.callWithProof(ctx, thief, thiefKey, path, bound.AccessToken)
	if err != nil {
		return Outcome{}, nil, err
	}
	var defended Outcome
	switch {
	case asBearer == http.StatusOK:
		defended = r.succeeded(asBearer, "The DPoP-bound token worked as a Bearer token.")
	case ownKey == http.StatusOK:
		defended = r.succeeded(ownKey, "The DPoP-bound token worked with a proof of the thief's own key.")
	default:
		defended = r.refused(asBearer, bearerCode, fmt.Sprintf(
			"The token is bound to the client's key (cnf.jkt). As Bearer it got %d %s; with a proof signed by the thief's own key, %d %s: "+
				"its thumbprint is not the token's. The private key never left the client, so the thief cannot make a proof that passes.",
			asBearer, bearerCode, ownKey, ownCode))
	}

	// The naive variant: the same theft from a session without DPoP.
	plain, err := r.connectUser(ctx, r.browser("the real client (Bearer)"), c, "tracks:read", contract.Alice)
	if err != nil {
		return Outcome{}, nil, err
	}
	stolen, _, err := thief.callAPI(ctx, path, plain.AccessToken)
	if err != nil {
		return Outcome{}, nil, err
	}
	return defended, naive(stolen == http.StatusOK, fmt.Sprintf(
		"The Bearer token of a session with DPoP off answered the thief %d: it works for whoever holds it.", stolen)), nil
}

// connectWithDPoP connects Alice with dpop_jkt at /authorize and a proof at
// /token, and returns the DPoP-bound tokens.
func (r *run) connectWithDPoP(ctx context.Context, b *browser, c labClient, key *dpop.Key) (tokenResponse, error) {
	p := newPKCE()
	q := authorizeQuery(c, "tracks:read", rand.Text(), p)
	q.Set("dpop_jkt", key.Thumbprint())
	code, err := b.signInForCode(ctx, q, contract.Alice)
	if err != nil {
		return tokenResponse{}, err
	}
	proof, err := key.Proof(http.MethodPost, r.env.Issuer+"/token", "", "")
	if err != nil {
		return tokenResponse{}, err
	}
	h := http.Header{}
	h.Set("DPoP", proof)
	tr, err := b.tokenWith(ctx, c, url.Values{"grant_type": {"authorization_code"}, "code": {code},
		"redirect_uri": {c.RedirectURI}, "code_verifier": {p.verifier}}, h)
	if err != nil {
		return tokenResponse{}, err
	}
	if tr.AccessToken == "" {
		return tokenResponse{}, fmt.Errorf("the DPoP code exchange failed: %d %s %s", tr.Status, tr.Error, tr.Description)
	}
	return tr, nil
}

// callWithProof calls the API with "Authorization: DPoP" and a proof by key.
func (r *run) callWithProof(ctx context.Context, b *browser, key *dpop.Key, path, token string) (int, string, error) {
	public := r.env.APIPublic
	if public == "" {
		public = r.env.API
	}
	proof, err := key.Proof(http.MethodGet, public+path, token, "")
	if err != nil {
		return 0, "", err
	}
	h := http.Header{}
	h.Set("Authorization", "DPoP "+token)
	h.Set("DPoP", proof)
	p, err := b.do(ctx, http.MethodGet, r.env.API+path, nil, h)
	if err != nil {
		return 0, "", err
	}
	return p.status, challengeError(p.header.Get("WWW-Authenticate")), nil
}
