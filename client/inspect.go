package main

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/oauthlab/oauthlab/client/internal/config"
	"github.com/oauthlab/oauthlab/client/internal/flow"
	"github.com/oauthlab/oauthlab/client/internal/machine"
	"github.com/oauthlab/oauthlab/client/internal/store"
	"github.com/oauthlab/oauthlab/shared/sqldb"
)

// cliRun records a command's back-channel calls with the same recorder the
// web app uses, turns them into the same inspector steps, and saves them in
// the client's database as a run the inspector shows at
// /inspector/runs/<id>.
type cliRun struct {
	cfg   config.Config
	rec   *flow.Recorder
	done  int // exchanges already turned into steps
	steps []flow.Step
}

func newCLIRun(cfg config.Config) *cliRun {
	return &cliRun{cfg: cfg, rec: flow.NewRecorder(nil)}
}

// note turns the exchanges recorded so far into steps, then adds st, so
// that a step the command takes by itself lands in its place.
func (r *cliRun) note(st flow.Step) {
	r.flush()
	r.steps = append(r.steps, st)
}

func (r *cliRun) flush() {
	xs := r.rec.Exchanges()
	now := time.Now()
	for _, x := range xs[r.done:] {
		switch {
		case x.URL == r.cfg.DeviceAuthorizationURL:
			r.steps = append(r.steps, flow.DeviceAuthorization(now, x))
		case x.URL == machine.RegisterURL(r.cfg):
			r.steps = append(r.steps, flow.Registration(now, x))
		case x.URL == r.cfg.TokenURL && flow.IsPending(x):
			r.steps = append(r.steps, flow.DevicePoll(now, x))
		case x.URL == r.cfg.TokenURL:
			r.steps = append(r.steps, flow.TokenRequest(now, x), flow.TokenResponse(now, x))
			var body struct {
				AccessToken string `json:"access_token"`
				Scope       string `json:"scope"`
				ExpiresIn   int64  `json:"expires_in"`
			}
			if x.Status == 200 && json.Unmarshal(x.RawResponse(), &body) == nil && body.AccessToken != "" {
				view := flow.DecodeAccessToken(body.AccessToken, body.Scope, now.Add(time.Duration(body.ExpiresIn)*time.Second))
				r.steps = append(r.steps, flow.AccessToken(now, view, "kept in the command's memory"))
			}
		default:
			r.steps = append(r.steps, flow.APICall(now, x))
		}
	}
	r.done = len(xs)
}

// save stores the run and prints where to see it. The run's id is a bearer
// capability: whoever has the address may read the (masked) steps, so it
// is 256 random bits, and the database keeps only its SHA-256 hash, like a
// session id. A failure to save is reported, never fatal: the command's
// own output matters more.
func (r *cliRun) save(ctx context.Context, stdout io.Writer) {
	r.flush()
	if len(r.steps) == 0 {
		return
	}
	ctx = context.WithoutCancel(ctx) // a Ctrl-C still keeps what happened
	id := store.RunIDPrefix + rand.Text() + rand.Text()
	err := func() error {
		st, err := store.Open(ctx, r.cfg.DB, time.Now)
		if err != nil {
			return fmt.Errorf("open database %s: %w", sqldb.Redact(r.cfg.DB), err)
		}
		defer st.Close()
		if err := st.CreateSession(ctx, id); err != nil {
			return err
		}
		return st.AddSteps(ctx, id, r.steps...)
	}()
	if err != nil {
		fmt.Fprintf(stdout, "\n(The steps could not be saved for the inspector: %v)\n", err)
		return
	}
	fmt.Fprintf(stdout, "\nSee every step in the inspector: %s/inspector/runs/%s\n", r.cfg.URL, id)
}
