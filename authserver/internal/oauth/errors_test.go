package oauth

import (
	"strings"
	"testing"
)

// validDescription is RFC 6749 §5.2's error_description character set.
func validDescription(s string) bool {
	for i := 0; i < len(s); i++ {
		b := s[i]
		if b < 0x20 || b > 0x7e || b == '"' || b == '\\' {
			return false
		}
	}
	return true
}

func TestSafeDescription(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain text", "plain text"},
		{"see RFC 7591 §3.1", "see RFC 7591 section 3.1"},
		{`quote " and backslash \`, "quote ? and backslash ?"},
		{"newline\r\ninjected", "newline??injected"},
		{"tab\there", "tab?here"},
		{"non-ASCII é ü 日本", "non-ASCII ? ? ??"},
		{"NUL \x00 and DEL \x7f", "NUL ? and DEL ?"},
		{"invalid UTF-8 \xff\xfe", "invalid UTF-8 ??"},
		{strings.Repeat("a", 1000), strings.Repeat("a", maxDescription-3) + "..."},
	}
	for _, tt := range tests {
		got := (&Error{Description: tt.in}).SafeDescription()
		if got != tt.want {
			t.Errorf("SafeDescription(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if !validDescription(got) {
			t.Errorf("SafeDescription(%q) = %q has characters RFC 6749 §5.2 does not allow", tt.in, got)
		}
	}
}

func TestParamName(t *testing.T) {
	for name, want := range map[string]string{
		"scope":                          "scope",
		"code_verifier":                  "code_verifier",
		"visit evil.example for a prize": "a parameter",
		`"><script>`:                     "a parameter",
		"":                               "a parameter",
	} {
		if got := ParamName(name); got != want {
			t.Errorf("ParamName(%q) = %q, want %q", name, got, want)
		}
	}
}
