// Package envconfig reads an actor's configuration from environment
// variables. Each actor's config package calls it with the getenv function
// that main received, so tests can pass their own environment and no global
// state is read behind their back.
//
// A Reader collects every problem instead of stopping at the first one, so a
// misconfigured actor reports all its mistakes in one start-up error.
package envconfig

import (
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Reader reads typed values and remembers what was wrong.
type Reader struct {
	getenv func(string) string
	errs   []error
}

// New returns a Reader over getenv (os.Getenv in main).
func New(getenv func(string) string) *Reader { return &Reader{getenv: getenv} }

// String returns the variable, or def when it is unset or empty.
func (r *Reader) String(key, def string) string {
	if v := strings.TrimSpace(r.getenv(key)); v != "" {
		return v
	}
	return def
}

// Bool accepts the forms strconv.ParseBool knows (true, false, 1, 0, ...).
func (r *Reader) Bool(key string, def bool) bool {
	v := r.String(key, "")
	if v == "" {
		return def
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		r.errs = append(r.errs, fmt.Errorf("%s: %q is not true or false", key, v))
		return def
	}
	return b
}

// Duration accepts Go durations such as 15m or 720h; it must be positive.
func (r *Reader) Duration(key string, def time.Duration) time.Duration {
	v := r.String(key, "")
	if v == "" {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		r.errs = append(r.errs, fmt.Errorf("%s: %q is not a positive duration such as 15m", key, v))
		return def
	}
	return d
}

// Int accepts a whole number of at least min.
func (r *Reader) Int(key string, def, min int) int {
	v := r.String(key, "")
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < min {
		r.errs = append(r.errs, fmt.Errorf("%s: %q is not a whole number of at least %d", key, v, min))
		return def
	}
	return n
}

// URL returns an absolute http or https URL with no trailing slash, no query
// and no fragment. Identifiers such as an issuer are compared as strings, so
// "http://localhost:9000/" and "http://localhost:9000" must not both appear.
func (r *Reader) URL(key, def string) string {
	v := strings.TrimRight(r.String(key, def), "/")
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		r.errs = append(r.errs, fmt.Errorf("%s: %q is not an absolute http(s) URL without query or fragment", key, v))
		return def
	}
	return v
}

// OneOf returns the variable when it is one of allowed (or def when unset).
func (r *Reader) OneOf(key, def string, allowed ...string) string {
	v := r.String(key, def)
	for _, a := range allowed {
		if v == a {
			return v
		}
	}
	r.errs = append(r.errs, fmt.Errorf("%s: %q is not one of %s", key, v, strings.Join(allowed, ", ")))
	return def
}

// IPRanges reads a comma-separated list of CIDRs (10.0.0.0/24) or single
// addresses (10.0.0.5, which stands for 10.0.0.5/32), such as the proxies
// an actor believes. Unset or empty gives none. A CIDR with host bits set
// (10.0.0.5/24) is refused rather than widened behind the reader's back,
// and so is a prefix of length 0, which would cover every address.
func (r *Reader) IPRanges(key string) []netip.Prefix {
	v := r.String(key, "")
	if v == "" {
		return nil
	}
	var ranges []netip.Prefix
	for _, item := range strings.Split(v, ",") {
		item = strings.TrimSpace(item)
		p, err := netip.ParsePrefix(item)
		if err != nil {
			a, aerr := netip.ParseAddr(item)
			if aerr != nil || a.Zone() != "" {
				r.errs = append(r.errs, fmt.Errorf("%s: %q is not an IP address or a CIDR such as 10.0.0.0/24", key, item))
				continue
			}
			a = a.Unmap()
			p = netip.PrefixFrom(a, a.BitLen())
		}
		switch {
		case p.Bits() == 0:
			r.errs = append(r.errs, fmt.Errorf("%s: %q covers every address; list only the proxies", key, item))
		case p.Masked() != p:
			r.errs = append(r.errs, fmt.Errorf("%s: %q has host bits set; did you mean %s?", key, item, p.Masked()))
		default:
			ranges = append(ranges, p)
		}
	}
	return ranges
}

// Err returns every problem found so far, joined, or nil.
func (r *Reader) Err() error { return errors.Join(r.errs...) }
