package e2e

import (
	"context"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/types"
	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/linter"
	"github.com/moby/buildkit/frontend/dockerfile/parser"

	"github.com/oauthlab/oauthlab/shared/actortest"
	"github.com/oauthlab/oauthlab/shared/contract"
)

// What docker-compose.yml must say about each service. The ports are the
// contract's; the volume keeps the SQLite file across restarts.
var composeServices = []struct {
	name      string
	port      uint32
	volume    string
	dependsOn []string
}{
	{name: "authserver", port: 9000, volume: "authserver-data"},
	{name: "resourceapi", port: 9090, volume: "resourceapi-data", dependsOn: []string{"authserver"}},
	{name: "client", port: 8080, volume: "client-data", dependsOn: []string{"authserver", "resourceapi"}},
}

func TestComposeServices(t *testing.T) {
	project := loadCompose(t)
	root := actortest.Root(t)

	var names []string
	for name := range project.Services {
		names = append(names, name)
	}
	slices.Sort(names)
	if want := []string{"authserver", "client", "podcastapi", "resourceapi"}; !slices.Equal(names, want) {
		t.Fatalf("services = %v, want %v", names, want)
	}

	for _, want := range composeServices {
		t.Run(want.name, func(t *testing.T) {
			svc := project.Services[want.name]

			// Built from the repository root, so the build stage sees shared/.
			if svc.Build == nil {
				t.Fatal("no build section: the image must be built from this repository")
			}
			if svc.Build.Context != root {
				t.Errorf("build context = %q, want the repository root %q", svc.Build.Context, root)
			}
			if wantFile := want.name + "/Dockerfile"; svc.Build.Dockerfile != wantFile {
				t.Errorf("dockerfile = %q, want %q", svc.Build.Dockerfile, wantFile)
			}

			// The contract's port, published on the same number.
			if len(svc.Ports) != 1 {
				t.Fatalf("ports = %+v, want exactly one", svc.Ports)
			}
			p := svc.Ports[0]
			if p.Target != want.port || p.Published != fmt.Sprint(want.port) || p.Protocol != "tcp" {
				t.Errorf("port = %d->%s/%s, want %d->%d/tcp", p.Target, p.Published, p.Protocol, want.port, want.port)
			}
			// Loopback only, unless OAUTHLAB_PUBLISH_ADDR says otherwise: the
			// demo secrets and open registration are not for the LAN.
			if p.HostIP != "127.0.0.1" {
				t.Errorf("port published on %q, want 127.0.0.1 by default", p.HostIP)
			}

			// A named volume, declared at the top level, mounted where the
			// SQLite file lives.
			if len(svc.Volumes) != 1 {
				t.Fatalf("volumes = %+v, want exactly one", svc.Volumes)
			}
			v := svc.Volumes[0]
			if v.Type != types.VolumeTypeVolume || v.Source != want.volume || v.Target != "/data" || v.ReadOnly {
				t.Errorf("volume = %s %s:%s (read-only %v), want named volume %s:/data", v.Type, v.Source, v.Target, v.ReadOnly, want.volume)
			}
			if _, ok := project.Volumes[want.volume]; !ok {
				t.Errorf("volume %q is not declared under the top-level volumes", want.volume)
			}
			env := composeEnv(t, project, want.name)
			dbKey := strings.ToUpper(want.name) + "_DB"
			if db := env[dbKey]; !strings.HasPrefix(db, v.Target+"/") {
				t.Errorf("%s = %q, want a file under the volume %s", dbKey, db, v.Target)
			}
			if addr := env[strings.ToUpper(want.name)+"_ADDR"]; addr != fmt.Sprintf(":%d", want.port) {
				t.Errorf("listen address = %q, want :%d (every interface of the container)", addr, want.port)
			}

			// The image checks itself with its own binary: no curl in it.
			hc := svc.HealthCheck
			if hc == nil || hc.Disable {
				t.Fatal("no health check")
			}
			if wantTest := []string{"CMD", "/app/" + want.name, "healthcheck"}; !slices.Equal(hc.Test, wantTest) {
				t.Errorf("healthcheck test = %q, want %q", hc.Test, wantTest)
			}
			if hc.Interval == nil || hc.Timeout == nil || hc.Retries == nil || hc.StartPeriod == nil {
				t.Errorf("healthcheck = %+v: want interval, timeout, retries and start_period", hc)
			}

			// Start-up order: wait until what it calls is healthy, not just started.
			var deps []string
			for dep, cfg := range svc.DependsOn {
				deps = append(deps, dep)
				if cfg.Condition != types.ServiceConditionHealthy {
					t.Errorf("depends_on %s: condition = %q, want %q", dep, cfg.Condition, types.ServiceConditionHealthy)
				}
			}
			slices.Sort(deps)
			if !slices.Equal(deps, want.dependsOn) {
				t.Errorf("depends_on = %v, want %v", deps, want.dependsOn)
			}
		})
	}
}

// The podcasts API (this project's addition) runs the resource API's image
// with its second binary, on 9091, loopback only, with no database.
func TestComposePodcastAPI(t *testing.T) {
	project := loadCompose(t)
	svc, ok := project.Services["podcastapi"]
	if !ok {
		t.Fatal("no podcastapi service")
	}
	if svc.Build == nil || svc.Build.Dockerfile != "resourceapi/Dockerfile" {
		t.Errorf("build = %+v, want resourceapi/Dockerfile", svc.Build)
	}
	if want := []string{"/app/podcastapi"}; !slices.Equal(svc.Entrypoint, want) {
		t.Errorf("entrypoint = %q, want %q", svc.Entrypoint, want)
	}
	if p := svc.Ports; len(p) != 1 || p[0].Target != 9091 || p[0].Published != "9091" || p[0].HostIP != "127.0.0.1" {
		t.Errorf("ports = %+v, want 127.0.0.1:9091->9091", p)
	}
	env := composeEnv(t, project, "podcastapi")
	want := map[string]string{
		"PODCASTAPI_ADDR": ":9091", "PODCASTAPI_URL": contract.PodcastsAPIURL, "PODCASTAPI_ISSUER": contract.AuthServerURL,
		"PODCASTAPI_JWKS_URL": "http://authserver:9000/.well-known/jwks.json",
	}
	for k, v := range want {
		if env[k] != v {
			t.Errorf("%s = %q, want %q", k, env[k], v)
		}
	}
	if hc := svc.HealthCheck; hc == nil || !slices.Equal(hc.Test, []string{"CMD", "/app/podcastapi", "healthcheck"}) {
		t.Errorf("healthcheck = %+v, want the binary's own healthcheck", hc)
	}
	if dep, ok := svc.DependsOn["authserver"]; !ok || dep.Condition != types.ServiceConditionHealthy {
		t.Errorf("depends_on = %+v, want authserver healthy", svc.DependsOn)
	}
}

// OAUTHLAB_PUBLISH_ADDR opens the ports up, on purpose only.
func TestComposePublishAddress(t *testing.T) {
	root := actortest.Root(t)
	opts, err := cli.NewProjectOptions(
		[]string{filepath.Join(root, "docker-compose.yml")},
		cli.WithWorkingDirectory(root),
		cli.WithEnv([]string{"OAUTHLAB_PUBLISH_ADDR=0.0.0.0"}),
	)
	if err != nil {
		t.Fatal(err)
	}
	project, err := opts.LoadProject(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range composeServices {
		if p := project.Services[want.name].Ports; len(p) != 1 || p[0].HostIP != "0.0.0.0" {
			t.Errorf("%s with OAUTHLAB_PUBLISH_ADDR=0.0.0.0: ports %+v, want published on 0.0.0.0", want.name, p)
		}
	}
}

// The environment split, the most common way such setups break. Each URL
// setting is either browser-facing (what a browser uses, and identifiers
// written into tokens: they stay those of the contract) or back channel
// (container to container, by service name).
func TestComposeEnvironmentSplit(t *testing.T) {
	project := loadCompose(t)

	tests := []struct {
		service, key string
		want         string
	}{
		// Identifiers and browser-facing URLs: exactly the contract's.
		{"authserver", "AUTHSERVER_ISSUER", contract.AuthServerURL},
		{"authserver", "AUTHSERVER_AUDIENCE", contract.ResourceAPIURL},
		{"resourceapi", "RESOURCEAPI_URL", contract.ResourceAPIURL},
		{"resourceapi", "RESOURCEAPI_ISSUER", contract.AuthServerURL},
		{"client", "CLIENT_URL", contract.ClientURL},
		{"client", "CLIENT_ISSUER", contract.AuthServerURL},
		// An identifier too: DPoP proofs name it (htu); it is never dialed.
		{"client", "CLIENT_API_PUBLIC_URL", contract.ResourceAPIURL},
		{"client", "CLIENT_AUTHORIZE_URL", contract.AuthServerURL + "/authorize"},
		{"client", "CLIENT_END_SESSION_URL", contract.AuthServerURL + "/end_session"},

		// Back channel: by service name, on the container port.
		{"resourceapi", "RESOURCEAPI_JWKS_URL", "http://authserver:9000/.well-known/jwks.json"},
		{"resourceapi", "RESOURCEAPI_INTROSPECTION_URL", "http://authserver:9000/introspect"},
		{"client", "CLIENT_TOKEN_URL", "http://authserver:9000/token"},
		{"client", "CLIENT_REVOCATION_URL", "http://authserver:9000/revoke"},
		{"client", "CLIENT_API_URL", "http://resourceapi:9090"},
		{"client", "CLIENT_JWKS_URL", "http://authserver:9000/.well-known/jwks.json"},
		{"client", "CLIENT_USERINFO_URL", "http://authserver:9000/userinfo"},

		// The demo credentials match what the authorization server seeds.
		{"resourceapi", "RESOURCEAPI_CLIENT_ID", contract.ResourceAPIClient.ID},
		{"resourceapi", "RESOURCEAPI_CLIENT_SECRET", contract.ResourceAPIClient.Secret},
		{"client", "CLIENT_ID", contract.WebClient.ID},
		{"client", "CLIENT_SECRET", contract.WebClient.Secret},
		{"client", "CLIENT_MACHINE_ID", contract.MachineClient.ID},
		{"client", "CLIENT_MACHINE_SECRET", contract.MachineClient.Secret},
	}
	for _, tt := range tests {
		t.Run(tt.key, func(t *testing.T) {
			env := composeEnv(t, project, tt.service)
			if got, ok := env[tt.key]; !ok || got != tt.want {
				t.Errorf("%s: %s = %q (set: %v), want %q", tt.service, tt.key, got, ok, tt.want)
			}
		})
	}

	// No URL may point at localhost from inside a container except the
	// browser-facing ones above: inside a container, localhost is itself.
	browserFacing := map[string]bool{}
	for _, tt := range tests {
		if strings.HasPrefix(tt.want, "http://localhost") {
			browserFacing[tt.key] = true
		}
	}
	for _, name := range services {
		for k, v := range composeEnv(t, project, name) {
			u, err := url.Parse(v)
			if err != nil || u.Scheme == "" {
				continue
			}
			if u.Hostname() == "localhost" && !browserFacing[k] {
				t.Errorf("%s: %s = %q: a container cannot reach another one on localhost; use the service name", name, k, v)
			}
			if u.Hostname() != "localhost" && !slices.Contains(services, u.Hostname()) {
				t.Errorf("%s: %s = %q: host is neither localhost nor a service", name, k, v)
			}
		}
	}
}

// Every variable the compose file sets must be one the actor reads: a typo
// would be silently ignored and the actor would fall back to its default
// (http://localhost:9000 for the token URL, unreachable in a container).
func TestComposeEnvironmentNamesAreRead(t *testing.T) {
	project := loadCompose(t)
	root := actortest.Root(t)
	for _, name := range services {
		t.Run(name, func(t *testing.T) {
			src := actorSource(t, filepath.Join(root, name))
			for k := range composeEnv(t, project, name) {
				if !strings.Contains(src, `"`+k+`"`) {
					t.Errorf("docker-compose.yml sets %s, but no Go file of %s/ mentions %q", k, name, k)
				}
			}
		})
	}
}

// actorSource returns the text of every non-test Go file under dir, plus the
// shared module's (LOG_FORMAT and LOG_LEVEL may be read there).
func actorSource(t testing.TB, dir string) string {
	t.Helper()
	var b strings.Builder
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		b.Write(data)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// The Dockerfiles cannot be built here (no Docker engine), so they are read
// with BuildKit's own Dockerfile parser and linter (the checks `docker build`
// runs) and held to what the issue asks of them: a cgo build stage, a small
// runtime image, a non-root user, and a health check the image runs with its
// own binary.
func TestDockerfiles(t *testing.T) {
	root := actortest.Root(t)
	for _, want := range composeServices {
		name := want.name
		t.Run(name, func(t *testing.T) {
			stages := parseDockerfile(t, filepath.Join(root, name, "Dockerfile"))
			if len(stages) != 2 {
				t.Fatalf("%d stages, want 2 (build, runtime)", len(stages))
			}
			build, runtime := stages[0], stages[1]

			if build.Name != "build" || !strings.HasPrefix(build.BaseName, "golang:") {
				t.Errorf("first stage = %q FROM %q, want \"build\" FROM golang:…", build.Name, build.BaseName)
			}
			env := map[string]string{}
			for _, cmd := range build.Commands {
				switch c := cmd.(type) {
				case *instructions.EnvCommand:
					for _, kv := range c.Env {
						env[kv.Key] = kv.Value
					}
				case *instructions.CopyCommand:
					// TestDockerBuildStage mimics the build stage by copying
					// exactly these two folders; keep the two in step.
					for _, src := range c.SourcePaths {
						if !strings.HasPrefix(src, "shared/") && !strings.HasPrefix(src, name+"/") {
							t.Errorf("the build stage copies %q: only shared/ and %s/ are expected", src, name)
						}
					}
				case *instructions.RunCommand:
					if line := strings.Join(c.CmdLine, " "); strings.Contains(line, "curl ") || strings.Contains(line, "wget ") {
						t.Errorf("RUN downloads with curl or wget: %q", line)
					}
				}
			}
			if env["CGO_ENABLED"] != "1" || env["GOWORK"] != "off" {
				t.Errorf("build stage env = %v, want CGO_ENABLED=1 (go-sqlite3) and GOWORK=off", env)
			}

			if !strings.HasPrefix(runtime.BaseName, "debian:") || !strings.HasSuffix(runtime.BaseName, "-slim") {
				t.Errorf("runtime stage FROM %q, want a debian:…-slim image", runtime.BaseName)
			}
			var user string
			var copied, exposed bool
			var health, entrypoint []string
			for _, cmd := range runtime.Commands {
				switch c := cmd.(type) {
				case *instructions.UserCommand:
					user = c.User
				case *instructions.CopyCommand:
					if c.From == "build" && slices.Equal(c.SourcePaths, []string{"/out/" + name}) && c.DestPath == "/app/"+name {
						copied = true
					}
				case *instructions.ExposeCommand:
					exposed = exposed || slices.Contains(c.Ports, fmt.Sprint(want.port))
				case *instructions.HealthCheckCommand:
					health = c.Health.Test
				case *instructions.EntrypointCommand:
					if !c.PrependShell {
						entrypoint = c.CmdLine
					}
				}
			}
			if !copied {
				t.Errorf("the runtime stage does not COPY --from=build /out/%s /app/%s", name, name)
			}
			if uid, _, _ := strings.Cut(user, ":"); uid == "" || uid == "0" || uid == "root" || strings.Trim(uid, "0123456789") != "" {
				t.Errorf("USER %q, want a numeric non-root user (Kubernetes' runAsNonRoot can only check numbers)", user)
			}
			if wantTest := []string{"CMD", "/app/" + name, "healthcheck"}; !slices.Equal(health, wantTest) {
				t.Errorf("HEALTHCHECK %q, want %q: the binary checks itself, no curl in the image", health, wantTest)
			}
			if !slices.Equal(entrypoint, []string{"/app/" + name}) {
				t.Errorf("ENTRYPOINT %q, want [\"/app/%s\"] in exec form, so the binary gets SIGTERM", entrypoint, name)
			}
			if !exposed {
				t.Errorf("no EXPOSE %d", want.port)
			}
		})
	}

	data, err := os.ReadFile(filepath.Join(root, ".dockerignore"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{".git", "data", "bin", "**/*.db"} {
		if !slices.Contains(strings.Fields(string(data)), want) {
			t.Errorf(".dockerignore lacks %q: local state would end up in the image", want)
		}
	}
}

// parseDockerfile parses a Dockerfile as BuildKit does, failing on syntax
// errors and on any warning of BuildKit's linter.
func parseDockerfile(t *testing.T, path string) []instructions.Stage {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	res, err := parser.Parse(f)
	if err != nil {
		t.Fatalf("parse %s: %v", path, err)
	}
	for _, w := range res.Warnings {
		t.Errorf("%s: %s", path, w.Short)
	}
	lint := linter.New(&linter.Config{
		Warn: func(rule, description, url, msg string, location []parser.Range) {
			line := 0
			if len(location) > 0 {
				line = location[0].Start.Line
			}
			t.Errorf("%s:%d: %s: %s (%s)", path, line, rule, msg, url)
		},
	})
	stages, _, err := instructions.Parse(res.AST, lint)
	if err != nil {
		t.Fatalf("parse %s: %v", path, err)
	}
	return stages
}
