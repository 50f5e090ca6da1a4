// Package actortest starts the project's real actors as separate processes
// for tests: it builds an actor's binary from this workspace, runs it on a
// loopback port with the environment a test gives it, and waits until it
// answers GET /healthz.
//
// Tests use it where an actor must talk to another one for real (the
// resource API checking tokens of a real authorization server, the client
// running the whole flow), and to kill and restart a process to prove that
// nothing issued is lost.
package actortest

import (
	"bytes"
	"errors"
	"fmt"
	"html"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// Root returns the workspace root: the nearest folder above the working
// directory that holds go.work.
func Root(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.work")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("actortest: no go.work above the working directory")
		}
		dir = parent
	}
}

var (
	buildMu sync.Mutex
	built   = map[string]string{}
)

// Binary builds the named actor ("authserver", "resourceapi", "client", or
// a second binary of a module such as "resourceapi/cmd/podcastapi") once
// per test process and returns the path of its binary. Go's build cache
// makes a rebuild of unchanged code take about a second.
func Binary(t testing.TB, actor string) string {
	t.Helper()
	buildMu.Lock()
	defer buildMu.Unlock()
	if path, ok := built[actor]; ok {
		return path
	}
	root := Root(t)
	dir := filepath.Join(root, "bin", "test")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	// Build to a private name, then rename: test binaries of several packages
	// run at once, and a rename never leaves a half-written file in place.
	name := filepath.Base(actor)
	tmp := filepath.Join(dir, fmt.Sprintf(".%s-%d", name, os.Getpid()))
	cmd := exec.Command("go", "build", "-o", tmp, "./"+actor)
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("actortest: go build ./%s: %v\n%s", actor, err, out)
	}
	path := filepath.Join(dir, name)
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
	built[actor] = path
	return path
}

// FreeAddr returns a loopback address with a port that is free now and
// that no other test of this process has been given. The actors need their
// own URL before they start (the issuer is part of every token), so the port
// is chosen here rather than by the kernel at listen time.
//
// The port comes from below the kernel's ephemeral range: a port the kernel
// picked (for an httptest server, or for the local end of any outgoing
// connection) could be taken by someone else between this check and the
// actor's own listen, and the actor would fail with "address in use".
func FreeAddr(t testing.TB) string {
	t.Helper()
	portMu.Lock()
	defer portMu.Unlock()
	low, high := quietPortRange()
	for range 200 {
		port := low + rand.IntN(high-low)
		if givenPorts[port] {
			continue
		}
		ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
		if err != nil {
			continue // in use
		}
		addr := ln.Addr().String()
		ln.Close()
		givenPorts[port] = true
		return addr
	}
	t.Fatal("actortest: no free port found")
	return ""
}

var (
	portMu     sync.Mutex
	givenPorts = map[int]bool{}
)

// quietPortRange is a range of ports the kernel never hands out by itself:
// the thousands just below its ephemeral range (Linux:
// /proc/sys/net/ipv4/ip_local_port_range, 32768 by default).
func quietPortRange() (low, high int) {
	ephemeral := 32768
	if b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range"); err == nil {
		if f := strings.Fields(string(b)); len(f) == 2 {
			if n, err := strconv.Atoi(f[0]); err == nil && n > 12000 {
				ephemeral = n
			}
		}
	}
	return ephemeral - 10000, ephemeral
}

// Process is a running actor.
type Process struct {
	// URL is the base URL the process serves, with no trailing slash.
	URL string

	t      testing.TB
	actor  string
	binary string
	env    []string
	logs   *SyncBuffer
	cmd    *exec.Cmd
	exited chan struct{}
}

// Start runs actor with env ("KEY=VALUE" entries on top of a minimal
// environment: PATH, HOME and TMPDIR only, so a developer's own settings
// cannot leak in) and waits until baseURL + "/healthz" answers 200. The
// process is stopped when the test ends; its output is printed if the test
// failed.
func Start(t testing.TB, actor, baseURL string, env ...string) *Process {
	t.Helper()
	p := &Process{
		URL:    strings.TrimRight(baseURL, "/"),
		t:      t,
		actor:  actor,
		binary: Binary(t, actor),
		env:    append(minimalEnv(), env...),
		logs:   &SyncBuffer{},
	}
	p.start()
	t.Cleanup(func() {
		p.Stop()
		if t.Failed() {
			t.Logf("--- output of %s ---\n%s", p.actor, p.Logs())
		}
	})
	return p
}

func minimalEnv() []string {
	var env []string
	for _, k := range []string{"PATH", "HOME", "TMPDIR"} {
		if v, ok := os.LookupEnv(k); ok {
			env = append(env, k+"="+v)
		}
	}
	return env
}

func (p *Process) start() {
	p.t.Helper()
	cmd := exec.Command(p.binary)
	cmd.Env = p.env
	cmd.Stdout = p.logs
	cmd.Stderr = p.logs
	if err := cmd.Start(); err != nil {
		p.t.Fatalf("actortest: start %s: %v", p.actor, err)
	}
	p.cmd = cmd
	p.exited = make(chan struct{})
	go func() { _ = cmd.Wait(); close(p.exited) }()
	// Only this start's output counts below: after a restart, the first
	// start's "listening" line is still in the buffer.
	logStart := len(p.Logs())

	client := &http.Client{Timeout: 2 * time.Second}
	deadline := time.Now().Add(60 * time.Second)
	for {
		select {
		case <-p.exited:
			p.t.Fatalf("actortest: %s exited before it was healthy:\n%s", p.actor, p.Logs())
		default:
		}
		// Wait for the actor's own "listening on" line (shared/serve prints
		// it once the port is bound) before asking /healthz: a 200 from a
		// port the actor failed to bind would come from someone else.
		if strings.Contains(p.Logs()[logStart:], " listening on ") && p.healthy(client) {
			return
		}
		if time.Now().After(deadline) {
			p.Kill()
			p.t.Fatalf("actortest: %s not healthy at %s/healthz after 60s:\n%s", p.actor, p.URL, p.Logs())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// healthy reports whether GET /healthz answers 200.
func (p *Process) healthy(client *http.Client) bool {
	resp, err := client.Get(p.URL + "/healthz")
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

// PID is the process id of the running actor, for a test that reads what
// the process used (loadgen's -server-pid).
func (p *Process) PID() int { return p.cmd.Process.Pid }

// Logs returns everything the process has written so far, across restarts.
func (p *Process) Logs() string { return p.logs.String() }

// Kill ends the process at once with SIGKILL, as a crash or power cut would:
// no graceful shutdown, no chance to flush anything.
func (p *Process) Kill() {
	if p.cmd == nil {
		return
	}
	_ = p.cmd.Process.Kill()
	<-p.exited
	p.cmd = nil
}

// Stop asks the process to shut down with SIGTERM and waits for it, killing
// it if it takes longer than ten seconds.
func (p *Process) Stop() {
	if p.cmd == nil {
		return
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.exited:
	case <-time.After(10 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.exited
	}
	p.cmd = nil
}

// Restart starts the process again, with the same binary and environment,
// after Kill or Stop, and waits until it is healthy.
func (p *Process) Restart() {
	p.t.Helper()
	p.Stop()
	p.start()
}

// SyncBuffer is a bytes buffer that one goroutine (a process's output, a
// server's logger) may write to while the test reads it from another.
type SyncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

// Write appends p to the buffer.
func (b *SyncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// String returns everything written so far.
func (b *SyncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// hiddenInput matches the hidden inputs the actors' templates write, such
// as the CSRF token and the authorization request carried through the
// sign-in and consent pages.
var hiddenInput = regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)">`)

// HiddenFields returns the hidden inputs of an HTML page as form values
// (the first value of each name wins), so that a test can submit the page's
// form as a browser would: the sign-in and consent forms of the
// authorization server, say.
func HiddenFields(page string) url.Values {
	v := url.Values{}
	for _, m := range hiddenInput.FindAllStringSubmatch(page, -1) {
		if !v.Has(m[1]) {
			v.Set(m[1], html.UnescapeString(m[2]))
		}
	}
	return v
}

// AtOnce runs fn(0) to fn(n-1) on n goroutines released together, so that
// they meet in the code under test, and returns when all have returned.
func AtOnce(n int, fn func(i int)) {
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			fn(i)
		})
	}
	close(start)
	wg.Wait()
}

// Race runs fn from n callers at once (AtOnce), caller i on replica
// i%len(replicas), and returns how many returned nil. Any other error than
// want fails the test; with want nil, every error does.
func Race[R any](t testing.TB, n int, replicas []R, want error, fn func(i int, replica R) error) int {
	t.Helper()
	var wins atomic.Int32
	AtOnce(n, func(i int) {
		switch err := fn(i, replicas[i%len(replicas)]); {
		case err == nil:
			wins.Add(1)
		case !errors.Is(err, want):
			t.Errorf("got %v, want nil or %v", err, want)
		}
	})
	return int(wins.Load())
}
