package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/oauthlab/oauthlab/authserver/internal/config"
	"github.com/oauthlab/oauthlab/authserver/internal/oauth"
	"github.com/oauthlab/oauthlab/authserver/internal/store"
	"github.com/oauthlab/oauthlab/shared/scopes"
)

// resourcesCommand manages the registry of protected resources: the APIs
// this server issues tokens for and the scopes each defines. A running
// server reads the registry at start-up, so restart it after a change.
func resourcesCommand(ctx context.Context, cfg config.Config, args []string, stdout io.Writer) error {
	if len(args) == 0 {
		return fmt.Errorf("resources: say add or list\n%s", usage)
	}
	db, err := store.Open(ctx, cfg.DBPath)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := seedResources(ctx, cfg, db); err != nil {
		return err
	}
	switch args[0] {
	case "add":
		return resourcesAdd(ctx, db, args[1:], stdout)
	case "list":
		list, err := db.Resources(ctx)
		if err != nil {
			return err
		}
		w := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(w, "RESOURCE\tNAME\tSCOPE\tUSER DATA\tDESCRIPTION")
		for _, r := range list {
			for _, sc := range r.Scopes {
				fmt.Fprintf(w, "%s\t%s\t%s\t%t\t%s\n", r.ID, r.Name, sc.Name, sc.UserData, sc.Description)
			}
		}
		return w.Flush()
	}
	return fmt.Errorf("resources: unknown command %q\n%s", args[0], usage)
}

func resourcesAdd(ctx context.Context, db *store.DB, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("resources add", flag.ContinueOnError)
	fs.SetOutput(stdout)
	id := fs.String("id", "", "the resource's identifier: an absolute URI without fragment, the `aud` of its tokens")
	name := fs.String("name", "", "name shown on the consent page")
	var scopeSpecs repeatFlag
	fs.Var(&scopeSpecs, "scope", `a scope as "name=description" (prefix the name with "+" for a scope of the user's data); repeat`)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *name == "" || len(scopeSpecs) == 0 {
		return fmt.Errorf("resources add: -id, -name and at least one -scope are required")
	}
	// The same check as a `resource` parameter gets (RFC 8707 §2).
	if err := oauth.CheckResourceID(*id); err != nil {
		return fmt.Errorf("resources add: -id: %w", err)
	}
	r := oauth.Resource{ID: *id, Name: *name}
	for _, spec := range scopeSpecs {
		n, desc, ok := strings.Cut(spec, "=")
		userData := strings.HasPrefix(n, "+")
		n = strings.TrimPrefix(n, "+")
		if !ok || !scopes.ValidToken(n) || strings.TrimSpace(desc) == "" || scopes.IsOpenIDConnect(n) {
			return fmt.Errorf("resources add: -scope %q: want name=description with a valid scope name", spec)
		}
		r.Scopes = append(r.Scopes, scopes.Scope{Name: n, Description: strings.TrimSpace(desc), UserData: userData})
	}
	if err := db.AddResource(ctx, r, time.Now()); err != nil {
		return fmt.Errorf("resources add: %w", err)
	}
	fmt.Fprintf(stdout, "resource %s (%s) with %d scopes; restart the server to use it\n", r.ID, r.Name, len(r.Scopes))
	return nil
}

// repeatFlag collects a flag given several times; unlike listFlag it does
// not split on commas, which a description may contain.
type repeatFlag []string

func (r *repeatFlag) String() string     { return strings.Join(*r, "; ") }
func (r *repeatFlag) Set(v string) error { *r = append(*r, v); return nil }

// seedResources adds the demo's resources (music API at AUTHSERVER_AUDIENCE,
// podcasts API at AUTHSERVER_PODCASTS_AUDIENCE) when the demo is seeded or
// when the registry is still empty: without the music API, nothing works.
func seedResources(ctx context.Context, cfg config.Config, db store.AdminStore) error {
	existing, err := db.Resources(ctx)
	if err != nil {
		return err
	}
	if !cfg.SeedDemo && len(existing) > 0 {
		return nil
	}
	for _, r := range oauth.DefaultResources(cfg.Audience, cfg.PodcastsAudience) {
		if err := db.AddResource(ctx, r, time.Now()); err != nil {
			return fmt.Errorf("seed resources: %w", err)
		}
	}
	return nil
}
