package e2e

import (
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/types"

	"github.com/oauthlab/oauthlab/shared/actortest"
	"github.com/oauthlab/oauthlab/shared/sqldb"
)

// TestComposeCluster loads docker-compose.yml with docker-compose.cluster.yml
// on top, as `docker compose -f ... -f ... up` does: PostgreSQL, two
// replicas of each actor on a PostgreSQL database of its own and no
// published port, and the load balancer publishing the contract's ports on
// loopback, with an nginx configuration that proxies each to its actor and
// tells it the caller's address, which each actor believes from the
// balancer's fixed address only (*_TRUSTED_PROXIES).
func TestComposeCluster(t *testing.T) {
	root := actortest.Root(t)
	project := loadComposeFiles(t, "docker-compose.yml", "docker-compose.cluster.yml")
	if pg, ok := project.Services["postgres"]; !ok || pg.Image != "postgres:17" {
		t.Errorf("postgres service: image %q, want the official postgres:17", pg.Image)
	}
	databases := map[string]bool{}
	for _, actor := range []string{"authserver", "resourceapi", "client"} {
		svc := project.Services[actor]
		if svc.Deploy == nil || svc.Deploy.Replicas == nil || *svc.Deploy.Replicas != 2 {
			t.Errorf("%s: want deploy.replicas 2", actor)
		}
		if len(svc.Ports) != 0 || len(svc.Volumes) != 0 {
			t.Errorf("%s: ports %v, volumes %v; want none (the replicas share the load balancer and PostgreSQL)", actor, svc.Ports, svc.Volumes)
		}
		dsn := composeEnv(t, project, actor)[strings.ToUpper(actor)+"_DB"]
		if sqldb.DialectOf(dsn) != sqldb.Postgres || !strings.Contains(dsn, "@postgres:5432/") {
			t.Errorf("%s: database %q, want a postgres:// URL on the postgres service", sqldb.Redact(dsn), actor)
		}
		databases[dsn[strings.LastIndex(dsn, "/")+1:]] = true
		if _, ok := svc.DependsOn["postgres"]; !ok {
			t.Errorf("%s: does not wait for postgres", actor)
		}
	}
	if len(databases) != 3 {
		t.Errorf("the actors share databases: %v, want one each", databases)
	}
	lb, ok := project.Services["lb"]
	if !ok || !strings.HasPrefix(lb.Image, "nginx:") {
		t.Fatalf("lb service: image %q, want the official nginx image", lb.Image)
	}
	var published []string
	for _, p := range lb.Ports {
		if p.HostIP != "127.0.0.1" || fmt.Sprint(p.Target) != p.Published {
			t.Errorf("lb port %d->%s on %q, want the same number on 127.0.0.1", p.Target, p.Published, p.HostIP)
		}
		published = append(published, p.Published)
	}
	slices.Sort(published)
	if want := []string{"8080", "9000", "9090"}; !slices.Equal(published, want) {
		t.Errorf("lb publishes %v, want %v", published, want)
	}
	conf, err := os.ReadFile(filepath.Join(root, "deploy", "cluster", "nginx.conf"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"listen 9000;", "proxy_pass http://authserver;", "server authserver:9000;",
		"listen 9090;", "proxy_pass http://resourceapi;", "server resourceapi:9090;",
		"listen 8080;", "proxy_pass http://client;", "server client:8080;", "proxy_set_header Host $http_host;",
		"proxy_set_header X-Forwarded-For $remote_addr;"} {
		if !strings.Contains(string(conf), want) {
			t.Errorf("deploy/cluster/nginx.conf lacks %q", want)
		}
	}
	balancer := balancerAddress(t, project, lb)
	for _, actor := range []string{"authserver", "resourceapi", "client"} {
		key := strings.ToUpper(actor) + "_TRUSTED_PROXIES"
		got := composeEnv(t, project, actor)[key]
		if p, err := netip.ParsePrefix(got); err != nil || p != netip.PrefixFrom(balancer, 32) {
			t.Errorf("%s: %s = %q, want exactly the load balancer, %s/32 (without it the throttles count every caller as the balancer)",
				actor, key, got, balancer)
		}
	}
}

// balancerAddress is the load balancer's fixed address on the project's
// network; it must lie in the network's subnet and outside the range Docker
// hands out to other containers, or another container could take it.
func balancerAddress(t *testing.T, project *types.Project, lb types.ServiceConfig) netip.Addr {
	t.Helper()
	attached, ok := lb.Networks["default"]
	if !ok || attached == nil {
		t.Fatal("lb: not given a fixed address on the default network (networks.default.ipv4_address)")
	}
	addr, err := netip.ParseAddr(attached.Ipv4Address)
	if err != nil {
		t.Fatalf("lb: ipv4_address %q: %v", attached.Ipv4Address, err)
	}
	network := project.Networks["default"]
	if len(network.Ipam.Config) != 1 {
		t.Fatalf("networks.default: want one ipam pool with a subnet and an ip_range, got %d", len(network.Ipam.Config))
	}
	pool := network.Ipam.Config[0]
	subnet, err1 := netip.ParsePrefix(pool.Subnet)
	dynamic, err2 := netip.ParsePrefix(pool.IPRange)
	if err1 != nil || err2 != nil || !subnet.Contains(addr) || dynamic.Contains(addr) {
		t.Fatalf("lb's address %s must be in the subnet %q and outside the ip_range %q", addr, pool.Subnet, pool.IPRange)
	}
	return addr
}

// TestClusterScriptsTrustTheBalancer: `make run-cluster` and
// `make loadtest-replicas` run the replicas on loopback behind nginx,
// which connects from 127.0.0.1; each replica trusts exactly that address,
// and nginx sends the caller's address in X-Forwarded-For: run-cluster by
// running the compose cluster's own deploy/cluster/nginx.conf (whose header
// TestComposeCluster checks), the load test by a line of its own.
func TestClusterScriptsTrustTheBalancer(t *testing.T) {
	root := actortest.Root(t)
	for script, wants := range map[string][]string{
		"run-cluster.sh": {"trusted=127.0.0.1/32", `AUTHSERVER_TRUSTED_PROXIES="$trusted"`,
			`RESOURCEAPI_TRUSTED_PROXIES="$trusted"`, `CLIENT_TRUSTED_PROXIES="$trusted"`,
			`deploy/cluster/nginx.conf >"$work/nginx.conf"`},
		"loadtest.sh": {"AUTHSERVER_TRUSTED_PROXIES=127.0.0.1/32", `proxy_set_header X-Forwarded-For \$remote_addr;`},
	} {
		body, err := os.ReadFile(filepath.Join(root, "scripts", script))
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range wants {
			if !strings.Contains(string(body), want) {
				t.Errorf("scripts/%s lacks %s", script, want)
			}
		}
	}
}
