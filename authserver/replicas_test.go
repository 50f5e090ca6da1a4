package main

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/oauthlab/oauthlab/shared/actortest"
	"github.com/oauthlab/oauthlab/shared/pgtest"
)

// startReplicas runs two authserver binaries on one PostgreSQL database,
// as two replicas behind a load balancer: both name the same issuer (the
// first one's URL), and each answers on its own port.
func startReplicas(t *testing.T) (a, b *actortest.Process) {
	t.Helper()
	dsn := pgtest.DSN(t)
	addrA, addrB := actortest.FreeAddr(t), actortest.FreeAddr(t)
	issuer := "http://" + addrA
	env := func(addr string) []string {
		return []string{"AUTHSERVER_ADDR=" + addr, "AUTHSERVER_ISSUER=" + issuer, "AUTHSERVER_DB=" + dsn}
	}
	// Started at once: migrations, seeding and the first keys race.
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); a = actortest.Start(t, "authserver", issuer, env(addrA)...) }()
	go func() { defer wg.Done(); b = actortest.Start(t, "authserver", "http://"+addrB, env(addrB)...) }()
	wg.Wait()
	if a == nil || b == nil {
		t.FailNow()
	}
	return a, b
}

// TestReplicas runs the cases of two replicas sharing one database: a flow
// that moves between them, races between them, and state that must be
// counted once across them.
func TestReplicas(t *testing.T) {
	a, b := startReplicas(t)
	ctx := context.Background()

	t.Run("AuthorizeOnOneTokenOnTheOther", func(t *testing.T) {
		// Every browser request goes to the next replica: the login form
		// served by one is posted to the other (CSRF key, pending request
		// and session are all in the database).
		conf, code, verifier := authorizeOn(t, []string{a.URL, b.URL}, b.URL, []string{"tracks:read"})
		tok, err := conf.Exchange(ctx, code, oauth2.VerifierOption(verifier))
		if err != nil {
			t.Fatalf("token on B for a code from A: %v", err)
		}
		if !introspectActive(t, a.URL, tok.AccessToken) {
			t.Error("A does not know the token B issued")
		}
		// One signing key for both (created once, at the concurrent start).
		kid := verify(t, a.URL, tok.AccessToken)
		if kidsA, kidsB := jwksKids(t, a.URL), jwksKids(t, b.URL); !slices.Contains(kidsB, kid) || len(kidsA) != len(kidsB) {
			t.Errorf("the replicas publish different keys: %v and %v (token signed by %s)", kidsA, kidsB, kid)
		}
	})

	t.Run("OneCodeRacedOnBoth", func(t *testing.T) {
		// covers: RFC 6749 §4.1.2
		conf, code, verifier := authorizeOn(t, []string{a.URL}, a.URL, []string{"tracks:read"})
		var wins atomic.Int32
		var wg sync.WaitGroup
		for i := range 16 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				c := *conf
				c.Endpoint.TokenURL = []string{a.URL, b.URL}[i%2] + "/token"
				if _, err := c.Exchange(ctx, code, oauth2.VerifierOption(verifier)); err == nil {
					wins.Add(1)
				}
			}()
		}
		wg.Wait()
		if wins.Load() != 1 {
			t.Fatalf("%d of 16 exchanges of one code on two replicas succeeded, want exactly 1", wins.Load())
		}
	})

	t.Run("RefreshReuseDetectedAcrossReplicas", func(t *testing.T) {
		// covers: RFC 9700 §4.14.2
		tok := userToken(t, a.URL)
		refresh := func(base, rt string) (*oauth2.Token, error) {
			conf := &oauth2.Config{ClientID: "demo-client", ClientSecret: "demo-secret",
				Endpoint: oauth2.Endpoint{TokenURL: base + "/token", AuthStyle: oauth2.AuthStyleInHeader}}
			return conf.TokenSource(ctx, &oauth2.Token{RefreshToken: rt}).Token()
		}
		next, err := refresh(a.URL, tok.RefreshToken)
		if err != nil {
			t.Fatalf("refresh on A: %v", err)
		}
		if _, err := refresh(b.URL, tok.RefreshToken); err == nil {
			t.Fatal("B accepted the refresh token A had rotated")
		}
		if _, err := refresh(a.URL, next.RefreshToken); err == nil {
			t.Error("after the reuse on B, A still refreshes the family's newest token")
		}
		if introspectActive(t, b.URL, next.AccessToken) {
			t.Error("after the reuse, the family's access token is still active")
		}
	})

	t.Run("SignInThrottleCountedAcrossReplicas", func(t *testing.T) {
		// Six wrong passwords, three on each replica: five are free per
		// (user, address), so the seventh attempt must wait, on either.
		jar, _ := cookiejar.New(nil)
		browser := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		resp, err := browser.Get(a.URL + "/login")
		if err != nil {
			t.Fatal(err)
		}
		status := 0
		for i := range 7 {
			form := actortest.HiddenFields(readBody(t, resp))
			form.Set("username", "bob")
			form.Set("password", "wrong")
			if resp, err = browser.PostForm([]string{b.URL, a.URL}[i%2]+"/login", form); err != nil {
				t.Fatal(err)
			}
			status = resp.StatusCode
		}
		resp.Body.Close()
		if status != http.StatusTooManyRequests {
			t.Fatalf("seventh wrong password (the first six spread over two replicas): %d, want 429", status)
		}
	})

	t.Run("KillOneUnderLoad", func(t *testing.T) {
		// Clients ask both replicas for tokens; A is killed (SIGKILL) on
		// the way. B keeps serving, and every token either issued still
		// introspects as active.
		load := startTokenLoad([]string{a.URL, b.URL}, 4)
		load.waitFor(8)
		a.Kill()
		beforeKill := load.count()
		load.waitFor(beforeKill + 8)
		issued := load.finish()
		if n := load.failures(b.URL); n > 0 {
			t.Errorf("B failed %d requests while A died", n)
		}
		if len(issued) < beforeKill+8 {
			t.Fatalf("only %d tokens issued under load", len(issued))
		}
		for _, tok := range issued {
			if !introspectActive(t, b.URL, tok) {
				t.Fatalf("a token issued before or during the kill is not active on B (of %d)", len(issued))
			}
		}
	})
}

// tokenLoad is clients asking for demo-machine tokens without pause, each
// worker going to the next of bases in turn, until finish.
type tokenLoad struct {
	mu     sync.Mutex
	issued []string
	failed map[string]int // by base URL
	stop   chan struct{}
	wg     sync.WaitGroup
}

func startTokenLoad(bases []string, workers int) *tokenLoad {
	l := &tokenLoad{failed: map[string]int{}, stop: make(chan struct{})}
	for w := range workers {
		l.wg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-l.stop:
					return
				default:
				}
				base := bases[(w+i)%len(bases)]
				tok, err := clientCredentials(base)
				l.mu.Lock()
				if err != nil {
					l.failed[base]++
				} else {
					l.issued = append(l.issued, tok)
				}
				l.mu.Unlock()
			}
		})
	}
	return l
}

// count is how many tokens were issued so far.
func (l *tokenLoad) count() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.issued)
}

// waitFor waits until n tokens were issued: counted, not timed, as on a
// loaded machine a token may take a while (it gives up after 30 s).
func (l *tokenLoad) waitFor(n int) {
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline) && l.count() < n; {
		time.Sleep(20 * time.Millisecond)
	}
}

// finish stops the workers and returns every token issued.
func (l *tokenLoad) finish() []string {
	close(l.stop)
	l.wg.Wait()
	return slices.Clone(l.issued)
}

// failures is how many requests to base failed.
func (l *tokenLoad) failures(base string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.failed[base]
}

// clientCredentials asks base for a demo-machine token and returns it.
func clientCredentials(base string) (string, error) {
	conf := &clientcredentials.Config{ClientID: "demo-machine", ClientSecret: "machine-secret",
		TokenURL: base + "/token", AuthStyle: oauth2.AuthStyleInHeader}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	tok, err := conf.Token(ctx)
	if err != nil {
		return "", err
	}
	return tok.AccessToken, nil
}

func readBody(t *testing.T, resp *http.Response) string {
	t.Helper()
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(body)
}
