package e2e

import (
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/oauthlab/oauthlab/shared/actortest"
)

// TestDockerBuildStage does what each Dockerfile's build stage does, without
// Docker: it copies only shared/ and the actor's folder into an empty tree
// (as the COPY lines do) and builds the actor there with GOWORK=off and cgo
// on. It fails if an actor's go.mod or go.sum is incomplete on its own (the
// workspace can hide that), which would break `docker compose up --build`.
//
// Unlike the image it builds without -trimpath, so that Go's build cache
// (and the compiled SQLite C code in it) is reused: the flags change how the
// binary is linked, not whether it builds.
func TestDockerBuildStage(t *testing.T) {
	t.Parallel() // mostly waiting on processes; the three system tests overlap
	root := actortest.Root(t)
	for _, name := range services {
		t.Run(name, func(t *testing.T) {
			if _, err := os.Stat(filepath.Join(root, name, "main.go")); err != nil {
				t.Fatalf("%s has no main.go: %v", name, err)
			}
			src := t.TempDir()
			for _, dir := range []string{"shared", name} {
				copyTree(t, filepath.Join(root, dir), filepath.Join(src, dir))
			}
			cmd := exec.Command("go", "build", "-o", filepath.Join(t.TempDir(), name), ".")
			cmd.Dir = filepath.Join(src, name)
			cmd.Env = append(os.Environ(), "GOWORK=off", "CGO_ENABLED=1", "GOFLAGS=-mod=readonly")
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("GOWORK=off go build in %s/: %v\n%s", name, err, out)
			}
		})
	}
}

// copyTree copies the Go sources, module files and embedded assets of a
// module, leaving out what .dockerignore leaves out (SQLite files, test
// output).
func copyTree(t *testing.T, from, to string) {
	t.Helper()
	err := filepath.WalkDir(from, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(from, path)
		if err != nil {
			return err
		}
		target := filepath.Join(to, rel)
		if d.IsDir() {
			if d.Name() == "data" || d.Name() == "testoutput" {
				return filepath.SkipDir
			}
			return os.MkdirAll(target, 0o755)
		}
		if strings.Contains(d.Name(), ".db") || !d.Type().IsRegular() {
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(target, data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}
