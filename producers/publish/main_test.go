package publish_test

import (
	"fmt"
	"os"
	"testing"

	"github.com/segmentio/kafka-go"
	"go.uber.org/goleak"
)

// TestMain fails the run when goroutines outlive the tests. The topic
// helpers of internal/itest use kafka-go's default transport, whose pools
// live until closed, so it is closed first; the producer's own transport
// must be closed by Publisher.Close.
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
