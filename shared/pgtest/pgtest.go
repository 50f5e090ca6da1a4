// Package pgtest gives each test a fresh PostgreSQL database of its own, so
// stores are tested on a real server the way they are on a real SQLite file.
//
// The server is the one OAUTHLAB_TEST_POSTGRES names: a URL for a role that
// may CREATE DATABASE. Its default is the role scripts/install-deps.sh
// creates on the local server. Without a server a test is skipped with a
// hint on a developer's machine, and fails on CI (CI=true), where a missing
// database must never pass for a green run.
package pgtest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver

	"github.com/oauthlab/oauthlab/shared/sqldb"
)

// EnvServer names the variable with the server's URL.
const EnvServer = "OAUTHLAB_TEST_POSTGRES"

// DefaultServer is the server and role that scripts/install-deps.sh sets up.
const DefaultServer = "postgres://oauthlab:oauthlab@127.0.0.1:5432/postgres?sslmode=disable"

// Server returns the URL of the test server: $OAUTHLAB_TEST_POSTGRES, or
// DefaultServer.
func Server() string {
	if s := os.Getenv(EnvServer); s != "" {
		return s
	}
	return DefaultServer
}

// DSN creates a new, empty database with a unique name on the test server
// and returns its URL; the database is dropped when the test ends. Without a
// reachable server it skips the test (fails it when CI=true).
func DSN(t testing.TB) string {
	t.Helper()
	server := Server()
	admin, err := sql.Open("pgx", server)
	if err == nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		err = admin.PingContext(ctx)
		cancel()
	}
	if err != nil {
		if admin != nil {
			admin.Close()
		}
		msg := "PostgreSQL at " + sqldb.Redact(server) + " is not reachable (" + err.Error() + "): " +
			"run scripts/install-deps.sh as root to install and start PostgreSQL, or set " + EnvServer
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	admin.SetMaxOpenConns(1)

	b := make([]byte, 6)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	// Unquoted identifiers are lower case; the test name helps whoever
	// looks at a database a crashed test left behind.
	name := "test_" + slug(t.Name()) + "_" + hex.EncodeToString(b)
	// The name is ours (letters, digits, underscores), and CREATE DATABASE
	// takes no bound parameters.
	if _, err := admin.Exec(`CREATE DATABASE ` + name); err != nil {
		admin.Close()
		t.Fatalf("pgtest: create database %s: %v", name, err)
	}
	t.Cleanup(func() {
		defer admin.Close()
		// WITH (FORCE) ends the sessions a store left open (PostgreSQL 13+).
		// It may not end an autovacuum worker that has just started on the
		// new tables (it runs as the superuser: SQLSTATE 42501), so try
		// again for a few seconds while the worker finishes.
		var err error
		for range 50 {
			if _, err = admin.Exec(`DROP DATABASE IF EXISTS ` + name + ` WITH (FORCE)`); err == nil {
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
		t.Errorf("pgtest: drop database %s: %v", name, err)
	})

	u, err := url.Parse(server)
	if err != nil {
		t.Fatalf("pgtest: %s is not a URL", sqldb.Redact(server))
	}
	u.Path = "/" + name
	return u.String()
}

// slug keeps the first letters and digits of a test name, lower-cased.
func slug(name string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(name) {
		if b.Len() >= 30 {
			break
		}
		if 'a' <= r && r <= 'z' || '0' <= r && r <= '9' {
			b.WriteRune(r)
		} else if b.Len() > 0 && !strings.HasSuffix(b.String(), "_") {
			b.WriteByte('_')
		}
	}
	return strings.TrimSuffix(b.String(), "_")
}

// Databases are the two databases a store runs on, by name ("sqlite",
// "postgres"), each as a maker of a fresh, empty one for a test: a SQLite
// file called sqliteFile under t.TempDir(), or a database of its own on
// the test server (DSN). Opening the returned DSN twice plays two replicas.
func Databases(sqliteFile string) map[string]func(t testing.TB) string {
	return map[string]func(t testing.TB) string{
		"sqlite":   func(t testing.TB) string { return filepath.Join(t.TempDir(), sqliteFile) },
		"postgres": DSN,
	}
}
