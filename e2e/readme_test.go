package e2e

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/oauthlab/oauthlab/shared/actortest"
)

// The README's configuration reference must name every variable an actor
// reads, so that a setting added to the code cannot stay a secret.
func TestREADMENamesEveryVariable(t *testing.T) {
	root := actortest.Root(t)
	readme, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	names := regexp.MustCompile(`"((?:AUTHSERVER|RESOURCEAPI|PODCASTAPI|CLIENT)_[A-Z0-9_]+|LOG_FORMAT|LOG_LEVEL)"`)
	for _, actor := range services {
		t.Run(actor, func(t *testing.T) {
			found := map[string]bool{}
			for _, m := range names.FindAllStringSubmatch(actorSource(t, filepath.Join(root, actor)), -1) {
				found[m[1]] = true
			}
			if len(found) == 0 {
				t.Fatalf("found no configuration variable in %s/: has its config package moved?", actor)
			}
			for name := range found {
				if !strings.Contains(string(readme), "`"+name+"`") {
					t.Errorf("%s reads %s, but README.md does not name it", actor, name)
				}
			}
		})
	}
}

// Every relative link of the READMEs must lead to a file of the repository:
// the walkthrough points at code, and code moves.
func TestREADMELinks(t *testing.T) {
	root := actortest.Root(t)
	link := regexp.MustCompile(`\]\(([^)#\s]+)(?:#[^)]*)?\)`)
	for _, readme := range []string{"README.md", "e2e/README.md"} {
		data, err := os.ReadFile(filepath.Join(root, readme))
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range link.FindAllStringSubmatch(string(data), -1) {
			target := m[1]
			if strings.Contains(target, "://") {
				continue
			}
			if _, err := os.Stat(filepath.Join(root, filepath.Dir(readme), target)); err != nil {
				t.Errorf("%s links to %s, which does not exist", readme, target)
			}
		}
	}
}
