package dlq

import (
	"fmt"
	"os"
	"testing"

	"github.com/segmentio/kafka-go"
	"go.uber.org/goleak"
)

// TestMain fails the run when goroutines outlive the tests. The
// integration tests' kafka.Clients use kafka-go's default transport, whose
// connection pools live until closed, so it is closed first.
func TestMain(m *testing.M) {
	code := m.Run()
	kafka.DefaultTransport.(*kafka.Transport).CloseIdleConnections()
	if code == 0 {
		if err := goleak.Find(); err != nil {
			fmt.Fprintln(os.Stderr, "goleak:", err)
			code = 1
		}
	}
	os.Exit(code)
}
