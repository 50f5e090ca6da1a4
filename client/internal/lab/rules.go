package lab

import (
	"fmt"
	"sort"
	"strings"
)

// RuleSite is one line of our code that enforces a rule, as the generated
// index (docs/rfc-index.md, rules_gen.go) found it.
type RuleSite struct {
	File string // relative to the repository root
	Line int
	Why  string // the tag's text
}

// Location is "file:line".
func (s RuleSite) Location() string { return fmt.Sprintf("%s:%d", s.File, s.Line) }

// IndexURL links to the rule's place in the repository's rule index.
func IndexURL(key string) string {
	// GitHub-style heading anchors: lower case, spaces to dashes, other
	// punctuation dropped.
	var b strings.Builder
	for _, r := range strings.ToLower(key) {
		switch {
		case r == ' ':
			b.WriteByte('-')
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '-':
			b.WriteRune(r)
		}
	}
	return "docs/rfc-index.md#" + b.String()
}

// Rule is a rule key with the site of our code that enforces it.
type Rule struct {
	Key  string // "RFC 6749 §4.1.2"
	Site RuleSite
}

// ruleIn finds the rule key's enforcing line in file (a path prefix) whose
// tag text contains why. The lab names only rules that exist: a test
// checks every scenario's rule.
func ruleIn(key, file, why string) Rule {
	for _, s := range ruleTable[key] {
		if strings.HasPrefix(s.File, file) && strings.Contains(s.Why, why) {
			return Rule{Key: key, Site: s}
		}
	}
	return Rule{Key: key}
}

// Rules returns every rule of the index in key order, for the rules page.
func Rules() []Rule {
	var out []Rule
	for key, sites := range ruleTable {
		for _, s := range sites {
			out = append(out, Rule{Key: key, Site: s})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Site.File != out[j].Site.File {
			return out[i].Site.File < out[j].Site.File
		}
		return out[i].Site.Line < out[j].Site.Line
	})
	return out
}
