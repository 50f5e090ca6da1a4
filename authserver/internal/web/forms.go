package web

import (
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"

	"github.com/golang-jwt/jwt/v5"
	"github.com/labstack/echo/v4"

	"github.com/oauthlab/oauthlab/authserver/internal/oauth"
	"github.com/oauthlab/oauthlab/authserver/internal/throttle"
)

// readForm reads a back-channel request body: application/x-www-form-urlencoded
// (RFC 6749 §3.2, RFC 7009 §2.1, RFC 7662 §2.1), each parameter at most once.
func readForm(c echo.Context) (url.Values, error) {
	r := c.Request()
	mt, _, err := mime.ParseMediaType(r.Header.Get(echo.HeaderContentType))
	if err != nil || mt != echo.MIMEApplicationForm {
		return nil, oauth.ErrInvalidRequest("the body must be application/x-www-form-urlencoded")
	}
	body, err := io.ReadAll(r.Body)
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return nil, oauth.ErrInvalidRequest("request body too large")
	}
	if err != nil {
		return nil, oauth.ErrInvalidRequest("could not read the request body")
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return nil, oauth.ErrInvalidRequest("malformed form body")
	}
	// RFC 6749 §3.2: "Request and response parameters MUST NOT be included
	// more than once."
	for name, vals := range form {
		// RFC 8707 §2: resource is the exception; it may name several resources.
		if len(vals) > 1 && name != "resource" {
			return nil, oauth.ErrInvalidRequest(oauth.ParamName(name) + " is repeated")
		}
	}
	return form, nil
}

// clientCredentials takes the client's credentials from the Authorization
// header (client_secret_basic, RFC 6749 §2.3.1) or the body
// (client_secret_post), or just its id for a public client.
func clientCredentials(r *http.Request, form url.Values) (oauth.ClientCredentials, error) {
	auth := r.Header.Get(echo.HeaderAuthorization)
	if form.Has("client_assertion") || form.Has("client_assertion_type") {
		return assertionCredentials(auth, form)
	}
	if auth == "" {
		creds := oauth.ClientCredentials{ID: form.Get("client_id"), Method: oauth.AuthNone}
		if form.Has("client_secret") {
			creds.Secret, creds.HasSecret, creds.Method = form.Get("client_secret"), true, oauth.AuthSecretPost
		}
		return creds, nil
	}
	scheme, payload, _ := strings.Cut(auth, " ")
	if !strings.EqualFold(scheme, "Basic") {
		return oauth.ClientCredentials{}, oauth.ErrInvalidClient("use HTTP Basic authentication or client_secret_post")
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(payload))
	if err != nil {
		return oauth.ClientCredentials{}, oauth.ErrInvalidClient("malformed Basic credentials")
	}
	user, pass, ok := strings.Cut(string(raw), ":")
	if !ok {
		return oauth.ClientCredentials{}, oauth.ErrInvalidClient("malformed Basic credentials")
	}
	// RFC 6749 §2.3.1: id and secret are form-urlencoded before Basic
	// encoding, so a secret may contain ':' or non-ASCII characters.
	id, err1 := url.QueryUnescape(user)
	secret, err2 := url.QueryUnescape(pass)
	if err1 != nil || err2 != nil {
		return oauth.ClientCredentials{}, oauth.ErrInvalidClient("malformed Basic credentials")
	}
	// RFC 6749 §2.3: "The client MUST NOT use more than one authentication
	// method in each request."
	if form.Has("client_secret") {
		return oauth.ClientCredentials{}, oauth.ErrInvalidRequest("use one client authentication method, not both Basic and client_secret")
	}
	if form.Has("client_id") && form.Get("client_id") != id {
		return oauth.ClientCredentials{}, oauth.ErrInvalidRequest("client_id in the body differs from the Authorization header")
	}
	return oauth.ClientCredentials{ID: id, Secret: secret, HasSecret: true, Method: oauth.AuthSecretBasic}, nil
}

// assertionCredentials takes a JWT client assertion (RFC 7523 §2.2) from
// the body. The client_id is optional beside it; when absent, the
// assertion's sub names the client (verified later with iss and the
// signature).
func assertionCredentials(auth string, form url.Values) (oauth.ClientCredentials, error) {
	// RFC 6749 §2.3: "The client MUST NOT use more than one authentication method in each request."
	if auth != "" || form.Has("client_secret") {
		return oauth.ClientCredentials{}, oauth.ErrInvalidRequest("use one client authentication method, not a client_assertion and a secret")
	}
	// RFC 7523 §2.2: the assertion type names a JWT bearer assertion.
	if form.Get("client_assertion_type") != oauth.ClientAssertionType {
		return oauth.ClientCredentials{}, oauth.ErrInvalidRequest("client_assertion_type must be " + oauth.ClientAssertionType)
	}
	assertion := form.Get("client_assertion")
	if assertion == "" || len(assertion) > 8<<10 {
		return oauth.ClientCredentials{}, oauth.ErrInvalidRequest("client_assertion is missing or too large")
	}
	id := form.Get("client_id")
	if id == "" {
		var claims jwt.RegisteredClaims
		if _, _, err := jwt.NewParser().ParseUnverified(assertion, &claims); err != nil {
			return oauth.ClientCredentials{}, oauth.ErrInvalidClient("the client assertion is malformed")
		}
		id = claims.Subject
	}
	return oauth.ClientCredentials{ID: id, Method: oauth.AuthClientAssertion, Assertion: assertion}, nil
}

// clientAuth authenticates the client of a back-channel request (token,
// revocation, introspection), as all three endpoints must before anything
// else (RFC 6749 §2.3).
type clientAuth struct {
	server *oauth.Server
	// failures counts failed authentications per (client_id, address).
	// Each wrong secret costs a bcrypt comparison (~100 ms of CPU), so an
	// address that keeps guessing a client's secret is stopped before it
	// can use the server's CPU up; other clients at the same address (a
	// resource API beside a broken client, say) are not stopped with it.
	failures *throttle.Limiter
}

// authenticate reads the request's form and returns the authenticated
// client with it.
func (a clientAuth) authenticate(c echo.Context) (oauth.Client, url.Values, error) {
	form, err := readForm(c)
	if err != nil {
		return oauth.Client{}, nil, err
	}
	creds, err := clientCredentials(c.Request(), form)
	if err != nil {
		return oauth.Client{}, nil, err
	}
	key := creds.ID + "\x00" + c.RealIP()
	if ok, wait := a.failures.Allowed(key); !ok {
		// RFC 6585 §4: 429 with Retry-After. The error code stays
		// invalid_client: authentication is what is being refused.
		c.Response().Header().Set("Retry-After", fmt.Sprint(int(wait.Seconds())+1))
		return oauth.Client{}, nil, &oauth.Error{Code: "invalid_client", Status: http.StatusTooManyRequests,
			Description: "too many failed authentications of this client from this address; retry later"}
	}
	client, err := a.server.AuthenticateClient(c.Request().Context(), creds)
	if oe, ok := oauth.AsError(err); ok && oe.Code == "invalid_client" {
		a.failures.Fail(key)
	}
	if err != nil {
		return oauth.Client{}, nil, err
	}
	return client, form, nil
}

// noStore marks a response as never to be cached (RFC 6749 §5.1).
func noStore(c echo.Context) {
	h := c.Response().Header()
	h.Set("Cache-Control", "no-store")
	h.Set("Pragma", "no-cache")
}
