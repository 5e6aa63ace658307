package dlq_test

import (
	"bytes"
	"context"
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/segmentio/kafka-go"
	"github.com/stretchr/testify/require"

	"github.com/newsflow/newsflow/consumers/dlq"
	"github.com/newsflow/newsflow/internal/itest"
)

// brokerDefault is Kafka's default message.max.bytes (1 MiB + 12), the
// limit of a topic created without max.message.bytes.
const brokerDefault = 1048588

// topicPair creates a raw topic (maxBytes > 0 sets its max.message.bytes)
// and returns it with its dead-letter topic's name; both are deleted at
// the end.
func topicPair(t *testing.T, addr string, maxBytes int) (*kafka.Client, string, string) {
	t.Helper()
	c := &kafka.Client{Addr: kafka.TCP(addr), Timeout: 10 * time.Second}
	raw := itest.UniqueName(t, "itest.")
	createTopic(t, c, raw, maxBytes)
	return c, raw, raw + ".dlq"
}

func createTopic(t *testing.T, c *kafka.Client, name string, maxBytes int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	tc := kafka.TopicConfig{Topic: name, NumPartitions: 1, ReplicationFactor: 1}
	if maxBytes > 0 {
		tc.ConfigEntries = []kafka.ConfigEntry{{ConfigName: dlq.ConfigMaxMessageBytes, ConfigValue: strconv.Itoa(maxBytes)}}
	}
	res, err := c.CreateTopics(ctx, &kafka.CreateTopicsRequest{Topics: []kafka.TopicConfig{tc}})
	require.NoError(t, err)
	require.NoError(t, res.Errors[name])
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_, _ = c.DeleteTopics(ctx, &kafka.DeleteTopicsRequest{Topics: []string{name}})
	})
	addr := c.Addr.String()
	require.NoError(t, itest.WaitForLeaders(ctx, addr, name, 1))
}

// ensure creates the dead-letter topic as the worker does at start, and
// deletes it at the end.
func ensure(t *testing.T, c *kafka.Client, raw, dlqTopic string) dlq.Limits {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_, _ = c.DeleteTopics(ctx, &kafka.DeleteTopicsRequest{Topics: []string{dlqTopic}})
	})
	require.NoError(t, dlq.EnsureTopic(ctx, c, raw, dlqTopic, nil))
	require.NoError(t, itest.WaitForLeaders(ctx, c.Addr.String(), dlqTopic, 1))
	l, err := dlq.CheckTopic(ctx, c, raw, dlqTopic)
	require.NoError(t, err)
	return l
}

func letter(raw string, offset int64, value []byte) dlq.Letter {
	return dlq.Letter{
		Msg:   kafka.Message{Topic: raw, Partition: 0, Offset: offset, Key: []byte("wire:" + strconv.FormatInt(offset, 10)), Value: value},
		Stage: dlq.StageDecode, Reason: "decode RawArticle JSON: " + string(bytes.Repeat([]byte("r"), dlq.MaxReasonBytes)),
	}
}

// readAll reads the n messages of partition 0 of topic.
func readAll(t *testing.T, addr, topic string, n int) []kafka.Message {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	r := kafka.NewReader(kafka.ReaderConfig{Brokers: []string{addr}, Topic: topic, Partition: 0, MaxBytes: 16 << 20, MaxWait: 100 * time.Millisecond})
	defer r.Close()
	var out []kafka.Message
	for len(out) < n {
		m, err := r.FetchMessage(ctx)
		require.NoError(t, err, "read %d of %d from %s", len(out), n, topic)
		out = append(out, m)
	}
	return out
}

func header(m kafka.Message, k string) string { v, _ := dlq.Header(m, k); return v }

// TestIntegrationDeadLetterTopicTakesWhatTheRawTopicTakes: a raw topic
// allowing 4 MiB gets a dead-letter topic allowing 4 MiB + HeaderRoom, and
// a 3 MiB poison message is dead-lettered whole, beside small ones; a
// message just under the broker's default 1 MiB, whose letter adds 2 kB of
// headers, is stored whole too.
func TestIntegrationDeadLetterTopicTakesWhatTheRawTopicTakes(t *testing.T) {
	addr := itest.Kafka(t)
	for _, tc := range []struct {
		name     string
		rawLimit int
		size     int
	}{
		{"a 3 MiB message of a 4 MiB raw topic", 4 << 20, 3 << 20},
		{"a message just under 1 MiB", 0, brokerDefault - 200},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, raw, dlqTopic := topicPair(t, addr, tc.rawLimit)
			l := ensure(t, c, raw, dlqTopic)
			wantRaw := tc.rawLimit
			if wantRaw == 0 {
				wantRaw = brokerDefault
			}
			require.Equal(t, dlq.Limits{Raw: wantRaw, DLQ: wantRaw + dlq.HeaderRoom}, l)

			w := &kafka.Writer{Addr: kafka.TCP(addr), Topic: dlqTopic, RequiredAcks: kafka.RequireAll, BatchTimeout: 5 * time.Millisecond, BatchBytes: int64(l.WriterBatchBytes())}
			defer w.Close()
			reg := prometheus.NewRegistry()
			p := dlq.NewProducerWith(w, dlq.ProducerOptions{Topic: dlqTopic, MaxBytes: l.WriterBatchBytes(), Registerer: reg})
			big := bytes.Repeat([]byte("p"), tc.size)
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			require.NoError(t, p.Send(ctx, []dlq.Letter{letter(raw, 1, []byte("{bad")), letter(raw, 2, big), letter(raw, 3, []byte("{bad"))}))
			got := readAll(t, addr, dlqTopic, 3)
			for _, m := range got {
				require.Empty(t, header(m, dlq.HeaderTruncated), "stored whole")
			}
			require.Equal(t, big, got[1].Value)
			require.Equal(t, "2", header(got[1], dlq.HeaderOffset))
			require.Equal(t, 0.0, testutil.ToFloat64(counter(t, reg, "newsflow_dlq_truncated_messages_total")))
		})
	}
}

// TestIntegrationExistingSmallDeadLetterTopicIsRefused: a dead-letter topic
// made with the broker's default 1 MiB for a raw topic allowing 4 MiB
// stops the worker at start with the command that fixes it.
func TestIntegrationExistingSmallDeadLetterTopicIsRefused(t *testing.T) {
	addr := itest.Kafka(t)
	c, raw, dlqTopic := topicPair(t, addr, 4<<20)
	createTopic(t, c, dlqTopic, 0)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err := dlq.EnsureTopic(ctx, c, raw, dlqTopic, nil)
	var small *dlq.TooSmallError
	require.True(t, errors.As(err, &small), "%v", err)
	require.Equal(t, dlq.Limits{Raw: 4 << 20, DLQ: brokerDefault}, small.Limits)
	require.ErrorContains(t, err, "kafka-configs.sh --bootstrap-server <broker> --alter --entity-type topics --entity-name "+dlqTopic+" --add-config max.message.bytes="+strconv.Itoa(4<<20+dlq.HeaderRoom))

	// Raised as the message says, the topic is accepted.
	res, err := c.IncrementalAlterConfigs(ctx, &kafka.IncrementalAlterConfigsRequest{Resources: []kafka.IncrementalAlterConfigsRequestResource{{
		ResourceType: kafka.ResourceTypeTopic, ResourceName: dlqTopic,
		Configs: []kafka.IncrementalAlterConfigsRequestConfig{{Name: dlq.ConfigMaxMessageBytes, Value: strconv.Itoa(small.Want()), ConfigOperation: kafka.ConfigOperationSet}},
	}}})
	require.NoError(t, err)
	for _, r := range res.Resources {
		require.NoError(t, r.Error)
	}
	require.NoError(t, dlq.EnsureTopic(ctx, c, raw, dlqTopic, nil))
}

// TestIntegrationTooLargeDeadLetterIsStoredTruncated: a letter larger than
// the dead-letter topic takes (a 3 MiB value that reached a 1 MiB raw
// topic compressed) is stored truncated with its origin, whether the
// broker refuses it (writer BatchBytes above the topic's limit) or
// kafka-go does (its default BatchBytes of 1 MiB); Send never fails on it.
func TestIntegrationTooLargeDeadLetterIsStoredTruncated(t *testing.T) {
	addr := itest.Kafka(t)
	for _, tc := range []struct {
		name       string
		batchBytes int64
	}{
		{"the broker refuses it", 16 << 20},
		{"kafka-go refuses it", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, raw, dlqTopic := topicPair(t, addr, 0)
			ensure(t, c, raw, dlqTopic)
			w := &kafka.Writer{Addr: kafka.TCP(addr), Topic: dlqTopic, RequiredAcks: kafka.RequireAll, BatchTimeout: 5 * time.Millisecond, BatchBytes: tc.batchBytes}
			defer w.Close()
			reg := prometheus.NewRegistry()
			p := dlq.NewProducerWith(w, dlq.ProducerOptions{Topic: dlqTopic, Registerer: reg})
			big := bytes.Repeat([]byte("z"), 3<<20)
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			start := time.Now()
			require.NoError(t, p.Send(ctx, []dlq.Letter{letter(raw, 41, big), letter(raw, 42, []byte("{bad"))}))
			t.Logf("stored in %v", time.Since(start).Round(time.Millisecond))
			got := readAll(t, addr, dlqTopic, 2)
			byOffset := map[string]kafka.Message{}
			for _, m := range got {
				byOffset[header(m, dlq.HeaderOffset)] = m
			}
			m := byOffset["41"]
			require.Equal(t, strconv.Itoa(3<<20), header(m, dlq.HeaderTruncated))
			require.Equal(t, raw, header(m, dlq.HeaderTopic))
			require.Equal(t, "0", header(m, dlq.HeaderPartition))
			require.Equal(t, dlq.StageDecode, header(m, dlq.HeaderStage))
			require.NotEmpty(t, m.Value)
			require.Less(t, len(m.Value), brokerDefault+dlq.HeaderRoom)
			require.Equal(t, big[:len(m.Value)], m.Value)
			require.Empty(t, header(byOffset["42"], dlq.HeaderTruncated))
			require.Equal(t, 1.0, testutil.ToFloat64(counter(t, reg, "newsflow_dlq_truncated_messages_total")))
			require.Equal(t, 2.0, testutil.ToFloat64(counter(t, reg, "newsflow_dlq_messages_total")))
		})
	}
}

// counter sums a counter of reg over its labels.
func counter(t *testing.T, reg *prometheus.Registry, name string) prometheus.Collector {
	t.Helper()
	mfs, err := reg.Gather()
	require.NoError(t, err)
	sum := 0.0
	for _, mf := range mfs {
		if mf.GetName() == name {
			for _, m := range mf.GetMetric() {
				sum += m.GetCounter().GetValue()
			}
		}
	}
	c := prometheus.NewCounter(prometheus.CounterOpts{Name: "sum"})
	c.Add(sum)
	return c
}
