package e2e

import (
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/compose-spec/compose-go/v2/types"

	"github.com/oauthlab/oauthlab/shared/actortest"
	"github.com/oauthlab/oauthlab/shared/logging"
	"github.com/oauthlab/oauthlab/shared/pgtest"
	"github.com/oauthlab/oauthlab/shared/sqldb"
)

// TestComposeClusterWiring plays docker-compose.yml with
// docker-compose.cluster.yml on loopback, without Docker: two processes of
// each actor with exactly the environment the two files give the service,
// each actor on a PostgreSQL database of its own, behind Debian's nginx
// running deploy/cluster/nginx.conf, the compose file's own balancer
// configuration. Then it runs the same flows as TestComposeWiring through
// the balancer, and checks that every replica served some of them.
//
// What changes to put it on loopback, and nothing else (see
// clusterLoopback.rewrite): listen addresses and ports; the postgres
// service becomes a fresh database on the test server; the balancer's fixed
// address in *_TRUSTED_PROXIES becomes 127.0.0.1, where nginx connects from
// here; and a service name, which Docker's DNS answers with every replica,
// becomes the balancer, which spreads requests over them the same way.
func TestComposeClusterWiring(t *testing.T) {
	t.Parallel() // mostly waiting on processes; the system tests overlap
	if testing.Short() {
		t.Skip("starts six processes, nginx and three databases")
	}
	nginx := findTool(t, "the cluster's load balancer", "nginx", "/usr/sbin/nginx")
	sys, replicas := startCluster(t, nginx)
	checkWiring(t, sys)

	t.Run("each replica believes the balancer about the caller", func(t *testing.T) {
		// A caller at 127.0.0.2 that claims to be someone else: nginx
		// replaces X-Forwarded-For with the address it saw, and the
		// replica believes that because it comes from the balancer
		// (*_TRUSTED_PROXIES), so its throttles count 127.0.0.2.
		hc := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
			DialContext: (&net.Dialer{LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 2)}}).DialContext,
		}}
		for i := range 4 { // both replicas, by round robin
			id := fmt.Sprintf("caller-check-%d", i)
			req, err := http.NewRequest(http.MethodGet, sys.AuthServer+"/.well-known/openid-configuration", nil)
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("X-Forwarded-For", "203.0.113.9")
			req.Header.Set(logging.RequestIDHeader, id)
			resp, err := hc.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			// The access line is written once the response has gone, so
			// it may come a moment after the answer.
			line := ""
			for deadline := time.Now().Add(5 * time.Second); line == "" && time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
				for _, p := range replicas["authserver"] {
					for _, l := range strings.Split(p.Logs(), "\n") {
						if strings.Contains(l, "request_id="+id+" ") && strings.Contains(l, "msg=request") {
							line = l
						}
					}
				}
			}
			if !strings.Contains(line, "remote_ip=127.0.0.2") {
				t.Errorf("access line of request %s = %q, want remote_ip=127.0.0.2", id, line)
			}
		}
	})

	// Round robin over two replicas: each must have served requests other
	// than the health checks it answered on its own port at start.
	served := regexp.MustCompile(`msg=request .*path=/`)
	for _, name := range services {
		for i, p := range replicas[name] {
			n := 0
			for _, line := range strings.Split(p.Logs(), "\n") {
				if served.MatchString(line) && !strings.Contains(line, "path=/healthz") {
					n++
				}
			}
			if n == 0 {
				t.Errorf("%s replica %d served no request through the balancer", name, i+1)
			}
		}
	}
}

// clusterLoopback maps the cluster's services to loopback ports: each
// actor's container port (9000, ...) to the port nginx listens on for it,
// and to one port per replica.
type clusterLoopback struct {
	project  *types.Project
	balancer netip.Addr        // the lb service's fixed address
	own      map[string]string // service -> container port (from *_ADDR)
	lb       map[string]string // service -> the balancer's loopback port for it
	replica  map[string][]string
}

// startCluster starts two replicas of each actor and nginx, and returns the
// system as the browser sees it (through the balancer) with each service's
// environment (the first replica's), and the replicas.
func startCluster(t *testing.T, nginx string) (*system, map[string][]*actortest.Process) {
	t.Helper()
	project := loadComposeFiles(t, "docker-compose.yml", "docker-compose.cluster.yml")
	l := &clusterLoopback{
		project:  project,
		balancer: balancerAddress(t, project, project.Services["lb"]),
		own:      map[string]string{}, lb: map[string]string{}, replica: map[string][]string{},
	}
	for _, name := range services {
		replicas := project.Services[name].Deploy.Replicas
		if replicas == nil || *replicas < 2 {
			t.Fatalf("%s: docker-compose.cluster.yml runs %v replicas, want at least 2", name, replicas)
		}
		for k, v := range composeEnv(t, project, name) {
			if strings.HasSuffix(k, "_ADDR") {
				_, l.own[name], _ = net.SplitHostPort(v)
			}
		}
		l.lb[name] = freePort(t)
		for range *replicas {
			l.replica[name] = append(l.replica[name], freePort(t))
		}
	}

	sys := newSystem(l.lb) // the browser reaches every actor through the balancer
	env := map[string]map[string]string{}
	for _, name := range services {
		env[name] = map[string]string{}
		for k, v := range composeEnv(t, project, name) {
			env[name][k] = l.rewrite(t, name, k, v)
		}
		if name == "authserver" {
			// As in startSystem: the seeded demo client's redirect URI
			// moves with the client's port.
			env[name]["AUTHSERVER_DEMO_CLIENT_REDIRECT_URI"] = sys.Client + "/callback"
		}
	}

	// The balancer first: the actors' back channels go through it, and
	// nginx proxies to whichever replica is up (proxy_next_upstream).
	startNginx(t, nginx, l.nginxConf(t))
	replicas := map[string][]*actortest.Process{}
	for _, name := range services {
		for i, port := range l.replica[name] {
			e := map[string]string{}
			for k, v := range env[name] {
				e[k] = v
			}
			for k := range e {
				if strings.HasSuffix(k, "_ADDR") {
					e[k] = "127.0.0.1:" + port
				}
			}
			if i == 0 {
				sys.Env[name] = e
			}
			replicas[name] = append(replicas[name], actortest.Start(t, name, "http://127.0.0.1:"+port, envList(e)...))
		}
		sys.procs[name] = replicas[name][0]
	}
	return sys, replicas
}

// rewrite turns a value of the cluster's compose files into its loopback
// equivalent (see TestComposeClusterWiring); it fails the test on a value it
// does not expect, so that a change to the files cannot slip past it.
func (l *clusterLoopback) rewrite(t *testing.T, service, key, value string) string {
	t.Helper()
	switch {
	case strings.HasSuffix(key, "_ADDR"):
		return value // each replica gets a port of its own (startCluster)
	case strings.HasSuffix(key, "_TRUSTED_PROXIES"):
		if value != netip.PrefixFrom(l.balancer, 32).String() {
			t.Fatalf("%s: %s=%q, want exactly the balancer's address %s/32", service, key, value, l.balancer)
		}
		return "127.0.0.1/32"
	case sqldb.DialectOf(value) == sqldb.Postgres:
		u, err := url.Parse(value)
		if err != nil || u.Host != "postgres:5432" {
			t.Fatalf("%s: %s=%q, want a database on the postgres service", service, key, sqldb.Redact(value))
		}
		return pgtest.DSN(t)
	case strings.HasPrefix(value, "http://"):
		u, err := url.Parse(value)
		if err != nil {
			t.Fatalf("%s: %s=%q: %v", service, key, value, err)
		}
		target := ""
		for name, port := range l.own {
			// localhost:9000 is the balancer's published port; the
			// service name is Docker's DNS, answering with every replica.
			if u.Port() == port && (u.Hostname() == "localhost" || u.Hostname() == name) {
				target = name
			}
		}
		if target == "" {
			t.Fatalf("%s: %s=%q points at no actor of the cluster", service, key, value)
		}
		if u.Hostname() == "localhost" {
			u.Host = "localhost:" + l.lb[target]
		} else {
			u.Host = "127.0.0.1:" + l.lb[target] // another host name on purpose, as in loopback.rewrite
		}
		return u.String()
	}
	return value
}

// nginxConf is deploy/cluster/nginx.conf with each upstream's service name
// replaced by the replicas' loopback addresses and each listen port by the
// balancer's loopback port; every other line is the file's own. Its
// temporary files go to the test's folder.
func (l *clusterLoopback) nginxConf(t *testing.T) string {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(actortest.Root(t), "deploy", "cluster", "nginx.conf"))
	if err != nil {
		t.Fatal(err)
	}
	conf := string(raw)
	replace := func(old, new string) {
		if n := strings.Count(conf, old); n != 1 {
			t.Fatalf("deploy/cluster/nginx.conf has %q %d times, want once", old, n)
		}
		conf = strings.Replace(conf, old, new, 1)
	}
	for _, name := range services {
		var servers []string
		for _, port := range l.replica[name] {
			servers = append(servers, "server 127.0.0.1:"+port+";")
		}
		replace("server "+name+":"+l.own[name]+";", strings.Join(servers, " "))
		replace("listen "+l.own[name]+";", "listen 127.0.0.1:"+l.lb[name]+";")
	}
	dir := t.TempDir()
	var temp []string
	for _, kind := range []string{"client_body", "proxy", "fastcgi", "uwsgi", "scgi"} {
		temp = append(temp, fmt.Sprintf("    %s_temp_path %s;", kind, filepath.Join(dir, kind)))
	}
	replace("http {\n", "http {\n"+strings.Join(temp, "\n")+"\n")
	return conf
}

// startNginx runs nginx in the foreground on conf until the test ends, and
// waits until it listens.
func startNginx(t *testing.T, nginx, conf string) {
	t.Helper()
	dir := t.TempDir()
	file := filepath.Join(dir, "nginx.conf")
	if err := os.WriteFile(file, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	logs := &actortest.SyncBuffer{}
	cmd := exec.Command(nginx, "-p", dir, "-c", file, "-e", "stderr",
		"-g", "daemon off; pid "+filepath.Join(dir, "nginx.pid")+";")
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		t.Fatalf("start nginx: %v", err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt) // nginx stops at once on SIGINT
		select {
		case <-exited:
		case <-time.After(5 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
		if t.Failed() {
			t.Logf("--- output of nginx ---\n%s", logs.String())
		}
	})
	listen := regexp.MustCompile(`listen (127\.0\.0\.1:\d+);`).FindStringSubmatch(conf)
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		select {
		case <-exited:
			t.Fatalf("nginx exited at start:\n%s", logs.String())
		default:
		}
		if c, err := net.Dial("tcp", listen[1]); err == nil {
			c.Close()
			return
		}
	}
	t.Fatalf("nginx does not listen on %s:\n%s", listen[1], logs.String())
}

// freePort reserves a loopback port (actortest.FreeAddr) and returns its
// number.
func freePort(t *testing.T) string {
	t.Helper()
	_, port, err := net.SplitHostPort(actortest.FreeAddr(t))
	if err != nil {
		t.Fatal(err)
	}
	return port
}
