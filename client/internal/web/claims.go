package web

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"time"

	"golang.org/x/oauth2"

	"github.com/oauthlab/oauthlab/client/internal/store"
)

// TokenClaimStore serialises the requests of one session that may refresh
// its token, across every replica of the client (store.Store in
// production). Two refreshes at once would spend the same refresh token
// twice, and an authorization server that rotates refresh tokens treats
// that as theft (RFC 9700 §4.14.2) and revokes them both. An in-process
// mutex would not do: the load balancer sends one browser's requests to
// any replica.
type TokenClaimStore interface {
	// ClaimToken returns store.ErrNotFound when the session has no tokens
	// and store.ErrClaimed while another holder's claim runs.
	ClaimToken(ctx context.Context, sessionID, holder string, until time.Time) error
	// ReleaseToken returns nil also when holder holds no claim.
	ReleaseToken(ctx context.Context, sessionID, holder string) error
	// ReplaceToken returns store.ErrAlreadyUsed when the row no longer
	// holds old's access token.
	ReplaceToken(ctx context.Context, sessionID string, old, t *oauth2.Token, fallbackScope string) error
}

const (
	// claimTTL ends a claim whose holder died (a replica killed mid
	// request): the session waits that long at most, not for good. It
	// outlasts a refresh and an API call, each bounded by the back
	// channel's timeouts.
	claimTTL = 15 * time.Second
	// claimWait is how long a request waits for another's claim to end.
	claimWait = 20 * time.Second
	// claimPoll is the pause between two tries.
	claimPoll = 15 * time.Millisecond
)

// errClaimTimeout is returned when another request of the session held
// its tokens for longer than claimWait.
var errClaimTimeout = errors.New("the session's tokens stayed claimed by another request")

// claimTokens waits until this request holds the session's tokens and
// returns what releases them. A session without tokens needs no claim:
// there is nothing to refresh, and release does nothing.
func (a *App) claimTokens(ctx context.Context, sid string) (release func(), err error) {
	holder := newHolder()
	deadline := time.Now().Add(claimWait)
	for {
		err := a.store.ClaimToken(ctx, sid, holder, a.now().Add(claimTTL))
		switch {
		case err == nil:
			return func() {
				// Release even when the request was cancelled, or the next
				// request waits for claimTTL.
				ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
				defer cancel()
				if err := a.store.ReleaseToken(ctx, sid, holder); err != nil {
					a.logger.Warn("release the session's tokens", "err", err)
				}
			}, nil
		case errors.Is(err, store.ErrNotFound):
			return func() {}, nil
		case !errors.Is(err, store.ErrClaimed):
			return nil, err
		}
		if time.Now().After(deadline) {
			return nil, errClaimTimeout
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(claimPoll):
		}
	}
}

// newHolder names one request's claim.
func newHolder() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return fmt.Sprintf("%x", b)
}
