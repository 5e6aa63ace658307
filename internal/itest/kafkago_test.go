package itest_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sort"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"
	"github.com/segmentio/kafka-go/compress"
	"github.com/stretchr/testify/require"

	"github.com/newsflow/newsflow/internal/itest"
)

// These tests pin down what segmentio/kafka-go v0.4.51 can do against the Kafka 4
// broker of scripts/testenv.sh (Kafka 4 removed old protocol versions, KIP-896).
// testenv/KAFKA-GO.md records the findings; keep both in step.

// kafkaGoRequests lists the requests kafka-go's Conn (and so its Reader and
// consumer group code) sends with fixed or negotiated versions, from its source.
// Writer and Client go through the protocol package, which negotiates any version.
var kafkaGoRequests = []struct {
	api      string
	key      int
	versions []int // kafka-go picks the highest the broker supports
	usedBy   string
}{
	{"Produce", 0, []int{2, 3, 7}, "Conn.WriteMessages"},
	{"Fetch", 1, []int{2, 5, 10}, "Reader, Conn.ReadBatch"},
	{"ListOffsets", 2, []int{1}, "Reader (first/last offset), Conn.ReadOffsets"},
	{"Metadata", 3, []int{1, 6}, "Reader, Conn.ReadPartitions"},
	{"OffsetCommit", 8, []int{2}, "Reader.CommitMessages (consumer group)"},
	{"OffsetFetch", 9, []int{1}, "Reader with GroupID (start offsets)"},
	{"FindCoordinator", 10, []int{0}, "Reader with GroupID"},
	{"JoinGroup", 11, []int{1, 2}, "Reader with GroupID"},
	{"Heartbeat", 12, []int{0}, "Reader with GroupID"},
	{"LeaveGroup", 13, []int{0}, "Reader.Close with GroupID"},
	{"SyncGroup", 14, []int{0}, "Reader with GroupID"},
	{"CreateTopics", 19, []int{0, 1, 2}, "Conn.CreateTopics"},
	{"DeleteTopics", 20, []int{0, 1}, "Conn.DeleteTopics"},
}

func TestIntegrationKafkaGoAPIVersions(t *testing.T) {
	addr := itest.Kafka(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	c := &kafka.Client{Addr: kafka.TCP(addr)}
	res, err := c.ApiVersions(ctx, &kafka.ApiVersionsRequest{})
	require.NoError(t, err)
	require.NoError(t, res.Error)
	broker := map[int]kafka.ApiVersionsResponseApiKey{}
	for _, k := range res.ApiKeys {
		broker[k.ApiKey] = k
	}

	for _, r := range kafkaGoRequests {
		t.Run(r.api, func(t *testing.T) {
			b, ok := broker[r.key]
			require.True(t, ok, "broker does not offer %s at all", r.api)
			chosen := -1
			for _, v := range r.versions {
				if v >= b.MinVersion && v <= b.MaxVersion {
					chosen = v
				}
			}
			t.Logf("%-15s broker v%d-v%d, kafka-go sends one of %v: v%d (%s)",
				r.api, b.MinVersion, b.MaxVersion, r.versions, chosen, r.usedBy)
			require.GreaterOrEqual(t, chosen, 0, "%s: no version in common (broker v%d-v%d, kafka-go %v)",
				r.api, b.MinVersion, b.MaxVersion, r.versions)
		})
	}
}

func TestIntegrationKafkaGoTopicAdmin(t *testing.T) {
	addr := itest.Kafka(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()

	t.Run("Client.CreateTopics and Client.DeleteTopics", func(t *testing.T) {
		c := &kafka.Client{Addr: kafka.TCP(addr)}
		topic := itest.UniqueName(t, "itest.")
		res, err := c.CreateTopics(ctx, &kafka.CreateTopicsRequest{Topics: []kafka.TopicConfig{{
			Topic: topic, NumPartitions: 2, ReplicationFactor: 1,
			ConfigEntries: []kafka.ConfigEntry{{ConfigName: "retention.ms", ConfigValue: "3600000"}},
		}}})
		require.NoError(t, err)
		require.NoError(t, res.Errors[topic])
		require.NoError(t, itest.WaitForLeaders(ctx, addr, topic, 2))

		again, err := c.CreateTopics(ctx, &kafka.CreateTopicsRequest{Topics: []kafka.TopicConfig{{
			Topic: topic, NumPartitions: 2, ReplicationFactor: 1,
		}}})
		require.NoError(t, err)
		require.ErrorIs(t, again.Errors[topic], kafka.TopicAlreadyExists)

		del, err := c.DeleteTopics(ctx, &kafka.DeleteTopicsRequest{Topics: []string{topic}})
		require.NoError(t, err)
		require.NoError(t, del.Errors[topic])
	})

	t.Run("Conn.CreateTopics on the controller, Conn.ReadPartitions, Conn.DeleteTopics", func(t *testing.T) {
		conn, err := kafka.DialContext(ctx, "tcp", addr)
		require.NoError(t, err)
		defer conn.Close()
		ctrl, err := conn.Controller()
		require.NoError(t, err)
		cc, err := kafka.DialContext(ctx, "tcp", net.JoinHostPort(ctrl.Host, strconv.Itoa(ctrl.Port)))
		require.NoError(t, err)
		defer cc.Close()

		topic := itest.UniqueName(t, "itest.")
		require.NoError(t, cc.CreateTopics(kafka.TopicConfig{Topic: topic, NumPartitions: 3, ReplicationFactor: 1}))
		require.NoError(t, itest.WaitForLeaders(ctx, addr, topic, 3))
		parts, err := conn.ReadPartitions(topic)
		require.NoError(t, err)
		require.Len(t, parts, 3)
		require.NoError(t, cc.DeleteTopics(topic))
	})

	t.Run("producing to a missing topic fails: auto-creation is off", func(t *testing.T) {
		w := &kafka.Writer{Addr: kafka.TCP(addr), Topic: itest.UniqueName(t, "itest.missing."),
			MaxAttempts: 2, WriteBackoffMin: 10 * time.Millisecond, WriteBackoffMax: 50 * time.Millisecond}
		defer w.Close()
		wctx, wcancel := context.WithTimeout(ctx, 10*time.Second)
		defer wcancel()
		err := w.WriteMessages(wctx, kafka.Message{Value: []byte("x")})
		require.Error(t, err)
		require.ErrorIs(t, err, kafka.UnknownTopicOrPartition)
	})
}

func TestIntegrationKafkaGoProduceAndFetch(t *testing.T) {
	addr := itest.Kafka(t)
	codecs := []struct {
		name  string
		codec compress.Compression
	}{
		{"uncompressed", 0},
		{"gzip", kafka.Gzip},
		{"snappy", kafka.Snappy},
		{"lz4", kafka.Lz4},
		{"zstd", kafka.Zstd},
	}
	for _, tc := range codecs {
		t.Run("Writer with "+tc.name+" then Reader by partition", func(t *testing.T) {
			topic := itest.NewTopic(t, addr, 1)
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()

			w := &kafka.Writer{Addr: kafka.TCP(addr), Topic: topic, Compression: tc.codec,
				RequiredAcks: kafka.RequireAll, BatchTimeout: 10 * time.Millisecond}
			const n = 50
			msgs := make([]kafka.Message, n)
			for i := range msgs {
				msgs[i] = kafka.Message{
					Key:     []byte("k" + strconv.Itoa(i)),
					Value:   []byte(fmt.Sprintf("value %d with some text to compress %s", i, tc.name)),
					Headers: []kafka.Header{{Key: "newsflow.test", Value: []byte(strconv.Itoa(i))}},
				}
			}
			require.NoError(t, w.WriteMessages(ctx, msgs...))
			require.NoError(t, w.Close())

			r := kafka.NewReader(kafka.ReaderConfig{Brokers: []string{addr}, Topic: topic, Partition: 0, MaxWait: 100 * time.Millisecond})
			defer r.Close()
			for i := 0; i < n; i++ {
				m, err := r.ReadMessage(ctx)
				require.NoError(t, err)
				require.Equal(t, int64(i), m.Offset)
				require.Equal(t, msgs[i].Key, m.Key)
				require.Equal(t, msgs[i].Value, m.Value)
				require.Len(t, m.Headers, 1)
				require.Equal(t, msgs[i].Headers[0], m.Headers[0])
			}
		})
	}

	t.Run("Conn.WriteMessages then Conn.ReadBatch and Conn.ReadOffsets", func(t *testing.T) {
		topic := itest.NewTopic(t, addr, 1)
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		conn, err := kafka.DialLeader(ctx, "tcp", addr, topic, 0)
		require.NoError(t, err)
		defer conn.Close()
		require.NoError(t, conn.SetDeadline(time.Now().Add(20*time.Second)))
		_, err = conn.WriteMessages(kafka.Message{Value: []byte("a")}, kafka.Message{Value: []byte("b")})
		require.NoError(t, err)
		first, last, err := conn.ReadOffsets()
		require.NoError(t, err)
		require.Equal(t, int64(0), first)
		require.Equal(t, int64(2), last)

		_, err = conn.Seek(0, kafka.SeekAbsolute)
		require.NoError(t, err)
		batch := conn.ReadBatch(1, 1<<20)
		var got []string
		for {
			m, err := batch.ReadMessage()
			if err != nil {
				break
			}
			got = append(got, string(m.Value))
		}
		require.NoError(t, batch.Close())
		require.Equal(t, []string{"a", "b"}, got)
	})
}

// groupReader is one member of a consumer group that records what it consumed.
type groupReader struct {
	r    *kafka.Reader
	mu   sync.Mutex
	seen map[string]int // value -> times delivered to this reader
	done chan error
}

func startGroupReader(t *testing.T, addr, topic, group string) *groupReader {
	t.Helper()
	gr := &groupReader{
		r: kafka.NewReader(kafka.ReaderConfig{
			Brokers:           []string{addr},
			GroupID:           group,
			Topic:             topic,
			StartOffset:       kafka.FirstOffset,
			MaxWait:           100 * time.Millisecond,
			HeartbeatInterval: 300 * time.Millisecond,
			SessionTimeout:    6 * time.Second, // the broker's group.min.session.timeout.ms
			RebalanceTimeout:  5 * time.Second,
			JoinGroupBackoff:  200 * time.Millisecond,
		}),
		seen: map[string]int{},
		done: make(chan error, 1),
	}
	return gr
}

// consume fetches and commits one message at a time until ctx ends.
func (g *groupReader) consume(ctx context.Context) {
	var err error
	for {
		var m kafka.Message
		m, err = g.r.FetchMessage(ctx)
		if err != nil {
			break
		}
		g.mu.Lock()
		g.seen[string(m.Value)]++
		g.mu.Unlock()
		if err = g.r.CommitMessages(ctx, m); err != nil {
			break
		}
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		err = nil
	}
	g.done <- err
}

func (g *groupReader) count() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.seen)
}

func produceValues(t *testing.T, addr, topic string, from, to int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	w := &kafka.Writer{Addr: kafka.TCP(addr), Topic: topic, Balancer: &kafka.RoundRobin{},
		RequiredAcks: kafka.RequireAll, BatchTimeout: 5 * time.Millisecond}
	msgs := make([]kafka.Message, 0, to-from)
	for i := from; i < to; i++ {
		msgs = append(msgs, kafka.Message{Key: []byte(strconv.Itoa(i)), Value: []byte("m" + strconv.Itoa(i))})
	}
	require.NoError(t, w.WriteMessages(ctx, msgs...))
	require.NoError(t, w.Close())
}

func TestIntegrationKafkaGoConsumerGroup(t *testing.T) {
	addr := itest.Kafka(t)
	topic := itest.NewTopic(t, addr, 3)
	group := itest.NewGroup(t)
	const total = 600
	produceValues(t, addr, topic, 0, total/2)

	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()

	// One member joins and consumes alone, then a second joins: a rebalance
	// splits the three partitions between them.
	a := startGroupReader(t, addr, topic, group)
	actx, acancel := context.WithCancel(ctx)
	go a.consume(actx)
	require.Eventually(t, func() bool { return a.count() > 0 }, 30*time.Second, 50*time.Millisecond,
		"first member consumed nothing: join, sync or fetch failed")

	b := startGroupReader(t, addr, topic, group)
	bctx, bcancel := context.WithCancel(ctx)
	go b.consume(bctx)

	client := &kafka.Client{Addr: kafka.TCP(addr)}
	require.Eventually(t, func() bool {
		res, err := client.DescribeGroups(ctx, &kafka.DescribeGroupsRequest{GroupIDs: []string{group}})
		if err != nil || len(res.Groups) != 1 || res.Groups[0].GroupState != "Stable" || len(res.Groups[0].Members) != 2 {
			return false
		}
		for _, m := range res.Groups[0].Members {
			if len(m.MemberAssignments.Topics) != 1 || len(m.MemberAssignments.Topics[0].Partitions) == 0 {
				return false
			}
		}
		return true
	}, 30*time.Second, 100*time.Millisecond, "group did not rebalance to two members that each own partitions")

	// Produced after the rebalance, the second half spreads over all partitions,
	// so the second member must consume its share.
	produceValues(t, addr, topic, total/2, total)

	union := func() map[string]int {
		all := map[string]int{}
		for _, g := range []*groupReader{a, b} {
			g.mu.Lock()
			for v, n := range g.seen {
				all[v] += n
			}
			g.mu.Unlock()
		}
		return all
	}
	require.Eventually(t, func() bool { return len(union()) == total }, 60*time.Second, 100*time.Millisecond,
		"the two members did not consume all %d messages", total)
	require.Positive(t, b.count(), "the second member got nothing after the rebalance")

	// Committed offsets reach the end of every partition.
	require.Eventually(t, func() bool {
		offs, err := client.ConsumerOffsets(ctx, kafka.TopicAndGroup{Topic: topic, GroupId: group})
		if err != nil {
			return false
		}
		var sum int64
		for _, o := range offs {
			sum += o
		}
		return sum == total
	}, 10*time.Second, 100*time.Millisecond, "committed offsets do not add up to %d", total)

	acancel()
	bcancel()
	require.NoError(t, <-a.done)
	require.NoError(t, <-b.done)
	require.NoError(t, a.r.Close())
	require.NoError(t, b.r.Close())

	// Redeliveries can only come from the rebalance (at-least-once); log them.
	dups := 0
	for _, n := range union() {
		dups += n - 1
	}
	t.Logf("consumed %d messages in the group, %d redelivered during the rebalance", total, dups)

	// Restart: a new member of the same group starts at the committed offsets,
	// so it sees nothing old, and then exactly the new messages.
	c := startGroupReader(t, addr, topic, group)
	defer c.r.Close()
	quiet, qcancel := context.WithTimeout(ctx, 8*time.Second)
	m, err := c.r.FetchMessage(quiet)
	qcancel()
	require.ErrorIs(t, err, context.DeadlineExceeded, "restarted group redelivered %q", m.Value)

	produceValues(t, addr, topic, total, total+30)
	var got []string
	for len(got) < 30 {
		m, err := c.r.FetchMessage(ctx)
		require.NoError(t, err)
		got = append(got, string(m.Value))
		require.NoError(t, c.r.CommitMessages(ctx, m))
	}
	sort.Strings(got)
	want := make([]string, 0, 30)
	for i := total; i < total+30; i++ {
		want = append(want, "m"+strconv.Itoa(i))
	}
	sort.Strings(want)
	require.Equal(t, want, got)
}

func TestIntegrationKafkaGoOffsetFetchAfterCommit(t *testing.T) {
	addr := itest.Kafka(t)
	topic := itest.NewTopic(t, addr, 2)
	group := itest.NewGroup(t)
	produceValues(t, addr, topic, 0, 20)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()

	r := startGroupReader(t, addr, topic, group)
	last := map[int]kafka.Message{}
	for i := 0; i < 20; i++ {
		m, err := r.r.FetchMessage(ctx)
		require.NoError(t, err)
		last[m.Partition] = m
	}
	// CommitMessages with the last message per partition commits offset+1 for each.
	msgs := make([]kafka.Message, 0, len(last))
	for _, m := range last {
		msgs = append(msgs, m)
	}
	require.NoError(t, r.r.CommitMessages(ctx, msgs...))
	require.NoError(t, r.r.Close())

	client := &kafka.Client{Addr: kafka.TCP(addr)}
	res, err := client.OffsetFetch(ctx, &kafka.OffsetFetchRequest{GroupID: group, Topics: map[string][]int{topic: {0, 1}}})
	require.NoError(t, err)
	require.NoError(t, res.Error)
	for _, p := range res.Topics[topic] {
		require.NoError(t, p.Error)
		require.Equal(t, last[p.Partition].Offset+1, p.CommittedOffset, "partition %d", p.Partition)
	}
}
