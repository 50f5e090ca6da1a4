// Package dpop implements OAuth 2.0 Demonstrating Proof of Possession
// (DPoP, RFC 9449) for all three actors: the Verifier the authorization
// server (/token, /par) and the resource API run, the Key and Transport the
// client signs its requests with, and the JWK thumbprint (RFC 7638) that
// ties them together. It uses the standard library only.
//
// # Why DPoP
//
// A bearer token (RFC 6750) works for whoever holds it: a token copied from
// a log, a proxy, a browser extension or a leaked database calls the API as
// well as the real client does, until it expires. DPoP makes the token
// useless without a private key that never leaves the client:
//
//   - The client makes a key pair. At /token it sends a proof: a small JWT
//     with its public key in the header (jwk), signed with the private key.
//   - The authorization server checks the proof and binds the token to that
//     key: the access token carries cnf.jkt, the key's RFC 7638 thumbprint
//     (RFC 9449 §6), and its token_type is DPoP.
//   - On every API call the client sends "Authorization: DPoP <token>" and a
//     fresh proof that binds this one request: the method (htm), the URI
//     without query (htu), the time (iat), a unique id (jti) and the hash of
//     the token (ath).
//   - The resource server checks that proof and that its key's thumbprint
//     is the token's cnf.jkt.
//
// A thief who has the token but not the private key cannot make a proof
// that verifies with the key the token is bound to: a proof signed with the
// thief's own key has the wrong thumbprint (CheckJKT), and a proof with the
// victim's public key fails the signature (CheckSignature). Both give 401.
// A stolen proof is little use either: it names one method and URI, is
// accepted for about a minute (iat), and only once (jti).
//
// # Servers
//
// Make one Verifier per server and keep it (it caches parsed keys):
//
//	v, err := dpop.NewVerifier(dpop.VerifierConfig{}) // defaults: DefaultAlgs, ±60 s, in-memory replay cache
//
// At the token endpoint (and /par), when the request has a DPoP header:
//
//	proof, err := v.Verify(ctx, dpop.VerifyRequest{
//		Proofs: r.Header.Values("DPoP"),
//		Method: r.Method,
//		URL:    issuer + "/token",  // the URL the client used, from configuration, not from Host
//		ExpectedJKT: code.DPoPJKT,  // RFC 9449 §10 dpop_jkt of /authorize, or the refresh token's jkt; "" if none
//	})
//	// bind the new tokens to proof.Thumbprint (cnf.jkt) and answer token_type "DPoP"
//
// Errors: an *Error is a failed check; answer 400 with
// {"error": e.ASCode(), "error_description": e.Description}, plus the
// header DPoP-Nonce: e.Nonce when e.Nonce is set (use_dpop_nonce, RFC 9449
// §8). Any other error is a server fault (the replay cache failed): answer
// 500 server_error; never let the request through.
//
// At the resource server, for "Authorization: DPoP <token>" after the
// token itself is verified:
//
//	proof, err := v.Verify(ctx, dpop.VerifyRequest{
//		Proofs: r.Header.Values("DPoP"), Method: r.Method, URL: publicBase + r.URL.Path,
//		AccessToken: token, ExpectedJKT: claims.Cnf.JKT,
//	})
//
// and on an *Error answer 401 with WWW-Authenticate: v.Challenge(err)
// (RFC 9449 §7.1: invalid_dpop_proof, invalid_token for a key that is not
// the bound one, use_dpop_nonce) and DPoP-Nonce when e.Nonce is set. A
// DPoP-bound token sent as "Bearer" must be refused too (RFC 9449 §7.2).
//
// # Clients
//
// Make a Key (GenerateKey("ES256") or "EdDSA"; keep it with MarshalPKCS8 /
// ParseKey), send Key.Thumbprint() as dpop_jkt to /authorize, and do every
// request to the authorization server and the API through a Transport:
//
//	hc := &http.Client{Transport: &dpop.Transport{Key: key}}
//	ctx = context.WithValue(ctx, oauth2.HTTPClient, hc) // x/oauth2 uses it for the token exchange
//
// The Transport adds a fresh proof to each request, with ath when the
// request has "Authorization: DPoP <token>", and follows the nonce dance.
// Decode takes any proof apart (header, jwk, claims) for display.
//
// # Nonces
//
// A server that cannot trust client clocks, or wants proofs it knows are
// fresh, gives a NonceSource to its Verifier. The first proof without a
// nonce is refused with use_dpop_nonce and a DPoP-Nonce header; the client
// retries with it. Nonces are an HMAC of a time slot, so every replica
// with the same key agrees without shared state.
package dpop
