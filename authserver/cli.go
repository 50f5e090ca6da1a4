package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/oauthlab/oauthlab/authserver/internal/config"
	"github.com/oauthlab/oauthlab/authserver/internal/oauth"
	"github.com/oauthlab/oauthlab/authserver/internal/store"
	"github.com/oauthlab/oauthlab/shared/scopes"
)

// The CLI works on the same database file as the server (AUTHSERVER_DB),
// and may run while the server runs: SQLite's locking keeps both safe.

type listFlag []string

func (l *listFlag) String() string { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error {
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			*l = append(*l, s)
		}
	}
	return nil
}

func clientsCommand(ctx context.Context, cfg config.Config, args []string, stdout io.Writer) error {
	if len(args) == 0 {
		return fmt.Errorf("clients: say add or list\n%s", usage)
	}
	db, err := openCLIStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	switch args[0] {
	case "add":
		return clientsAdd(ctx, cfg, db, args[1:], stdout)
	case "list":
		clients, err := db.Clients(ctx)
		if err != nil {
			return err
		}
		w := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(w, "ID\tNAME\tAUTH\tGRANTS\tSCOPES\tREDIRECT URIS")
		for _, c := range clients {
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\n", c.ID, c.Name, c.AuthMethod,
				strings.Join(c.GrantTypes, ","), strings.Join(c.Scopes, " "), strings.Join(c.RedirectURIs, " "))
		}
		return w.Flush()
	}
	return fmt.Errorf("clients: unknown command %q\n%s", args[0], usage)
}

func clientsAdd(ctx context.Context, cfg config.Config, db cliStore, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("clients add", flag.ContinueOnError)
	fs.SetOutput(stdout)
	id := fs.String("id", "", "client id (default: random)")
	secret := fs.String("secret", "", "client secret (default: random, printed once)")
	name := fs.String("name", "", "name shown on the consent page")
	public := fs.Bool("public", false, "a public client (no secret; PKCE required)")
	authMethod := fs.String("auth-method", "", "client_secret_basic (default), client_secret_post, client_secret_jwt or private_key_jwt (with -jwks)")
	jwksFile := fs.String("jwks", "", "file with the JWK Set of public keys of a private_key_jwt client (RFC 7523)")
	scope := fs.String("scope", "", "space-delimited scopes (default: all the grants allow)")
	resourceServer := fs.Bool("resource-server", false, "a resource server: no grants, it only calls /introspect")
	requirePAR := fs.Bool("require-par", false, "accept this client's authorization requests only through /par (RFC 9126 require_pushed_authorization_requests)")
	allowNoPKCE := fs.Bool("allow-no-pkce", false, "exempt this confidential client from PKCE, which OAuth 2.1 requires of every client (only for an app that cannot send code_challenge)")
	backchannelURI := fs.String("backchannel-logout-uri", "", "where the client receives logout tokens (OIDC Back-Channel Logout)")
	var redirects, grants, logoutRedirects listFlag
	fs.Var(&redirects, "redirect-uri", "redirect URI (repeat or comma-separate)")
	fs.Var(&logoutRedirects, "post-logout-redirect-uri", "where /end_session may send the browser back (repeat or comma-separate)")
	fs.Var(&grants, "grant", "grant types: "+strings.Join(oauth.GrantNames(), ", ")+" (default authorization_code,refresh_token)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	switch {
	case *resourceServer:
		// Validate it as a machine client; its grants are dropped below.
		grants = listFlag{oauth.GrantClientCredentials}
	case len(grants) == 0:
		grants = listFlag{oauth.GrantAuthorizationCode, oauth.GrantRefreshToken}
	}
	meta := oauth.ClientMetadata{
		RedirectURIs: redirects, GrantTypes: grants, ClientName: *name, Scope: *scope,
		TokenEndpointAuthMethod: *authMethod, PostLogoutRedirectURIs: logoutRedirects,
		RequirePushedAuthorizationRequests: *requirePAR,
	}
	if *public {
		meta.TokenEndpointAuthMethod = oauth.AuthNone
	}
	if *jwksFile != "" {
		raw, err := os.ReadFile(*jwksFile)
		if err != nil {
			return fmt.Errorf("clients add: -jwks: %w", err)
		}
		meta.JWKS = raw
	}
	if !slices.Contains(grants, oauth.GrantAuthorizationCode) {
		meta.ResponseTypes = []string{}
	}
	if err := seedResources(ctx, cfg, db); err != nil {
		return err
	}
	srv, err := newServer(ctx, cfg, db)
	if err != nil {
		return err
	}
	c, err := srv.NewClient(meta, *id)
	if err != nil {
		return err
	}
	if *backchannelURI != "" {
		// Set by the operator only: registration refuses it (SSRF).
		if err := oauth.CheckBackchannelLogoutURI(*backchannelURI); err != nil {
			return err
		}
		c.BackchannelLogoutURI = *backchannelURI
	}
	if *allowNoPKCE {
		// Never for a public client: PKCE is all that protects its codes
		// (RFC 7636 §1).
		if c.Public() {
			return fmt.Errorf("-allow-no-pkce is only for confidential clients: a public client must use PKCE")
		}
		c.PKCEOptional = true
	}
	if *resourceServer {
		// Not a client in the RFC 6749 sense: it gets no tokens, so it has
		// no grants, scopes or redirect URIs (see oauth.Client.ResourceServer).
		c.GrantTypes, c.Scopes, c.RedirectURIs, c.AuthMethod = nil, nil, nil, oauth.AuthSecretBasic
	}
	// RFC 9068 §5: a client_credentials token carries the client id as
	// `sub`; a client id equal to a user's subject would make the two
	// indistinguishable to the resource API.
	if _, err := db.User(ctx, c.ID); err == nil {
		return fmt.Errorf("client id %q is a user's subject; choose another", c.ID)
	}
	if c.AuthMethod == oauth.AuthPrivateKeyJWT {
		if *secret != "" {
			return fmt.Errorf("a private_key_jwt client has no secret")
		}
	} else if !c.Public() {
		if *secret == "" {
			*secret = oauth.NewSecret()
		}
		if err := srv.SetClientSecret(&c, *secret); err != nil {
			return fmt.Errorf("clients add: %w", err)
		}
	} else if *secret != "" {
		return fmt.Errorf("a public client has no secret")
	}
	c.Source = oauth.SourceCLI
	if err := db.CreateClient(ctx, c); err != nil {
		return fmt.Errorf("add client %s: %w", c.ID, err)
	}
	fmt.Fprintf(stdout, "client_id:     %s\n", c.ID)
	if *secret != "" {
		stored := "only its hash is stored"
		if c.AuthMethod == oauth.AuthSecretJWT {
			stored = "stored hashed, and encrypted to check its HMAC assertions"
		}
		fmt.Fprintf(stdout, "client_secret: %s\n(shown once: %s)\n", *secret, stored)
	}
	fmt.Fprintf(stdout, "grants:        %s\nscopes:        %s\n", strings.Join(c.GrantTypes, " "), scopes.Join(c.Scopes))
	return nil
}

func keysCommand(ctx context.Context, cfg config.Config, args []string, stdout io.Writer) error {
	if len(args) == 0 {
		return fmt.Errorf("keys: say rotate, retire or list\n%s", usage)
	}
	db, err := openCLIStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	switch args[0] {
	case "rotate":
		return rotateKey(ctx, cfg, db, args[1:], stdout)
	case "retire":
		if len(args) != 2 {
			return fmt.Errorf("keys retire: say which key: authserver keys retire KID")
		}
		return retireKey(ctx, cfg, db, args[1], stdout)
	case "list":
		return listKeys(ctx, cfg, db, stdout)
	}
	return fmt.Errorf("keys: unknown command %q\n%s", args[0], usage)
}

// rotateKey adds a key that is published at once and signs after
// -publish-ahead: an access-token key, or (-purpose id_token) a key that
// signs ID tokens and logout tokens of its algorithm.
func rotateKey(ctx context.Context, cfg config.Config, db cliStore, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("keys rotate", flag.ContinueOnError)
	fs.SetOutput(stdout)
	purpose := fs.String("purpose", oauth.PurposeAccess, "what the key signs: access (access tokens) or id_token (ID tokens and logout tokens)")
	alg := fs.String("alg", "", "algorithm: ES256, EdDSA, RS256 or PS256 (default: AUTHSERVER_SIGNING_ALG for access, "+oauth.DefaultIDTokenAlg+" for id_token)")
	ahead := fs.Duration("publish-ahead", 2*time.Minute,
		"publish the key in the JWKS this long before it signs, so that verifiers have it first (0: sign at once)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *ahead < 0 {
		return fmt.Errorf("keys rotate: -publish-ahead must not be negative")
	}
	switch {
	case *purpose != oauth.PurposeAccess && *purpose != oauth.PurposeIDToken:
		return fmt.Errorf("keys rotate: -purpose is access or id_token, not %q", *purpose)
	case *alg != "":
	case *purpose == oauth.PurposeIDToken:
		*alg = oauth.DefaultIDTokenAlg
	default:
		*alg = cfg.SigningAlg
	}
	now := time.Now()
	k, err := oauth.GenerateKey(*alg, now)
	if err != nil {
		return err
	}
	if *purpose == oauth.PurposeIDToken {
		k.Purpose = oauth.PurposeIDToken
		// The first key of an algorithm has nothing to take over from, and
		// no relying party holds a token of that algorithm yet: it signs at
		// once, and is created as a replica's first use would be, so that
		// the two cannot make two first keys.
		first, err := db.EnsureIDTokenSigningKey(ctx, k)
		if err != nil {
			return err
		}
		if first {
			fmt.Fprintf(stdout, "new ID-token key %s (%s) is in the JWKS now and signs ID tokens and logout tokens at once:\n"+
				"there was no %s ID-token key to rotate from\n", k.KID, k.Alg, k.Alg)
			return nil
		}
	}
	if *ahead > 0 {
		k.SignsFrom = now.Add(*ahead).UTC()
	}
	if err := db.AddSigningKey(ctx, k); err != nil {
		return err
	}
	if k.IDTokenKey() {
		fmt.Fprintf(stdout, "new ID-token key %s (%s) is in the JWKS now and signs ID tokens and logout tokens from %s;\n"+
			"older %s ID-token keys stay in the JWKS until the ID tokens they signed expire (or `authserver keys retire KID`)\n",
			k.KID, k.Alg, k.Start().Format(time.RFC3339), k.Alg)
		return nil
	}
	fmt.Fprintf(stdout, "new signing key %s (%s) is in the JWKS now and signs from %s;\n"+
		"older keys stay in the JWKS until their tokens expire (or `authserver keys retire KID`)\n",
		k.KID, k.Alg, k.Start().Format(time.RFC3339))
	return nil
}

// retireKey takes a key out of the JWKS at once: tokens it signed stop
// verifying. The key that signs now (access tokens, or ID tokens of its
// algorithm) cannot be retired: rotate first.
func retireKey(ctx context.Context, cfg config.Config, db cliStore, kid string, stdout io.Writer) error {
	keys := oauth.NewKeys(db, cfg.AccessTokenTTL, time.Now)
	all, err := db.SigningKeys(ctx)
	if err != nil {
		return err
	}
	i := slices.IndexFunc(all, func(k oauth.SigningKey) bool { return k.KID == kid })
	if i >= 0 && all[i].IDTokenKey() {
		signing, ok, err := keys.ActiveIDTokenKey(ctx, all[i].Alg)
		if err != nil {
			return err
		}
		if ok && signing.KID == kid {
			return fmt.Errorf("keys retire: %s is the %s ID-token key that signs now; run `authserver keys rotate -purpose id_token -alg %s` and retire it once the new key signs",
				kid, signing.Alg, signing.Alg)
		}
	} else {
		active, err := keys.Active(ctx)
		if err != nil {
			return err
		}
		if active.KID == kid {
			return fmt.Errorf("keys retire: %s is the key that signs now; run `authserver keys rotate` and retire it once the new key signs", kid)
		}
	}
	if err := db.RetireSigningKey(ctx, kid, time.Now()); errors.Is(err, oauth.ErrNotFound) {
		return fmt.Errorf("keys retire: no key %s that is not already retired", kid)
	} else if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "key %s retired: it is out of the JWKS now; tokens it signed no longer verify\n", kid)
	return nil
}

// listKeys shows every key, access-token and ID-token keys alike, with its
// state in the rotation: published ahead, signing, published (verifying
// older tokens only), or gone.
func listKeys(ctx context.Context, cfg config.Config, db cliStore, stdout io.Writer) error {
	all, err := db.SigningKeys(ctx)
	if err != nil {
		return err
	}
	keys := oauth.NewKeys(db, cfg.AccessTokenTTL, time.Now)
	active, _ := keys.Active(ctx)
	published, _ := keys.Published(ctx)
	now := time.Now()
	w := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "KID\tALG\tPURPOSE\tCREATED\tSTATE")
	for _, k := range all {
		purpose, signing := oauth.PurposeAccess, active
		signs, ahead, older := "signing", "published ahead, signs from ", "published, verifies older tokens"
		if k.IDTokenKey() {
			// Each algorithm has its own ID-token key that signs.
			purpose = oauth.PurposeIDToken
			signing, _, _ = keys.ActiveIDTokenKey(ctx, k.Alg)
			signs, ahead, older = "signs ID tokens", "published ahead, signs ID tokens from ", "published, verifies older ID tokens"
		}
		state := "expired (out of the JWKS)"
		switch {
		case k.Retired():
			state = "retired " + k.RetiredAt.Format(time.RFC3339)
		case k.KID == signing.KID:
			state = signs
		case k.Start().After(now):
			state = ahead + k.Start().Format(time.RFC3339)
		case slices.ContainsFunc(published, func(p oauth.SigningKey) bool { return p.KID == k.KID }):
			state = older
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", k.KID, k.Alg, purpose, k.CreatedAt.Format(time.RFC3339), state)
	}
	return w.Flush()
}

func usersCommand(ctx context.Context, cfg config.Config, args []string, stdout io.Writer) error {
	if len(args) == 0 || args[0] != "add" {
		return fmt.Errorf("users: say add\n%s", usage)
	}
	fs := flag.NewFlagSet("users add", flag.ContinueOnError)
	fs.SetOutput(stdout)
	username := fs.String("username", "", "sign-in name (required)")
	password := fs.String("password", "", "password (default: random, printed once)")
	name := fs.String("name", "", "display name and `name` claim (default: the username)")
	email := fs.String("email", "", "email address (the `email` claim)")
	emailVerified := fs.Bool("email-verified", false, "the email address was verified (the `email_verified` claim)")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if len(*email) > 200 || (*email != "" && !strings.Contains(*email, "@")) {
		return fmt.Errorf("users add: -email must be an email address")
	}
	if *username == "" || len(*username) > 100 || strings.ContainsAny(*username, " \t\n") {
		return fmt.Errorf("users add: -username is required, without spaces, at most 100 characters")
	}
	if *password == "" {
		*password = oauth.NewSecret()[:16]
		fmt.Fprintf(stdout, "password: %s (shown once)\n", *password)
	}
	if *name == "" {
		*name = *username
	}
	hash, err := oauth.HashPassword(*password)
	if err != nil {
		return err
	}
	db, err := openCLIStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	// A random subject: stable, never reused, and unrelated to the
	// username, which the user may want to change one day.
	u := oauth.User{Subject: "user-" + oauth.NewSecret()[:22], Username: *username, PasswordHash: hash, DisplayName: *name,
		Name: *name, Email: *email, EmailVerified: *emailVerified}
	if err := db.CreateUser(ctx, u); err != nil {
		return fmt.Errorf("add user %s: %w", *username, err)
	}
	fmt.Fprintf(stdout, "user %s added (sub %s)\n", u.Username, u.Subject)
	return nil
}

// cliStore is what the CLI needs of the database: the CLI depends on these
// roles, not on the concrete store.
type cliStore interface {
	protocolStore
	store.AdminStore
	// EnsureIDTokenSigningKey makes the first ID-token key of an algorithm.
	oauth.FirstKeyStore
	Close() error
}

// openCLIStore opens AUTHSERVER_DB, a SQLite file or a postgres:// URL.
func openCLIStore(ctx context.Context, cfg config.Config) (cliStore, error) {
	return store.Open(ctx, cfg.DBPath)
}
