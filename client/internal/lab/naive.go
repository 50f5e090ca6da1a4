package lab

import (
	"net/url"
	"strings"

	"github.com/golang-jwt/jwt/v5"
)

// The deliberately naive variants. Each is what a first draft often does;
// none is reachable outside a lab run.

// naivePrefixMatch accepts any redirect URI that starts with the
// registered one (instead of comparing the whole string).
func naivePrefixMatch(registered, got string) bool {
	return strings.HasPrefix(got, registered)
}

// naiveCallbackAccepts checks the parts of a redirect back that a naive
// callback checks: state only when wantState is set, iss only when
// wantIssuer is set. It reports whether the code would be exchanged.
func naiveCallbackAccepts(q url.Values, wantState, wantIssuer string) bool {
	if wantState != "" && q.Get("state") != wantState {
		return false
	}
	if wantIssuer != "" && q.Get("iss") != wantIssuer {
		return false
	}
	return q.Get("code") != ""
}

// naiveRefreshScope grants the scope a refresh asks for.
func naiveRefreshScope(_, requested string) string { return requested }

// subjectOf reads the sub claim of a JWT without verifying it (for display:
// the lab only reports whose tokens a naive client ended up holding).
func subjectOf(token string) string {
	claims := jwt.MapClaims{}
	if _, _, err := jwt.NewParser().ParseUnverified(token, claims); err != nil {
		return "an unknown user"
	}
	sub, _ := claims["sub"].(string)
	return sub
}
