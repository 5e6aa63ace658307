package systest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"
	"github.com/stretchr/testify/require"

	"github.com/newsflow/newsflow/consumers/dlq"
	"github.com/newsflow/newsflow/consumers/lag"
	"github.com/newsflow/newsflow/internal/itest"
)

// single is a scenario on the single-node servers: one raw topic of one
// partition (so a blocked message would block everything behind it), an
// index, a group.
type single struct {
	kafka, es    string
	client       *kafka.Client
	topic, group string
	alias        string
}

func newSingle(t *testing.T, rawMaxBytes int) *single {
	t.Helper()
	s := &single{kafka: itest.Kafka(t), es: itest.Elasticsearch(t)}
	s.client = &kafka.Client{Addr: kafka.TCP(s.kafka), Timeout: 10 * time.Second}
	s.topic = itest.UniqueName(t, "systest.")
	s.group = itest.NewGroup(t)
	s.alias = itest.NewIndexName(t, s.es)
	s.createTopic(t, s.topic, rawMaxBytes)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_, _ = s.client.DeleteTopics(ctx, &kafka.DeleteTopicsRequest{Topics: []string{s.topic, s.topic + kafkaDLQSuffix}})
		_ = itest.ESDo(ctx, s.es, http.MethodDelete, "/_index_template/"+s.alias, "", nil)
	})
	return s
}

func (s *single) createTopic(t *testing.T, name string, maxBytes int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	tc := kafka.TopicConfig{Topic: name, NumPartitions: 1, ReplicationFactor: 1}
	if maxBytes > 0 {
		tc.ConfigEntries = []kafka.ConfigEntry{{ConfigName: dlq.ConfigMaxMessageBytes, ConfigValue: strconv.Itoa(maxBytes)}}
	}
	res, err := s.client.CreateTopics(ctx, &kafka.CreateTopicsRequest{Topics: []kafka.TopicConfig{tc}})
	require.NoError(t, err)
	require.NoError(t, res.Errors[name])
	require.NoError(t, itest.WaitForLeaders(ctx, s.kafka, name, 1))
}

func (s *single) consume(t *testing.T) *proc {
	t.Helper()
	m := freePort(t)
	return start(t, "consumer", m, nil, append([]string{"consume",
		"--kafka-brokers", s.kafka, "--topic", s.topic, "--group", s.group,
		"--elasticsearch-url", s.es, "--index", s.alias, "--metrics-addr", m,
		"--flush-interval", "200ms", "--commit-interval", "500ms", "--backoff-max", "1s",
		"--kafka-session-timeout", "6s", "--kafka-heartbeat-interval", "1s",
	}, dedupFlags(t, itest.Redis(t))...)...)
}

// write sends good articles, then the poison value, then more good
// articles, in that order on the one partition.
func (s *single) write(t *testing.T, compression kafka.Compression, before, after int, poison []byte) {
	t.Helper()
	raws, _ := corpus(t, before+after)
	w := &kafka.Writer{Addr: kafka.TCP(s.kafka), Topic: s.topic, RequiredAcks: kafka.RequireAll, BatchBytes: 16 << 20,
		BatchTimeout: 5 * time.Millisecond, Compression: compression}
	defer w.Close()
	var msgs []kafka.Message
	for i, r := range raws {
		if i == before {
			msgs = append(msgs, kafka.Message{Key: []byte("big:1"), Value: poison})
		}
		v, err := json.Marshal(r)
		require.NoError(t, err)
		msgs = append(msgs, kafka.Message{Key: []byte(r.Key()), Value: v})
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for _, m := range msgs { // one at a time: the order on the partition is the order here
		require.NoError(t, w.WriteMessages(ctx, m))
	}
}

// waitDone waits until n articles are indexed and the group's lag is 0.
func (s *single) waitDone(t *testing.T, c *proc, n int) {
	t.Helper()
	require.Eventually(t, func() bool {
		c.running(t)
		m := c.scrape()
		if m == nil || m.Sum("newsflow_consumer_messages_total", "result=indexed") < float64(n) {
			return false
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		parts, err := lag.Read(ctx, s.client, s.group, s.topic)
		if err != nil {
			return false
		}
		for _, p := range parts {
			if p.Lag() != 0 {
				return false
			}
		}
		return true
	}, 3*time.Minute, 500*time.Millisecond, "%d articles indexed around the poison, lag 0", n)
}

func (s *single) deadLetters(t *testing.T) []kafka.Message {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	// A fresh transport: kafka-go's shared one serves metadata from a cache
	// that learns of a topic made by another process seconds late.
	tr := &kafka.Transport{}
	defer tr.CloseIdleConnections()
	parts, err := lag.Read(ctx, &kafka.Client{Addr: kafka.TCP(s.kafka), Timeout: 10 * time.Second, Transport: tr}, "none", s.topic+kafkaDLQSuffix)
	require.NoError(t, err)
	var out []kafka.Message
	for _, p := range parts {
		if p.End == p.First {
			continue
		}
		r := kafka.NewReader(kafka.ReaderConfig{Brokers: []string{s.kafka}, Topic: s.topic + kafkaDLQSuffix, Partition: p.Partition, MaxBytes: 16 << 20, MaxWait: 100 * time.Millisecond})
		require.NoError(t, r.SetOffset(p.First))
		for {
			m, err := r.FetchMessage(ctx)
			require.NoError(t, err)
			out = append(out, m)
			if m.Offset+1 >= p.End {
				break
			}
		}
		require.NoError(t, r.Close())
	}
	return out
}

// poisonValue is n bytes that are not JSON (an unterminated object).
func poisonValue(n int) []byte {
	v := append([]byte(`{"source":"big","body":"`), bytes.Repeat([]byte("lorem ipsum "), n/12+1)...)
	return v[:n]
}

// TestIntegrationLargePoisonIsDeadLetteredWhole: on a raw topic allowing
// 4 MiB, a 3 MiB message no worker can decode goes to the dead-letter
// topic whole, and the 100 articles around it on the same partition are
// indexed: nothing blocks.
func TestIntegrationLargePoisonIsDeadLetteredWhole(t *testing.T) {
	s := newSingle(t, 4<<20)
	poison := poisonValue(3 << 20)
	s.write(t, kafka.Compression(0), 50, 50, poison)
	c := s.consume(t)
	s.waitDone(t, c, 100)
	letters := s.deadLetters(t)
	require.Len(t, letters, 1)
	l := letters[0]
	_, cut := dlq.Header(l, dlq.HeaderTruncated)
	require.False(t, cut, "stored whole")
	require.Equal(t, poison, l.Value)
	require.Equal(t, []byte("big:1"), l.Key)
	off, _ := dlq.Header(l, dlq.HeaderOffset)
	require.Equal(t, "50", off)
	m := c.scrape()
	require.Equal(t, 1.0, m.Sum("newsflow_dlq_messages_total", "stage=decode"))
	require.Zero(t, m.Sum("newsflow_dlq_truncated_messages_total"))
	c.stop(t)
}

// TestIntegrationPoisonLargerThanTheDeadLetterTopicIsStoredTruncated: a
// 3 MiB message that reached a raw topic of the broker's default 1 MiB
// compressed (zstd, as newsflow produce sends) does not fit the
// dead-letter topic uncompressed: it is stored truncated with its origin,
// counted, and the articles behind it are indexed.
func TestIntegrationPoisonLargerThanTheDeadLetterTopicIsStoredTruncated(t *testing.T) {
	s := newSingle(t, 0)
	poison := poisonValue(3 << 20)
	s.write(t, kafka.Zstd, 50, 50, poison)
	c := s.consume(t)
	s.waitDone(t, c, 100)
	letters := s.deadLetters(t)
	require.Len(t, letters, 1)
	l := letters[0]
	size, cut := dlq.Header(l, dlq.HeaderTruncated)
	require.True(t, cut, "stored truncated")
	require.Equal(t, strconv.Itoa(len(poison)), size)
	require.NotEmpty(t, l.Value)
	require.Equal(t, poison[:len(l.Value)], l.Value)
	for k, want := range map[string]string{dlq.HeaderTopic: s.topic, dlq.HeaderPartition: "0", dlq.HeaderOffset: "50", dlq.HeaderStage: dlq.StageDecode} {
		v, _ := dlq.Header(l, k)
		require.Equal(t, want, v, k)
	}
	m := c.scrape()
	require.Equal(t, 1.0, m.Sum("newsflow_dlq_truncated_messages_total", "stage=decode"))
	require.Equal(t, 1.0, m.Sum("newsflow_dlq_messages_total", "stage=decode"))
	c.stop(t)
}

// TestIntegrationSmallDeadLetterTopicRefused: an existing dead-letter topic
// of the broker's default 1 MiB behind a raw topic allowing 4 MiB stops
// `newsflow consume` at start with the command that raises it.
func TestIntegrationSmallDeadLetterTopicRefused(t *testing.T) {
	s := newSingle(t, 4<<20)
	s.createTopic(t, s.topic+kafkaDLQSuffix, 0)
	c := s.consume(t)
	select {
	case <-c.done:
	case <-time.After(60 * time.Second):
		t.Fatalf("consume still runs after 60 s:\n%s", tail(c.log.String(), 20))
	}
	require.Error(t, c.err)
	log := c.log.String()
	want := fmt.Sprintf("dead-letter topic %s.dlq takes messages up to 1048588 bytes (max.message.bytes), less than the %d bytes %s takes", s.topic, 4<<20, s.topic)
	require.Contains(t, log, want)
	require.Contains(t, log, fmt.Sprintf("--entity-name %s.dlq --add-config max.message.bytes=%d", s.topic, 4<<20+dlq.HeaderRoom))
	require.NotContains(t, log, "consumer running")
	t.Logf("consume refused: %s", strings.TrimSpace(lastLine(log)))
}
