package itest

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"
)

// NewTopic creates a topic named after the test with the given number of
// partitions (replication factor 1) on the broker at addr, waits until every
// partition has a leader, and deletes it when the test ends. The test broker has
// automatic topic creation off, as production clusters often do.
//
// It uses kafka.Client (the protocol package, which negotiates API versions with
// the broker) rather than Conn.CreateTopics; see testenv/KAFKA-GO.md.
func NewTopic(t testing.TB, addr string, partitions int) string {
	t.Helper()
	topic := UniqueName(t, "itest.")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	c := &kafka.Client{Addr: kafka.TCP(addr), Timeout: 10 * time.Second}
	res, err := c.CreateTopics(ctx, &kafka.CreateTopicsRequest{Topics: []kafka.TopicConfig{{
		Topic: topic, NumPartitions: partitions, ReplicationFactor: 1,
	}}})
	if err != nil {
		t.Fatalf("create topic %s on %s: %v", topic, addr, err)
	}
	if err := res.Errors[topic]; err != nil {
		t.Fatalf("create topic %s on %s: %v", topic, addr, err)
	}
	t.Cleanup(func() { deleteTopic(t, c, topic) })

	if err := WaitForLeaders(ctx, addr, topic, partitions); err != nil {
		t.Fatal(err)
	}
	return topic
}

// WaitForLeaders polls the broker's metadata until topic has the given number
// of partitions, each with a leader, or ctx ends.
//
// It asks the broker on a Conn (Metadata v6) rather than through kafka.Client:
// the Client's default Transport answers Metadata from a cache refreshed every
// 6 s, so a topic made by another client (kcat, a Conn, another process) shows
// up there late; see testenv/KAFKA-GO.md.
func WaitForLeaders(ctx context.Context, addr, topic string, partitions int) error {
	var last error
	for {
		last = partitionsLed(ctx, addr, topic, partitions)
		if last == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("topic %s on %s not ready: %w: %w", topic, addr, last, ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func partitionsLed(ctx context.Context, addr, topic string, partitions int) error {
	dctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	conn, err := kafka.DialContext(dctx, "tcp", addr)
	if err != nil {
		return err
	}
	defer conn.Close()
	if err := conn.SetDeadline(time.Now().Add(5 * time.Second)); err != nil {
		return err
	}
	parts, err := conn.ReadPartitions(topic)
	if err != nil {
		return err
	}
	if len(parts) != partitions {
		return fmt.Errorf("%d of %d partitions", len(parts), partitions)
	}
	for _, p := range parts {
		if p.Error != nil || p.Leader.ID < 0 || p.Leader.Host == "" {
			return fmt.Errorf("partition %d has no leader yet (%w)", p.ID, p.Error)
		}
	}
	return nil
}

func deleteTopic(t testing.TB, c *kafka.Client, topic string) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	res, err := c.DeleteTopics(ctx, &kafka.DeleteTopicsRequest{Topics: []string{topic}})
	if err == nil {
		err = res.Errors[topic]
	}
	if err != nil && !errors.Is(err, kafka.UnknownTopicOrPartition) {
		t.Logf("cleanup: delete topic %s: %v", topic, err)
	}
}

// NewGroup returns a consumer group id named after the test and unique to this run.
func NewGroup(t testing.TB) string {
	t.Helper()
	return UniqueName(t, "itest-group-")
}

// Kcat returns the path of the kcat binary (Debian package kcat), an
// independent Kafka client for cross-checking kafka-go. Without it the test is
// skipped, or failed when CI=true; scripts/deps.sh installs it.
func Kcat(t testing.TB) string {
	t.Helper()
	if testing.Short() {
		t.Skipf("integration test: skipped under -short")
	}
	p, err := exec.LookPath("kcat")
	if err != nil {
		unavailable(t, "kcat not found on PATH: install it with scripts/deps.sh (Debian package kcat)")
	}
	return p
}
