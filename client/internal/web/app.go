package web

import (
	"context"
	"html/template"
	"log/slog"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
	"golang.org/x/oauth2"

	"github.com/oauthlab/oauthlab/client/internal/config"
	"github.com/oauthlab/oauthlab/client/internal/flow"
	"github.com/oauthlab/oauthlab/client/internal/identity"
	"github.com/oauthlab/oauthlab/client/internal/machine"
	"github.com/oauthlab/oauthlab/client/internal/store"
)

// Store is the persistence the handlers need (store.Store in production).
type Store interface {
	Ping(ctx context.Context) error
	CreateSession(ctx context.Context, id string) error
	RotateSession(ctx context.Context, oldID, newID string) error
	TouchSession(ctx context.Context, id string) (bool, error)
	SaveAttempt(ctx context.Context, sessionID string, a store.Attempt) error
	PendingAttempt(ctx context.Context, sessionID, state string) (store.Attempt, error)
	DeleteAttempt(ctx context.Context, sessionID, state string) error
	ConsumeAttempt(ctx context.Context, sessionID, state string) error
	AttemptUsed(ctx context.Context, state string) (bool, error)
	SaveToken(ctx context.Context, sessionID string, t *oauth2.Token, fallbackScope string) error
	Token(ctx context.Context, sessionID string) (*oauth2.Token, string, error)
	DeleteToken(ctx context.Context, sessionID string) error
	AddSteps(ctx context.Context, sessionID string, steps ...flow.Step) error
	Steps(ctx context.Context, sessionID string) ([]flow.Step, error)
	ClearSteps(ctx context.Context, sessionID string) error
	CSRFKey(ctx context.Context) ([]byte, error)
	IdentityStore
	DPoPKeyStore
	TokenClaimStore
}

var _ Store = (*store.Store)(nil)

// App holds what every handler shares.
type App struct {
	cfg       config.Config
	store     Store
	logger    *slog.Logger
	now       func() time.Time
	lab       labRunner // nil when CLIENT_LAB is false
	oauth     *oauth2.Config
	transport http.RoundTripper // the back channel's transport (tests may swap it)
	pages     map[string]*template.Template
	csrfKey   []byte // HMAC key of the form tokens, shared through the database
	machine   machine.TokenCache
	ids       *identity.Verifier // OpenID Connect: ID and logout tokens
}

// New returns the web app's handler. now is the clock (time.Now in main).
func New(cfg config.Config, st Store, logger *slog.Logger, now func() time.Time) (*echo.Echo, error) {
	pages, err := parsePages()
	if err != nil {
		return nil, err
	}
	csrfKey, err := st.CSRFKey(context.Background())
	if err != nil {
		return nil, err
	}
	a := &App{
		cfg:    cfg,
		store:  st,
		logger: logger,
		now:    now,
		oauth: &oauth2.Config{
			ClientID:     cfg.ClientID,
			ClientSecret: cfg.ClientSecret,
			RedirectURL:  cfg.RedirectURI(),
			Endpoint: oauth2.Endpoint{
				AuthURL:  cfg.AuthorizeURL,
				TokenURL: cfg.TokenURL,
				// RFC 6749 §2.3.1: the demo client is registered for
				// client_secret_basic; never guess, never send the secret in
				// the body.
				AuthStyle: oauth2.AuthStyleInHeader,
			},
		},
		transport: http.DefaultTransport,
		lab:       newLab(cfg, http.DefaultTransport),
		pages:     pages,
		csrfKey:   csrfKey,
	}
	a.ids = newVerifier(a)
	return a.routes(), nil
}
