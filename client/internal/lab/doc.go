// Package lab is the attack lab: scenarios that attack the real
// authorization server, resource API and client over HTTP, record every
// request the attacker made, and report which rule stopped the attack and
// the line of our code that enforces it (from the generated rule index,
// docs/rfc-index.md).
//
// Where the lesson needs it, a scenario also runs the same attack against a
// deliberately naive variant (naive.go): a callback that skips the state
// check, a token check that trusts the header's alg, and so on. Those
// variants exist only here, run only when a learner presses "Run the
// attack" on /lab, and no other package may import this one (a test walks
// every route and the dependency lists of the other actors). The
// authorization server and the resource API have no vulnerable mode.
package lab
