package lab

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"
)

// Env is where the lab finds the actors it attacks. Every URL is one this
// process can reach (the back channel under compose).
type Env struct {
	Issuer     string // the authorization server's identifier (iss)
	AuthServer string // its base URL as this process reaches it
	API        string // the resource API's base URL
	APIPublic  string // its public URL (RESOURCEAPI_URL), which DPoP proofs name; "" means API
	// PodcastsAPI is the podcasts API's base URL (CLIENT_PODCASTS_URL),
	// the second API of the audience-confusion scenario.
	PodcastsAPI string
	Client      string // this client's own base URL
	ClientID    string // the real client's id (its redirect URI is Client + /callback)
	Transport   http.RoundTripper
}

// Outcome is what an attack achieved against one variant.
type Outcome struct {
	Outcome string `json:"outcome"` // "refused" or "succeeded"
	Status  int    `json:"status,omitempty"`
	Error   string `json:"error,omitempty"`
	Rule    string `json:"rule,omitempty"` // "RFC 6749 §4.1.2"
	Code    string `json:"code,omitempty"` // "authserver/internal/oauth/token.go:72"
	Why     string `json:"why,omitempty"`  // the tag's text at that line
	Detail  string `json:"detail,omitempty"`
}

// The two outcomes.
const (
	Refused   = "refused"
	Succeeded = "succeeded"
)

// Result is one run of a scenario. Defended and Naive are the headline
// attack; a scenario that tries the same idea in several ways lists the
// others in Variants.
type Result struct {
	ID       string    `json:"id"`
	Defended Outcome   `json:"defended"`
	Naive    *Outcome  `json:"naive"`
	Variants []Variant `json:"variants,omitempty"`
	Requests []Entry   `json:"requests"`
}

// Variant is one more way a scenario tried its attack, with its own
// outcome (and rule) against the real system and the naive variant.
type Variant struct {
	ID       string   `json:"id"`
	Title    string   `json:"title"`
	Defended Outcome  `json:"defended"`
	Naive    *Outcome `json:"naive,omitempty"`
}

// Scenario statuses in the list.
const (
	StatusReady  = "ready"
	StatusComing = "coming" // waits for a feature of the system
)

// Scenario is one attack with its story.
type Scenario struct {
	ID       string `json:"id"`
	Number   int    `json:"number"`
	Title    string `json:"title"`
	Status   string `json:"status"`
	Attacker string `json:"attacker"` // who the attacker is
	Holds    string `json:"holds"`    // what they hold
	Wants    string `json:"wants"`    // what they want
	Needs    string `json:"needs,omitempty"`
	// Notes says what the scenario cannot show yet, or shows indirectly.
	Notes string `json:"notes,omitempty"`
	// Pending names the change the scenario's rule arrives with; until it
	// is merged the rule may have no tag yet (the lead clears it).
	Pending string `json:"pending,omitempty"`
	Rule    Rule   `json:"-"`
	Naive   string `json:"-"` // what the naive variant leaves out, if there is one

	run func(ctx context.Context, r *run) (Outcome, *Outcome, error)
}

// Lab runs scenarios against the actors of an Env.
type Lab struct {
	env     Env
	clients clientCache
	mu      sync.Mutex // one run at a time: runs share the lab's clients
}

// New returns a lab for env.
func New(env Env) *Lab {
	if env.Transport == nil {
		env.Transport = http.DefaultTransport
	}
	return &Lab{env: env}
}

// Scenarios lists every scenario, in the order.
func (l *Lab) Scenarios() []Scenario { return catalog() }

// Find returns the scenario with id.
func Find(id string) (Scenario, bool) {
	for _, s := range catalog() {
		if s.ID == id {
			return s, true
		}
	}
	return Scenario{}, false
}

// ErrNotReady is returned when a coming scenario is run.
var ErrNotReady = errors.New("lab: this scenario waits for a feature of the system")

// Run attacks the real system with the scenario id.
func (l *Lab) Run(ctx context.Context, id string) (Result, error) {
	s, ok := Find(id)
	if !ok {
		return Result{}, fmt.Errorf("lab: no scenario %q", id)
	}
	if s.run == nil {
		return Result{}, ErrNotReady
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	r := &run{lab: l, env: l.env, tape: &tape{}, scenario: s}
	defended, naive, err := s.run(ctx, r)
	if err != nil {
		return Result{}, fmt.Errorf("lab: %s: %w", id, err)
	}
	return Result{ID: id, Defended: defended, Naive: naive, Variants: r.variants, Requests: r.tape.entries}, nil
}

// run is the state of one scenario run.
type run struct {
	lab      *Lab
	env      Env
	tape     *tape
	scenario Scenario
	variants []Variant
}

// refused is the defended outcome: the scenario's rule stopped the attack.
func (r *run) refused(status int, errCode, detail string) Outcome {
	return r.withRule(Outcome{Outcome: Refused, Status: status, Error: errCode, Detail: detail})
}

// succeeded is an attack that got through the real system: a bug, which
// the system tests turn into a failure.
func (r *run) succeeded(status int, detail string) Outcome {
	return r.withRule(Outcome{Outcome: Succeeded, Status: status, Detail: detail})
}

func (r *run) withRule(o Outcome) Outcome { return withRule(o, r.scenario.Rule) }

// withRule names rule, and the line that enforces it, in o.
func withRule(o Outcome, rule Rule) Outcome {
	o.Rule = rule.Key
	if rule.Site.File != "" {
		o.Code, o.Why = rule.Site.Location(), rule.Site.Why
	}
	return o
}

// variant records one more attempt of the scenario, its outcome against
// the real system decided by rule.
func (r *run) variant(id, title string, rule Rule, defended Outcome, naive *Outcome) {
	r.variants = append(r.variants, Variant{ID: id, Title: title, Defended: withRule(defended, rule), Naive: naive})
}

// naive is the outcome against the naive variant.
func naive(succeeded bool, detail string) *Outcome {
	o := &Outcome{Outcome: Refused, Detail: detail}
	if succeeded {
		o.Outcome = Succeeded
	}
	return o
}
