package envconfig

import (
	"strings"
	"testing"
	"time"
)

func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestDefaultsWhenUnset(t *testing.T) {
	r := New(env(nil))
	if got := r.String("S", "def"); got != "def" {
		t.Errorf("String = %q", got)
	}
	if got := r.Bool("B", true); !got {
		t.Error("Bool default lost")
	}
	if got := r.Duration("D", time.Minute); got != time.Minute {
		t.Errorf("Duration = %v", got)
	}
	if got := r.URL("U", "http://localhost:9000"); got != "http://localhost:9000" {
		t.Errorf("URL = %q", got)
	}
	if err := r.Err(); err != nil {
		t.Fatal(err)
	}
}

func TestValuesAreParsed(t *testing.T) {
	r := New(env(map[string]string{"B": "false", "D": "90s", "U": "https://as.example/", "I": "7", "O": "es256"}))
	if r.Bool("B", true) {
		t.Error("Bool: want false")
	}
	if got := r.Duration("D", 0); got != 90*time.Second {
		t.Errorf("Duration = %v", got)
	}
	if got := r.URL("U", ""); got != "https://as.example" {
		t.Errorf("URL = %q: the trailing slash must go", got)
	}
	if got := r.Int("I", 0, 1); got != 7 {
		t.Errorf("Int = %d", got)
	}
	if got := r.OneOf("O", "rs256", "rs256", "es256"); got != "es256" {
		t.Errorf("OneOf = %q", got)
	}
	if err := r.Err(); err != nil {
		t.Fatal(err)
	}
}

func TestEveryMistakeIsReported(t *testing.T) {
	r := New(env(map[string]string{"B": "maybe", "D": "-5m", "U": "localhost:9000", "I": "zero", "O": "none"}))
	r.Bool("B", false)
	r.Duration("D", time.Minute)
	r.URL("U", "http://localhost")
	r.Int("I", 1, 1)
	r.OneOf("O", "a", "a", "b")
	err := r.Err()
	if err == nil {
		t.Fatal("want an error")
	}
	for _, key := range []string{"B:", "D:", "U:", "I:", "O:"} {
		if !strings.Contains(err.Error(), key) {
			t.Errorf("error %q does not name %s", err, key)
		}
	}
}

func TestIPRanges(t *testing.T) {
	r := New(env(map[string]string{"P": " 10.0.0.0/24, 127.0.0.1 ,::1, fd00::/8"}))
	var got []string
	for _, p := range r.IPRanges("P") {
		got = append(got, p.String())
	}
	if want := "10.0.0.0/24 127.0.0.1/32 ::1/128 fd00::/8"; strings.Join(got, " ") != want {
		t.Errorf("IPRanges = %v, want %s", got, want)
	}
	if r.IPRanges("UNSET") != nil {
		t.Error("an unset list must give no ranges")
	}
	if err := r.Err(); err != nil {
		t.Fatal(err)
	}
}

func TestIPRangesReportsEveryBadItem(t *testing.T) {
	r := New(env(map[string]string{"P": "10.0.0.1/33,nginx,10.0.0.5/24,0.0.0.0/0,fe80::1%eth0,,127.0.0.1"}))
	got := r.IPRanges("P")
	if len(got) != 1 || got[0].String() != "127.0.0.1/32" {
		t.Errorf("IPRanges = %v, want only the good item", got)
	}
	err := r.Err()
	if err == nil {
		t.Fatal("want an error")
	}
	for _, want := range []string{`"10.0.0.1/33"`, `"nginx"`, `"10.0.0.5/24" has host bits set; did you mean 10.0.0.0/24?`,
		`"0.0.0.0/0" covers every address`, `"fe80::1%eth0"`, `""`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %s", err, want)
		}
	}
}
