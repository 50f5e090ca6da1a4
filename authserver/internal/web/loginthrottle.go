package web

import (
	"time"

	"github.com/oauthlab/oauthlab/authserver/internal/throttle"
)

// loginThrottle slows password guessing down without letting anyone lock
// a user out (RFC 6819 §5.1.4.2.3): there is no hard lock, only delays
// that grow with each failure, and they fall on the address that fails.
//
//   - per (username, address): one address guessing one user's password;
//   - per address: one address trying many users;
//   - per username: many addresses guessing one user's password, applied
//     only to addresses that have themselves failed for that user, so the
//     real user at another address signs in as usual.
type loginThrottle struct {
	userAddr, addr, user throttle.Backoff
}

func newLoginThrottle(counter throttle.Counter, now func() time.Time) loginThrottle {
	backoff := func(free int) throttle.Backoff {
		return throttle.Backoff{Counter: counter, Free: free, Base: time.Second, Max: 5 * time.Minute, Now: now}
	}
	return loginThrottle{userAddr: backoff(5), addr: backoff(20), user: backoff(10)}
}

func userAddrKey(user, addr string) string { return "user+addr\x00" + user + "\x00" + addr }
func addrKey(addr string) string           { return "addr\x00" + addr }
func userKey(user string) string           { return "user\x00" + user }

// wait returns how long a sign-in of user from addr must wait (0: now).
func (l loginThrottle) wait(user, addr string) time.Duration {
	w := max(l.userAddr.Wait(userAddrKey(user, addr)), l.addr.Wait(addrKey(addr)))
	if l.userAddr.Counter.Get(userAddrKey(user, addr)).Count > 0 {
		w = max(w, l.user.Wait(userKey(user)))
	}
	return w
}

// fail counts a wrong password for user from addr.
func (l loginThrottle) fail(user, addr string) {
	l.userAddr.Fail(userAddrKey(user, addr))
	l.addr.Fail(addrKey(addr))
	l.user.Fail(userKey(user))
}

// succeed forgets this address's failures for user. The per-user count is
// kept: a success must not give an attacker elsewhere fresh attempts.
func (l loginThrottle) succeed(user, addr string) {
	l.userAddr.Reset(userAddrKey(user, addr))
}
