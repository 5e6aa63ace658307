package itest

import (
	"testing"

	"go.uber.org/goleak"
)

// VerifyNoLeaks is TestMain for packages whose tests talk HTTP: it runs the
// tests and fails the run when goroutines are left behind, ignoring the idle
// keep-alive connections of HTTP clients (they belong to the client's pool,
// not to the code under test).
func VerifyNoLeaks(m *testing.M) {
	goleak.VerifyTestMain(m,
		goleak.IgnoreTopFunction("internal/poll.runtime_pollWait"),
		goleak.IgnoreTopFunction("net/http.(*persistConn).writeLoop"),
		goleak.IgnoreTopFunction("net/http.(*persistConn).readLoop"),
	)
}
