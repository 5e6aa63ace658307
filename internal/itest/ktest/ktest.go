// Package ktest reads back what the producers wrote, for integration tests:
// the message count of a topic (sum of the partitions' end offsets; test
// topics are fresh and never compacted) and every message, by partition.
package ktest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"
	"go.uber.org/goleak"
)

// EndOffsets returns each partition's end offset (the next offset to be
// written), asking the partition leaders directly.
func EndOffsets(t testing.TB, addr, topic string) map[int]int64 {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	conn, err := kafka.DialContext(ctx, "tcp", addr)
	if err != nil {
		t.Fatalf("dial %s: %v", addr, err)
	}
	defer conn.Close()
	parts, err := conn.ReadPartitions(topic)
	if err != nil {
		t.Fatalf("partitions of %s: %v", topic, err)
	}
	out := map[int]int64{}
	for _, p := range parts {
		last, err := lastOffset(ctx, addr, topic, p.ID)
		if err != nil {
			t.Fatalf("offsets of %s/%d: %v", topic, p.ID, err)
		}
		out[p.ID] = last
	}
	return out
}

// lastOffset reads a partition's end offset from its leader, retrying the
// errors a topic made a moment ago answers while its leader settles (Not
// Leader For Partition, Leader Not Available) until ctx ends.
func lastOffset(ctx context.Context, addr, topic string, partition int) (int64, error) {
	for {
		lc, err := kafka.DialLeader(ctx, "tcp", addr, topic, partition)
		if err == nil {
			var last int64
			_, last, err = lc.ReadOffsets()
			_ = lc.Close()
			if err == nil {
				return last, nil
			}
		}
		var ke kafka.Error
		if !errors.As(err, &ke) || !ke.Temporary() {
			return 0, err
		}
		select {
		case <-ctx.Done():
			return 0, fmt.Errorf("%w (last: %w)", ctx.Err(), err)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// Count is the number of messages in topic.
func Count(t testing.TB, addr, topic string) int64 {
	t.Helper()
	var n int64
	for _, last := range EndOffsets(t, addr, topic) {
		n += last
	}
	return n
}

// ReadAll returns every message of topic, partition by partition, each in
// offset order.
func ReadAll(t testing.TB, addr, topic string) []kafka.Message {
	t.Helper()
	var out []kafka.Message
	for p, last := range EndOffsets(t, addr, topic) {
		if last == 0 {
			continue
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		r := kafka.NewReader(kafka.ReaderConfig{Brokers: []string{addr}, Topic: topic, Partition: p, MaxWait: 100 * time.Millisecond})
		for {
			m, err := r.ReadMessage(ctx)
			if err != nil {
				_ = r.Close()
				cancel()
				t.Fatalf("read %s/%d: %v", topic, p, err)
			}
			out = append(out, m)
			if m.Offset >= last-1 {
				break
			}
		}
		_ = r.Close()
		cancel()
	}
	return out
}

// Header returns the value of the header named key, "" when absent.
func Header(m kafka.Message, key string) string {
	for _, h := range m.Headers {
		if h.Key == key {
			return string(h.Value)
		}
	}
	return ""
}

// VerifyTestMain runs the tests and then fails the run when goroutines
// outlive them (goleak). The topic helpers of internal/itest use kafka-go's
// default transport, whose connection pools live until closed, so it is
// closed first; transports of the code under test must be closed by it.
func VerifyTestMain(m *testing.M) {
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
