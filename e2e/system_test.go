package e2e

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/types"

	"github.com/oauthlab/oauthlab/shared/actortest"
)

// The three services of docker-compose.yml, in start-up order. Each one is
// also the name of the actor's module folder and binary.
var services = []string{"authserver", "resourceapi", "client"}

// loadCompose reads docker-compose.yml at the repository root with the
// Compose specification's own loader: the same parsing, interpolation and
// validation `docker compose` does. The caller's environment is not used, so
// a developer's shell cannot change what the test sees.
func loadCompose(t testing.TB) *types.Project {
	t.Helper()
	return loadComposeFiles(t, "docker-compose.yml")
}

// loadComposeFiles reads compose files of the repository root as
// `docker compose -f A -f B` does: each later file on top of the ones before.
func loadComposeFiles(t testing.TB, files ...string) *types.Project {
	t.Helper()
	root := actortest.Root(t)
	var paths []string
	for _, f := range files {
		paths = append(paths, filepath.Join(root, f))
	}
	opts, err := cli.NewProjectOptions(paths, cli.WithWorkingDirectory(root), cli.WithEnv(nil))
	if err != nil {
		t.Fatalf("compose options: %v", err)
	}
	project, err := opts.LoadProject(context.Background())
	if err != nil {
		t.Fatalf("load %s: %v", strings.Join(files, " + "), err)
	}
	return project
}

// composeEnv returns the environment docker-compose.yml gives a service.
func composeEnv(t testing.TB, project *types.Project, service string) map[string]string {
	t.Helper()
	svc, ok := project.Services[service]
	if !ok {
		t.Fatalf("docker-compose.yml has no service %q", service)
	}
	env := map[string]string{}
	for k, v := range svc.Environment {
		if v == nil {
			t.Fatalf("%s: %s has no value (it would come from the host's environment)", service, k)
		}
		env[k] = *v
	}
	return env
}

// system is the three actors running on loopback ports.
type system struct {
	// Browser-facing base URLs, as a browser (or the test) uses them:
	// http://localhost:<port>. They stand for http://localhost:9000, :9090
	// and :8080 of docker-compose.yml.
	AuthServer, ResourceAPI, Client string

	// Env is the environment each service was started with, after rewriting.
	Env map[string]map[string]string

	procs map[string]*actortest.Process
}

// loopback maps each compose service to the loopback port that plays its
// part in a test: its published port (localhost:9000 in the compose file)
// and its service-name address (authserver:9000) both point there.
type loopback struct {
	project *types.Project
	ports   map[string]string // service -> loopback port
	dataDir string
}

func newLoopback(t testing.TB, project *types.Project) *loopback {
	t.Helper()
	l := &loopback{project: project, ports: map[string]string{}, dataDir: t.TempDir()}
	for _, name := range services {
		_, port, err := net.SplitHostPort(actortest.FreeAddr(t))
		if err != nil {
			t.Fatal(err)
		}
		l.ports[name] = port
	}
	return l
}

// rewrite turns a value of docker-compose.yml into its loopback equivalent:
//
//   - a listen address ":9000" becomes "127.0.0.1:<port>";
//   - a browser-facing URL http://localhost:9000/... keeps the host name
//     localhost, with the port of the service that publishes 9000;
//   - a back-channel URL http://authserver:9000/... gets the host 127.0.0.1
//     and that service's port. A different host name than the browser-facing
//     one on purpose: if an actor compared the `iss` it was given with the
//     URL it called, rather than with its configured issuer, the test fails
//     as docker-compose would;
//   - a file under /data/ (a named volume) moves to a temporary folder.
//
// Anything else is kept as it is.
func (l *loopback) rewrite(t testing.TB, service, key, value string) string {
	t.Helper()
	switch {
	case strings.HasSuffix(key, "_ADDR"):
		host, port, err := net.SplitHostPort(value)
		if err != nil || host != "" {
			t.Fatalf("%s: %s=%q: want a listen address such as :9000", service, key, value)
		}
		if own := l.targetPort(t, service); port != own {
			t.Fatalf("%s: %s=%q listens on %s, but the service's port is %s", service, key, value, port, own)
		}
		return "127.0.0.1:" + l.ports[service]
	case strings.HasPrefix(value, "/data/"):
		return filepath.Join(l.dataDir, path.Base(value))
	case strings.HasPrefix(value, "http://") || strings.HasPrefix(value, "https://"):
		u, err := url.Parse(value)
		if err != nil {
			t.Fatalf("%s: %s=%q: %v", service, key, value, err)
		}
		target, ok := l.serviceFor(u)
		if !ok {
			t.Fatalf("%s: %s=%q points at no service of docker-compose.yml", service, key, value)
		}
		if u.Hostname() == "localhost" {
			u.Host = "localhost:" + l.ports[target]
		} else {
			u.Host = "127.0.0.1:" + l.ports[target]
		}
		return u.String()
	}
	return value
}

// serviceFor finds the service a URL of docker-compose.yml reaches: by its
// published port for localhost, by service name and container port otherwise.
func (l *loopback) serviceFor(u *url.URL) (string, bool) {
	for _, name := range services {
		svc := l.project.Services[name]
		for _, p := range svc.Ports {
			if u.Hostname() == "localhost" && u.Port() == p.Published {
				return name, true
			}
			if u.Hostname() == name && u.Port() == fmt.Sprint(p.Target) {
				return name, true
			}
		}
	}
	return "", false
}

func (l *loopback) targetPort(t testing.TB, service string) string {
	t.Helper()
	ports := l.project.Services[service].Ports
	if len(ports) != 1 {
		t.Fatalf("%s: want exactly one port, got %d", service, len(ports))
	}
	return fmt.Sprint(ports[0].Target)
}

// startSystem starts the three real binaries with the environment
// docker-compose.yml gives each service, rewritten to loopback, plus extra
// settings per service (for a test's needs; nil for none). They start one
// after the other, each once the one before answers /healthz, in the order
// depends_on gives (TestComposeServices checks that order).
func startSystem(t testing.TB, extra map[string][]string) *system {
	t.Helper()
	project := loadCompose(t)
	l := newLoopback(t, project)
	s := newSystem(l.ports)
	for _, name := range services {
		env := map[string]string{}
		for k, v := range composeEnv(t, project, name) {
			env[k] = l.rewrite(t, name, k, v)
		}
		if name == "authserver" {
			// The demo seed registers demo-client with the contract's
			// redirect URI, http://localhost:8080/callback. The client runs
			// on another port here, so its redirect URI moves with it (RFC
			// 6749 §3.1.2.3: the authorization server compares it exactly).
			env["AUTHSERVER_DEMO_CLIENT_REDIRECT_URI"] = s.Client + "/callback"
		}
		for _, kv := range extra[name] {
			k, v, _ := strings.Cut(kv, "=")
			env[k] = v
		}
		s.Env[name] = env
		s.procs[name] = actortest.Start(t, name, "http://127.0.0.1:"+l.ports[name], envList(env)...)
	}
	return s
}

// newSystem is a system whose browser-facing URLs are
// http://localhost:<port> with each service's port in ports; its
// environments and processes are filled in as they start.
func newSystem(ports map[string]string) *system {
	return &system{
		AuthServer:  "http://localhost:" + ports["authserver"],
		ResourceAPI: "http://localhost:" + ports["resourceapi"],
		Client:      "http://localhost:" + ports["client"],
		Env:         map[string]map[string]string{},
		procs:       map[string]*actortest.Process{},
	}
}

// envList is env as KEY=VALUE entries for actortest.Start, sorted so that
// a failing test prints them the same way each time.
func envList(env map[string]string) []string {
	var list []string
	for k, v := range env {
		list = append(list, k+"="+v)
	}
	sort.Strings(list)
	return list
}
