package main

import (
	"bufio"
	"net/url"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/oauthlab/oauthlab/shared/actortest"
	"github.com/oauthlab/oauthlab/shared/contract"
)

// TestDeviceCommand runs `client device` as a real process against the
// real authorization server and resource API, and answers its code on the
// /device page as alice would with a browser: the command polls until she
// approves, then prints her top tracks.
func TestDeviceCommand(t *testing.T) {
	t.Parallel()
	// A one-second interval, so the test does not wait 5 s per poll.
	s := startSystem(t, "AUTHSERVER_DEVICE_INTERVAL=1s")

	cmd := exec.Command(actortest.Binary(t, "client"), "device")
	cmd.Env = []string{
		"CLIENT_ISSUER=" + s.as.URL,
		"CLIENT_API_URL=" + s.api.URL,
		"CLIENT_URL=" + s.client.URL,
		"CLIENT_DB=" + s.clientDB, // the run's steps go to the client's inspector
		"PATH=/usr/bin:/bin",
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })

	// Read until the command has shown the user code.
	lines := make(chan string, 100)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	codeRE := regexp.MustCompile(`^\s+([BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4})$`)
	var printed []string
	userCode := ""
	deadline := time.After(30 * time.Second)
	for userCode == "" {
		select {
		case line, ok := <-lines:
			if !ok {
				t.Fatalf("client device ended before showing a code:\n%s\n%s", strings.Join(printed, "\n"), stderr.String())
			}
			printed = append(printed, line)
			if m := codeRE.FindStringSubmatch(line); m != nil {
				userCode = m[1]
			}
		case <-deadline:
			t.Fatalf("no user code within 30 s:\n%s", strings.Join(printed, "\n"))
		}
	}

	// Let the command poll once before anyone answers, so that the
	// inspector has an authorization_pending to show (RFC 8628 §3.5).
	time.Sleep(1500 * time.Millisecond)

	// Alice, in a browser: sign in on the way to /device, enter the code,
	// allow.
	b := newBrowser(t)
	login := b.get(s.as.URL + "/device?" + url.Values{"user_code": {userCode}}.Encode())
	wantPage(t, login, 200, `id="login"`)
	form := hiddenFields(login.body)
	form.Set("username", contract.Alice.Username)
	form.Set("password", contract.Alice.Password)
	device := b.post(s.as.URL+"/login", form)
	wantPage(t, device, 200, `value="`+userCode+`"`)
	form = hiddenFields(device.body)
	form.Set("user_code", userCode)
	consent := b.post(s.as.URL+"/device", form)
	wantPage(t, consent, 200, `id="approve"`, userCode)
	form = hiddenFields(consent.body)
	form.Set("decision", "approve")
	wantPage(t, b.post(s.as.URL+"/device", form), 200, `id="done"`)

	for line := range lines {
		printed = append(printed, line)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("client device: %v\n%s\n%s", err, strings.Join(printed, "\n"), stderr.String())
	}
	all := strings.Join(printed, "\n")
	for _, want := range []string{"RFC 8628 §3.1", "RFC 8628 §3.3", "RFC 8628 §3.4", "/v1/me/top-tracks", " 1. "} {
		if !strings.Contains(all, want) {
			t.Errorf("client device did not print %q:\n%s", want, all)
		}
	}

	// covers: RFC 8628 §3.5
	// The same steps, recorded, in the client's inspector: the device
	// authorization request, the user's part, at least one pending poll,
	// the token response and the API call, each with its RFC section.
	run := runPage(t, s, all)
	kinds := steps(run.body)
	for _, kind := range []string{"device-authorization-request", "user-interaction", "device-poll", "token-request", "token-response", "access-token", "api-call"} {
		if count(kinds, kind) == 0 {
			t.Errorf("the run's inspector page lacks a %s step: %v", kind, kinds)
		}
	}
	wantPage(t, run, 200, "RFC 8628 §3.1", "RFC 8628 §3.3", "RFC 8628 §3.5", "authorization_pending", userCode)
	wantNoFullJWT(t, run.body)
}

// runPage finds the inspector address a command printed, checks that it
// is the client's, and fetches it (with no cookie: the address is the
// only key).
func runPage(t *testing.T, s *system, output string) page {
	t.Helper()
	m := regexp.MustCompile(`See every step in the inspector: (\S+)`).FindStringSubmatch(output)
	if m == nil {
		t.Fatalf("the command printed no inspector address:\n%s", output)
	}
	if !strings.HasPrefix(m[1], s.client.URL+"/inspector/runs/run-") {
		t.Fatalf("inspector address %q is not a run of %s", m[1], s.client.URL)
	}
	return newBrowser(t).get(m[1])
}

// wantNoFullJWT fails when a page shows a whole signed JWT (an access
// token or a client assertion) rather than a shortened one.
func wantNoFullJWT(t *testing.T, body string) {
	t.Helper()
	if jwt := regexp.MustCompile(`eyJ[\w-]{10,}\.[\w-]{10,}\.[\w-]{10,}`).FindString(body); jwt != "" {
		t.Errorf("the inspector shows a whole JWT: %s", jwt)
	}
}
