// Command authserver is the OAuth 2.0 authorization server of the project:
// it signs users in, asks their consent, and issues tokens to clients.
//
//	authserver                      serve (configured by AUTHSERVER_* variables)
//	authserver healthcheck          exit 0 if the running server answers /healthz
//	authserver clients add ...      register a client
//	authserver clients list         list clients
//	authserver keys rotate          add a new signing key (the server uses it within a second);
//	                                -purpose id_token for the key that signs ID tokens
//	authserver keys retire KID      take a key out of the JWKS at once
//	authserver keys list            list signing keys and their states
//	authserver users add ...        add a user
package main
