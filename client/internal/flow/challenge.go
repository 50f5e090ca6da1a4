package flow

import "strings"

// ParseChallenge reads a WWW-Authenticate header such as
//
//	Bearer realm="music", error="insufficient_scope", scope="playlists:write"
//
// into its scheme and auth-params (RFC 6750 §3, RFC 9110 §11.6.1). It reads
// only the first challenge, which is all a resource API of this project sends.
func ParseChallenge(h string) (scheme string, params map[string]string) {
	params = map[string]string{}
	h = strings.TrimSpace(h)
	scheme, rest, _ := strings.Cut(h, " ")
	for rest = strings.TrimSpace(rest); rest != ""; rest = strings.TrimLeft(rest, " ,") {
		name, after, ok := strings.Cut(rest, "=")
		if !ok {
			break
		}
		name = strings.ToLower(strings.TrimSpace(name))
		after = strings.TrimLeft(after, " ")
		var value string
		if strings.HasPrefix(after, `"`) {
			// quoted-string: runs to the next unescaped quote.
			var b strings.Builder
			i := 1
			for ; i < len(after) && after[i] != '"'; i++ {
				if after[i] == '\\' && i+1 < len(after) {
					i++
				}
				b.WriteByte(after[i])
			}
			value, rest = b.String(), after[min(i+1, len(after)):]
		} else {
			value, rest, _ = strings.Cut(after, ",")
			value = strings.TrimSpace(value)
		}
		params[name] = value
	}
	return scheme, params
}

// ChallengeError returns the error code and description of a Bearer
// challenge (RFC 6750 §3.1), or "" when it carries none.
func ChallengeError(h string) (code, description string) {
	scheme, p := ParseChallenge(h)
	if !strings.EqualFold(scheme, "Bearer") {
		return "", ""
	}
	return p["error"], p["error_description"]
}
