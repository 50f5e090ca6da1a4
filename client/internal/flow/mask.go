package flow

import "strings"

// Shorten keeps the start and end of a token or code, enough to tell two
// apart on screen, and hides the middle: the inspector shows what travelled
// without handing out a usable credential.
func Shorten(s string) string {
	if len(s) <= 16 {
		if s == "" {
			return ""
		}
		return s[:min(4, len(s))] + "…"
	}
	return s[:10] + "…" + s[len(s)-4:]
}

// Mask hides a secret entirely but keeps its length readable.
func Mask(s string) string {
	if s == "" {
		return ""
	}
	return strings.Repeat("•", min(len(s), 12))
}
