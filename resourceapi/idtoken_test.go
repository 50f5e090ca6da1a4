package main

import (
	"net/http"
	"testing"

	"github.com/oauthlab/oauthlab/shared/contract"
)

// TestRealIDTokenIsRefused gets a real ID token from the authorization
// server, acting as OpenID Provider, and sends it to the API as a bearer
// token: it is for the client, not the API, and must be refused with 401
// invalid_token (RFC 6750 §3.1), while the access token issued with it works.
func TestRealIDTokenIsRefused(t *testing.T) {
	s := startSystem(t)
	resp, err := http.Get(s.as.URL + "/.well-known/openid-configuration")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode == http.StatusNotFound {
		t.Skip("needs the OpenID Provider merge")
	}
	tok := s.userToken(t, contract.Alice, "openid", "tracks:read")
	idToken, _ := tok.Extra("id_token").(string)
	if idToken == "" {
		t.Fatal("the token response to an openid request carries no id_token")
	}
	if status, _, _ := get(t, s.apiURL+"/v1/me/top-tracks", tok.AccessToken); status != 200 {
		t.Fatalf("the access token: %d", status)
	}
	status, challenge, body := get(t, s.apiURL+"/v1/me/top-tracks", idToken)
	if status != 401 || body["error"] != "invalid_token" || challenge == "" {
		t.Fatalf("the ID token as a bearer token: %d %q %v", status, challenge, body)
	}
}
