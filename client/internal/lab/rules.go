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
	// Code is the source around Line, read by the generator; From is the
	// number of its first line.
	Code string
	From int
}

// CodeLine is one line of a rule's code, numbered.
type CodeLine struct {
	Number int
	Text   string
	Tagged bool // the line with the rule's tag
}

// CodeLines splits Code into numbered lines.
func (s RuleSite) CodeLines() []CodeLine {
	if s.Code == "" {
		return nil
	}
	var out []CodeLine
	for i, text := range strings.Split(s.Code, "\n") {
		n := s.From + i
		out = append(out, CodeLine{Number: n, Text: strings.ReplaceAll(text, "\t", "    "), Tagged: n == s.Line})
	}
	return out
}

// Location is "file:line".
func (s RuleSite) Location() string { return fmt.Sprintf("%s:%d", s.File, s.Line) }

// IndexURL links to the rule's place in the repository's rule index.
func IndexURL(key string) string { return "docs/rfc-index.md#" + Anchor(key) }

// Anchor is the rule's fragment, the same in docs/rfc-index.md and on the
// lab's rules page: "RFC 6749 §4.1.2" is "rfc-6749-412".
func Anchor(key string) string {
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
	return b.String()
}

// Enforced reports whether the index has a line that enforces key.
func Enforced(key string) bool { return len(ruleTable[key]) > 0 }

// Rule is a rule key with the site of our code that enforces it.
type Rule struct {
	Key  string // "RFC 6749 §4.1.2"
	Site RuleSite
	// Anchor is set on the first site of each key in Rules, the one the
	// inspector's links land on.
	Anchor string
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
	seen := map[string]bool{}
	for i := range out {
		if !seen[out[i].Key] {
			seen[out[i].Key] = true
			out[i].Anchor = Anchor(out[i].Key)
		}
	}
	return out
}
