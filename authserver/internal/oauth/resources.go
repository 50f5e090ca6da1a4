package oauth

import (
	"net/url"
	"slices"
	"strings"

	"github.com/oauthlab/oauthlab/shared/scopes"
)

// Resource is a protected resource (a resource server) this server issues
// tokens for. Its identifier is what a client names in the `resource`
// parameter (RFC 8707 §2) and what the tokens carry as `aud`.
type Resource struct {
	// ID is the resource's identifier: an absolute URI without fragment.
	ID string
	// Name is what the consent page calls it ("Music API").
	Name string
	// Scopes are the scopes the resource defines, with their plain-words
	// descriptions. A scope name belongs to one resource only.
	Scopes []scopes.Scope
}

// Registry is the set of protected resources, loaded from the store at
// start-up. The OpenID Connect scopes are not in it: they belong to this
// server as an OpenID Provider, not to a resource.
type Registry struct {
	resources []Resource
}

// NewRegistry builds a registry; the first resource is listed first in
// scopes_supported.
func NewRegistry(list []Resource) *Registry {
	return &Registry{resources: slices.Clone(list)}
}

// DefaultResources is the registry's seed: the music API of the contract
// at musicURL, and, when podcastsURL is not empty, the podcasts API this
// project adds.
func DefaultResources(musicURL, podcastsURL string) []Resource {
	list := []Resource{{ID: musicURL, Name: "Music API", Scopes: slices.Clone(scopes.All)}}
	if podcastsURL != "" {
		list = append(list, Resource{ID: podcastsURL, Name: "Podcasts API", Scopes: slices.Clone(scopes.Podcasts)})
	}
	return list
}

// Resources lists every resource.
func (r *Registry) Resources() []Resource { return slices.Clone(r.resources) }

// Resource finds a resource by identifier.
func (r *Registry) Resource(id string) (Resource, bool) {
	for _, res := range r.resources {
		if res.ID == id {
			return res, true
		}
	}
	return Resource{}, false
}

// scope finds a scope and the identifier of the resource that defines it;
// an OpenID Connect scope has no resource ("").
func (r *Registry) scope(name string) (scopes.Scope, string, bool) {
	for _, res := range r.resources {
		for _, sc := range res.Scopes {
			if sc.Name == name {
				return sc, res.ID, true
			}
		}
	}
	for _, sc := range scopes.OpenIDConnect {
		if sc.Name == name {
			return sc, "", true
		}
	}
	return scopes.Scope{}, "", false
}

// registry is the server's registry; a server built without one (some
// tests) knows only the music API at its audience.
func (s *Server) registry() *Registry {
	if s.Resources != nil {
		return s.Resources
	}
	return NewRegistry(DefaultResources(s.Audience, ""))
}

// LookupScope finds a scope this server grants: a resource's scope or an
// OpenID Connect one.
func (s *Server) LookupScope(name string) (scopes.Scope, bool) {
	sc, _, ok := s.registry().scope(name)
	return sc, ok
}

// ScopeResource returns the resource a scope is for, and false for an
// OpenID Connect or unknown scope.
func (s *Server) ScopeResource(name string) (Resource, bool) {
	_, id, ok := s.registry().scope(name)
	if !ok || id == "" {
		return Resource{}, false
	}
	return s.registry().Resource(id)
}

// SupportedScopes lists every scope this server grants: the resources'
// scopes first, then the OpenID Connect ones.
func (s *Server) SupportedScopes() []string {
	var names []string
	for _, res := range s.registry().resources {
		for _, sc := range res.Scopes {
			names = append(names, sc.Name)
		}
	}
	for _, sc := range scopes.OpenIDConnect {
		names = append(names, sc.Name)
	}
	return names
}

// maxResources bounds how many resource parameters one request may carry.
const maxResources = 10

// checkResources reads the `resource` parameters of a request (RFC 8707
// §2). None means the default audience, the music API of the contract.
func (s *Server) checkResources(values []string) ([]string, error) {
	if len(values) == 0 {
		return []string{s.Audience}, nil
	}
	if len(values) > maxResources {
		return nil, ErrInvalidTarget("too many resource parameters")
	}
	var out []string
	for _, v := range values {
		if err := CheckResourceID(v); err != nil {
			return nil, err
		}
		// RFC 8707 §2: a resource this server does not know is invalid_target.
		if _, ok := s.registry().Resource(v); !ok {
			return nil, ErrInvalidTarget("unknown resource: " + v)
		}
		if !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	return out, nil
}

// CheckResourceID checks the form of a resource identifier.
func CheckResourceID(v string) error {
	if len(v) > maxParamLen {
		return ErrInvalidTarget("resource is too long")
	}
	u, err := url.Parse(v)
	// RFC 8707 §2: the resource MUST be an absolute URI and MUST NOT include a fragment.
	if err != nil || !u.IsAbs() || u.Host == "" || strings.Contains(v, "#") {
		return ErrInvalidTarget("resource must be an absolute URI without a fragment")
	}
	return nil
}

// narrowResources picks the resources of a token request (RFC 8707 §2):
// none asked means all that were granted; otherwise the request may only
// name a subset of them.
func (s *Server) narrowResources(values []string, granted []string) ([]string, error) {
	if len(granted) == 0 {
		granted = []string{s.Audience} // rows from before resource indicators
	}
	if len(values) == 0 {
		return granted, nil
	}
	asked, err := s.checkResources(values)
	if err != nil {
		return nil, err
	}
	// RFC 8707 §2: a token request may narrow the resources of the grant, never widen them.
	if !scopes.Covers(granted, asked) {
		return nil, ErrInvalidTarget("the resource was not part of the authorization")
	}
	return asked, nil
}

// scopesFor keeps the scopes that are for one of the resources, and the
// OpenID Connect ones (which are for this server, whatever the audience).
func (s *Server) scopesFor(list, resources []string) []string {
	var out []string
	for _, name := range list {
		_, id, ok := s.registry().scope(name)
		if ok && (id == "" || slices.Contains(resources, id)) {
			out = append(out, name)
		}
	}
	return out
}

// audience is the `aud` claim for resources: a string for one, an array
// for several (RFC 7519 §4.1.3).
func audience(resources []string) any {
	if len(resources) == 1 {
		return resources[0]
	}
	return resources
}
