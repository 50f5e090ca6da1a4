// Package machine is the client's second, non-browser part: a machine client
// that uses the client credentials grant (RFC 6749 §4.4) to read the
// service-wide charts. No user is involved, so there is no redirect, no code
// and no refresh token: the client authenticates as itself and asks again
// when its token expires.
//
// The web page "Charts (client credentials)" and the `client charts` command
// run the same code.
package machine
