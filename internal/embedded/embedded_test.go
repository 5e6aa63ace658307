package embedded

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"
	"github.com/stretchr/testify/require"
)

const (
	topic = "news.raw"
	group = "newsflow"
)

func start(t *testing.T, dir string) *Broker {
	t.Helper()
	b, err := Start(Config{DataDir: dir, Topics: []string{topic, topic + ".dlq"}, Partitions: 3})
	require.NoError(t, err)
	return b
}

func produce(t *testing.T, addr string, from, n int) {
	t.Helper()
	w := &kafka.Writer{
		Addr:         kafka.TCP(addr),
		Topic:        topic,
		Balancer:     &kafka.Murmur2Balancer{},
		RequiredAcks: kafka.RequireAll,
		BatchTimeout: time.Millisecond,
		Compression:  kafka.Zstd,
	}
	defer func() { require.NoError(t, w.Close()) }()
	msgs := make([]kafka.Message, n)
	for i := range msgs {
		msgs[i] = kafka.Message{
			Key:     []byte(fmt.Sprintf("src:%d", from+i)),
			Value:   []byte(fmt.Sprintf(`{"source":"src","body":"message %d"}`, from+i)),
			Headers: []kafka.Header{{Key: "newsflow.origin", Value: []byte("test")}},
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	require.NoError(t, w.WriteMessages(ctx, msgs...))
}

func reader(addr string) *kafka.Reader {
	return kafka.NewReader(kafka.ReaderConfig{
		Brokers:           []string{addr},
		GroupID:           group,
		Topic:             topic,
		MinBytes:          1,
		MaxBytes:          1 << 20,
		MaxWait:           100 * time.Millisecond,
		HeartbeatInterval: 300 * time.Millisecond,
		SessionTimeout:    6 * time.Second,
		CommitInterval:    0,
		StartOffset:       kafka.FirstOffset,
	})
}

// consume fetches n messages in the group and commits each, returning their
// bodies.
func consume(t *testing.T, r *kafka.Reader, n int) map[string]bool {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	got := map[string]bool{}
	for len(got) < n {
		m, err := r.FetchMessage(ctx)
		require.NoError(t, err, "after %d of %d messages", len(got), n)
		got[string(m.Value)] = true
		require.Equal(t, "test", string(m.Headers[0].Value))
		require.NoError(t, r.CommitMessages(ctx, m))
	}
	return got
}

// nothingMore checks that the group has no message left to deliver within
// wait.
func nothingMore(t *testing.T, r *kafka.Reader, wait time.Duration) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	m, err := r.FetchMessage(ctx)
	require.Error(t, err, "unexpected redelivery of %s at partition %d offset %d", m.Value, m.Partition, m.Offset)
}

func sum(m map[int]int64) int64 {
	var n int64
	for _, v := range m {
		n += v
	}
	return n
}

func TestKafkaGoGroupCommitsSurviveARestart(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "kafka")

	b := start(t, dir)
	require.Equal(t, 3, b.Partitions(topic))
	require.Equal(t, 3, b.Partitions(topic+".dlq"))
	produce(t, b.Addr(), 0, 30)
	require.EqualValues(t, 30, sum(b.EndOffsets(topic)))

	r := reader(b.Addr())
	got := consume(t, r, 20)
	require.Len(t, got, 20)
	require.NoError(t, r.Close())
	require.EqualValues(t, 20, sum(b.Committed(group, topic)), "committed offsets of the group")
	b.Close()

	// The restart keeps the topics (no new creation), the 30 messages and
	// the 20 commits: the group resumes with exactly the 10 others.
	b = start(t, dir)
	defer b.Close()
	require.Equal(t, 3, b.Partitions(topic))
	require.EqualValues(t, 30, sum(b.EndOffsets(topic)))
	require.EqualValues(t, 20, sum(b.Committed(group, topic)))
	produce(t, b.Addr(), 30, 5)

	r = reader(b.Addr())
	defer r.Close()
	rest := consume(t, r, 15)
	for body := range rest {
		require.False(t, got[body], "redelivered after the restart: %s", body)
	}
	nothingMore(t, r, 2*time.Second)
}

func TestAForgottenGroupStartsAgainFromTheStart(t *testing.T) {
	b := start(t, filepath.Join(t.TempDir(), "kafka"))
	defer b.Close()
	produce(t, b.Addr(), 0, 6)
	r := reader(b.Addr())
	consume(t, r, 6)
	require.NoError(t, r.Close())
	require.EqualValues(t, 6, sum(b.Committed(group, topic)))

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	require.NoError(t, b.ForgetGroup(ctx, group))
	require.Empty(t, b.Committed(group, topic))
	require.NoError(t, b.ForgetGroup(ctx, "never-seen"), "an unknown group is not an error")

	r = reader(b.Addr())
	defer r.Close()
	require.Len(t, consume(t, r, 6), 6, "every message again")
}

func TestASecondBrokerOnTheSameDirectoryIsRefused(t *testing.T) {
	dir := t.TempDir()
	b := start(t, dir)
	defer b.Close()
	_, err := Start(Config{DataDir: dir})
	require.ErrorContains(t, err, "another newsflow up uses this --data-dir")
}

func TestBadConfigs(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  Config
		want string
	}{
		{"no data directory", Config{}, "no data directory"},
		{"negative partitions", Config{DataDir: "x", Partitions: -1}, "partitions -1"},
		{"address without port", Config{DataDir: "x", Addr: "localhost"}, `address "localhost"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.ErrorContains(t, tc.cfg.Validate(), tc.want)
		})
	}
}
