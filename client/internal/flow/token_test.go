package flow

import (
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

func TestDecodeAccessToken(t *testing.T) {
	exp := time.Date(2026, 1, 2, 3, 14, 5, 0, time.UTC)
	tok := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{
		"iss": "http://localhost:9000", "sub": "demo-user-alice", "aud": "http://localhost:9090",
		"exp": exp.Unix(), "scope": "tracks:read", "custom": true,
	})
	tok.Header["typ"] = "at+jwt"
	tok.Header["kid"] = "k1"
	raw, err := tok.SignedString([]byte("test key"))
	if err != nil {
		t.Fatal(err)
	}
	v := DecodeAccessToken(raw, "tracks:read", exp)
	if v.Format != "JWT" || strings.Contains(v.Shortened, raw[20:40]) {
		t.Fatalf("view = %+v", v)
	}
	var names []string
	for _, c := range v.Claims {
		names = append(names, c.Name)
		if c.Meaning == "" {
			t.Errorf("claim %s is not explained", c.Name)
		}
	}
	// Known claims in reading order, then the others.
	if got, want := strings.Join(names, ","), "iss,sub,aud,scope,exp,custom"; got != want {
		t.Errorf("claims = %s, want %s", got, want)
	}
	for _, c := range v.Claims {
		if c.Name == "exp" && !strings.Contains(c.Value, "2026-01-02 03:14:05 UTC") {
			t.Errorf("exp = %q, want a readable time", c.Value)
		}
	}
	if len(v.Header) != 3 || v.Header[0].Name != "alg" || v.Header[1].Value != "at+jwt" {
		t.Errorf("header = %+v", v.Header)
	}

	if v := DecodeAccessToken("an-opaque-token-of-some-length", "", time.Time{}); v.Format != "opaque" || v.Claims != nil {
		t.Errorf("opaque view = %+v", v)
	}
}

func TestLayout(t *testing.T) {
	steps := []Step{
		AuthorizationRequest(time.Now(), "http://as/authorize?state=s", "v"),
		{Kind: KindAPICall, Arrows: []Arrow{{From: Client, To: ResourceAPI, Label: strings.Repeat("x", 80), Channel: Back}}},
		Failure(time.Now(), "boom", "it broke", nil),
	}
	d := Layout(steps)
	if len(d.Lanes) != 4 || d.Lanes[0].X >= d.Lanes[1].X {
		t.Fatalf("lanes = %+v", d.Lanes)
	}
	if len(d.Rows) != 5 {
		t.Fatalf("rows = %d, want 3 + 1 + 1", len(d.Rows))
	}
	first := d.Rows[0] // client -> browser: points left
	if !first.Left || first.X1 != d.Lanes[Client].X || first.X2 != d.Lanes[Browser].X || first.Channel != Front {
		t.Errorf("first row = %+v", first)
	}
	api := d.Rows[3]
	if api.Left || api.Step != 1 || api.Channel != Back || len([]rune(api.Label)) > 38 {
		t.Errorf("api row = %+v", api)
	}
	if last := d.Rows[4]; !last.IsError || last.X1 != last.X2 {
		t.Errorf("error note row = %+v", last)
	}
	for i := 1; i < len(d.Rows); i++ {
		if d.Rows[i].Y <= d.Rows[i-1].Y {
			t.Fatalf("rows do not go down: %d then %d", d.Rows[i-1].Y, d.Rows[i].Y)
		}
	}
	if d.Height <= d.Rows[len(d.Rows)-1].Y {
		t.Errorf("height %d cuts the last row", d.Height)
	}
}

func TestStepChannel(t *testing.T) {
	tests := []struct {
		step Step
		want Channel
	}{
		{AuthorizationRequest(time.Now(), "http://as/authorize", "v"), Front},
		{AccessToken(time.Now(), &TokenView{}, "kept"), Note},
		{Failure(time.Now(), "x", "y", nil), Note},
		{Step{Arrows: []Arrow{{Channel: Note}, {Channel: Back}}}, Back},
	}
	for _, tt := range tests {
		if got := tt.step.Channel(); got != tt.want {
			t.Errorf("%s: Channel() = %s, want %s", tt.step.Kind, got, tt.want)
		}
	}
}
