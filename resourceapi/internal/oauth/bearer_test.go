package oauth

import "testing"

func TestBearerToken(t *testing.T) {
	tests := []struct {
		name      string
		req       Request
		wantToken string
		wantCode  string // "" with wantErr: no token at all
		wantErr   bool
	}{
		{"header", Request{Authorization: []string{"Bearer abc.def.ghi"}}, "abc.def.ghi", "", false},
		{"scheme in lower case", Request{Authorization: []string{"bearer abc"}}, "abc", "", false},
		{"b64token with padding", Request{Authorization: []string{"Bearer a+b/c~d-e_f.g=="}}, "a+b/c~d-e_f.g==", "", false},
		{"no header", Request{}, "", "", true},
		{"another scheme", Request{Authorization: []string{"Basic Zm9vOmJhcg=="}}, "", "", true},
		{"scheme only", Request{Authorization: []string{"Bearer"}}, "", CodeInvalidRequest, true},
		{"scheme and spaces", Request{Authorization: []string{"Bearer   "}}, "", CodeInvalidRequest, true},
		{"two headers", Request{Authorization: []string{"Bearer a", "Bearer b"}}, "", CodeInvalidRequest, true},
		{"space inside", Request{Authorization: []string{"Bearer a b"}}, "", CodeInvalidRequest, true},
		{"padding in the middle", Request{Authorization: []string{"Bearer a=b"}}, "", CodeInvalidRequest, true},
		{"only padding", Request{Authorization: []string{"Bearer ==="}}, "", CodeInvalidRequest, true},
		{"quote", Request{Authorization: []string{`Bearer a"b`}}, "", CodeInvalidRequest, true},
		{"query", Request{TokenInQuery: true}, "", CodeInvalidRequest, true},
		{"query and header", Request{Authorization: []string{"Bearer abc"}, TokenInQuery: true}, "", CodeInvalidRequest, true},
		{"form body", Request{TokenInForm: true}, "", CodeInvalidRequest, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok, err := BearerToken(tt.req)
			if tt.wantErr {
				if err == nil {
					t.Fatalf("got token %q, want an error", tok)
				}
				if err.Code != tt.wantCode {
					t.Fatalf("code %q, want %q", err.Code, tt.wantCode)
				}
				return
			}
			if err != nil || tok != tt.wantToken {
				t.Fatalf("got %q, %v; want %q", tok, err, tt.wantToken)
			}
		})
	}
}

func TestChallenge(t *testing.T) {
	const md = "http://api.test/.well-known/oauth-protected-resource"
	tests := []struct {
		name string
		err  *Error
		want string
	}{
		{"no token", ErrNoToken(), `Bearer realm="r", resource_metadata="` + md + `"`},
		{"invalid token", ErrInvalidToken("expired"), `Bearer realm="r", error="invalid_token", error_description="expired", resource_metadata="` + md + `"`},
		{"scope", ErrInsufficientScope([]string{"a:b", "c:d"}),
			`Bearer realm="r", error="insufficient_scope", error_description="the access token lacks a scope this request needs: one of a:b, c:d", scope="a:b", resource_metadata="` + md + `"`},
		{"quotes and backslashes cannot break out", ErrInvalidToken(`bad "x" \ y` + "\n§1"),
			`Bearer realm="r", error="invalid_token", error_description="bad 'x'   y section 1", resource_metadata="` + md + `"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Challenge("r", md, tt.err); got != tt.want {
				t.Errorf("\n got %s\nwant %s", got, tt.want)
			}
		})
	}
}

func TestErrorStatus(t *testing.T) {
	for _, tt := range []struct {
		err  *Error
		want int
	}{
		{ErrNoToken(), 401}, {ErrInvalidToken("x"), 401}, {ErrInvalidRequest("x"), 400}, {ErrInsufficientScope([]string{"s"}), 403},
	} {
		if got := tt.err.Status(); got != tt.want {
			t.Errorf("%v: status %d, want %d", tt.err, got, tt.want)
		}
	}
}

// FuzzBearerToken: any header value gives a token or an RFC 6750 error,
// never a panic, and a token it returns is always a b64token.
func FuzzBearerToken(f *testing.F) {
	for _, s := range []string{"Bearer abc", "bearer a.b.c", "Basic x", "Bearer ", "", "Bearer a b", "Bearer ==="} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, h string) {
		tok, err := BearerToken(Request{Authorization: []string{h}})
		if err == nil && !isB64Token(tok) {
			t.Fatalf("token %q from %q is not a b64token", tok, h)
		}
		if err != nil && err.Status() != 400 && err.Status() != 401 {
			t.Fatalf("status %d", err.Status())
		}
	})
}
