package web

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"

	"golang.org/x/oauth2"

	"github.com/oauthlab/oauthlab/client/internal/flow"
	"github.com/oauthlab/oauthlab/client/internal/store"
	"github.com/oauthlab/oauthlab/shared/dpop"
)

// DPoP (RFC 9449) in the client. Each connect makes the session a new key
// pair (CLIENT_DPOP_ALG), kept in the database as PKCS #8 and never sent
// to the browser. Its thumbprint goes to /authorize as dpop_jkt, and every
// back-channel call of the session goes through a dpop.Transport: x/oauth2
// has no DPoP support, but it sends its requests through the HTTP client
// in the context, so a RoundTripper that adds the DPoP header to each
// request is all it takes. The token request then carries a proof, the
// authorization server binds the tokens to the key, and x/oauth2 sends
// them as "Authorization: DPoP <token>" (it copies token_type), for which
// the Transport adds ath, the hash of the token. CLIENT_DPOP=false turns
// it all off: plain Bearer tokens.

// DPoPKeyStore keeps each session's DPoP private key.
type DPoPKeyStore interface {
	// SaveDPoPKey keeps the key (PKCS #8), replacing an older one.
	SaveDPoPKey(ctx context.Context, sessionID string, pkcs8 []byte) error
	// DPoPKey returns the key; store.ErrNotFound when there is none.
	DPoPKey(ctx context.Context, sessionID string) ([]byte, error)
	// DeleteDPoPKey forgets the key.
	DeleteDPoPKey(ctx context.Context, sessionID string) error
}

// rfc9449 links a refused downgrade to the specification.
var rfc9449 = flow.Link{Label: "RFC 9449 §5: DPoP access token request", URL: "https://www.rfc-editor.org/rfc/rfc9449#section-5"}

type dpopKeyKey struct{}

// newDPoPKey makes and keeps the session's key for a new connect, and
// returns the dpop_jkt parameter of the authorization request. With DPoP
// off it forgets any older key, so the session's calls go out as Bearer.
func (a *App) newDPoPKey(ctx context.Context, sid string) ([]oauth2.AuthCodeOption, error) {
	if !a.cfg.DPoP {
		return nil, a.store.DeleteDPoPKey(ctx, sid)
	}
	key, err := dpop.GenerateKey(a.cfg.DPoPAlg)
	if err != nil {
		return nil, err
	}
	pkcs8, err := key.MarshalPKCS8()
	if err != nil {
		return nil, err
	}
	if err := a.store.SaveDPoPKey(ctx, sid, pkcs8); err != nil {
		return nil, err
	}
	// RFC 9449 §10: dpop_jkt binds the authorization code to the key, so a code stolen on its way back is useless without it.
	return []oauth2.AuthCodeOption{oauth2.SetAuthURLParam("dpop_jkt", key.Thumbprint())}, nil
}

// withDPoP returns ctx carrying the session's DPoP key, if it has one;
// recording then signs every back-channel request with it.
func (a *App) withDPoP(ctx context.Context, sid string) (context.Context, error) {
	pkcs8, err := a.store.DPoPKey(ctx, sid)
	if errors.Is(err, store.ErrNotFound) {
		return ctx, nil
	}
	if err != nil {
		return ctx, err
	}
	key, err := dpop.ParseKey(pkcs8)
	if err != nil {
		return ctx, err
	}
	return context.WithValue(ctx, dpopKeyKey{}, key), nil
}

func dpopKeyFrom(ctx context.Context) *dpop.Key {
	k, _ := ctx.Value(dpopKeyKey{}).(*dpop.Key)
	return k
}

// tokenScheme is the token type the app expects, and the scheme it sends
// tokens with: DPoP when the session has a key, Bearer otherwise.
func tokenScheme(ctx context.Context) string {
	if dpopKeyFrom(ctx) != nil {
		return "DPoP"
	}
	return "Bearer"
}

// refusedTokenType is the page for a token of a type the app did not ask
// for, or nil when the type is the one expected.
func (a *App) refusedTokenType(ctx context.Context, tok *oauth2.Token) *pageError {
	want := tokenScheme(ctx)
	if strings.EqualFold(tok.TokenType, want) {
		return nil
	}
	pe := &pageError{Status: http.StatusBadGateway, Title: "Unexpected token type",
		Message: "The authorization server issued a token of type " + tok.TokenType + "; the app asked for a " + want + " token.",
		Links:   []flow.Link{{Label: "RFC 6749 §7.1: Access token types", URL: "https://www.rfc-editor.org/rfc/rfc6749#section-7.1"}}}
	if want == "DPoP" {
		// RFC 9449 §5: a Bearer token in answer to a request with a proof is a downgrade (a server, or someone in between, dropped the binding): refuse it.
		pe.Message = "The app sent a DPoP proof, but the authorization server answered with a " + tok.TokenType +
			" token: a token that works for whoever holds it. The app refuses the downgrade."
		pe.Links = append(pe.Links, rfc9449)
	}
	return pe
}

// publicHTU is the URI a proof names for a back-channel request: the
// servers check htu against their public URLs (the issuer, RESOURCEAPI_URL),
// while under compose the app reaches them by container name. A request to
// the token endpoint's host names the issuer's, one to the API's host the
// API's public one; the path stays.
func (a *App) publicHTU(u *url.URL) string {
	out := *u
	out.RawQuery, out.Fragment = "", ""
	for _, m := range [][2]string{{a.cfg.TokenURL, a.cfg.Issuer}, {a.cfg.APIURL, a.cfg.APIPublicURL}} {
		inner, err1 := url.Parse(m[0])
		public, err2 := url.Parse(m[1])
		if err1 == nil && err2 == nil && inner.Scheme == u.Scheme && inner.Host == u.Host {
			out.Scheme, out.Host = public.Scheme, public.Host
			break
		}
	}
	return out.String()
}
