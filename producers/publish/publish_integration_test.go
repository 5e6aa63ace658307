package publish_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/segmentio/kafka-go"
	"github.com/stretchr/testify/require"

	"github.com/newsflow/newsflow/internal/itest"
	"github.com/newsflow/newsflow/internal/itest/ktest"
	"github.com/newsflow/newsflow/pkg/article"
	"github.com/newsflow/newsflow/producers/publish"
)

// murmur2 is the Java client's partitioner hash (Utils.murmur2), written
// out here so the test checks the writer against Java, not against itself.
func murmur2(data []byte) uint32 {
	const (
		seed uint32 = 0x9747b28c
		m    uint32 = 0x5bd1e995
		r           = 24
	)
	n := len(data)
	h := seed ^ uint32(n)
	for i := 0; i+4 <= n; i += 4 {
		k := uint32(data[i]) | uint32(data[i+1])<<8 | uint32(data[i+2])<<16 | uint32(data[i+3])<<24
		k *= m
		k ^= k >> r
		k *= m
		h *= m
		h ^= k
	}
	tail := data[n&^3:]
	switch len(tail) {
	case 3:
		h ^= uint32(tail[2]) << 16
		fallthrough
	case 2:
		h ^= uint32(tail[1]) << 8
		fallthrough
	case 1:
		h ^= uint32(tail[0])
		h *= m
	}
	h ^= h >> 13
	h *= m
	h ^= h >> 15
	return h
}

func TestMurmur2MatchesJava(t *testing.T) {
	// Vectors of org.apache.kafka.common.utils.Utils.murmur2, via librdkafka.
	for key, want := range map[string]uint32{"kafka": 0xd067cf64, "1234": 0x9fc97b14, "4": 0x5a4b5ca1, "": 0x106e08d9} {
		require.Equal(t, want, murmur2([]byte(key)), key)
	}
}

func newPublisher(t *testing.T, cfg publish.Config, reg prometheus.Registerer) *publish.Publisher {
	t.Helper()
	p, err := publish.New(cfg, slog.New(slog.DiscardHandler), reg)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, p.Close()) })
	return p
}

func TestIntegrationPublish(t *testing.T) {
	addr := itest.Kafka(t)
	const partitions = 4
	topic := itest.NewTopic(t, addr, partitions)
	reg := prometheus.NewRegistry()
	p := newPublisher(t, publish.Config{Brokers: []string{addr}, Topic: topic, BatchBytes: 64 << 10}, reg)
	ctx := context.Background()
	require.NoError(t, p.Ping(ctx))

	var items []publish.Item
	for i := range 40 {
		items = append(items, publish.Item{
			Article: article.RawArticle{Source: fmt.Sprintf("src%d", i%3), SourceID: fmt.Sprintf("story-%d", i), Body: "Text <b>bold</b> & more.", ContentType: article.ContentTypeHTML},
			Origin:  publish.OriginFeed,
		})
	}
	// Three versions of one story, then a canceled one, in order.
	for v := 1; v <= 3; v++ {
		items = append(items, publish.Item{
			Article:        article.RawArticle{Source: "wire", SourceID: "urn:story:1", Body: fmt.Sprintf("version %d", v), ContentType: article.ContentTypeNinjs},
			Version:        fmt.Sprint(v),
			PubStatus:      "usable",
			EmbargoedUntil: "2030-01-01T00:00:00Z",
			Origin:         publish.OriginWatch,
		})
	}
	items = append(items, publish.Item{Article: article.RawArticle{Source: "wire", SourceID: "urn:story:1", Body: "withdrawn"}, PubStatus: "canceled", Version: "4"})
	tooBig := publish.Item{Article: article.RawArticle{Source: "wire", SourceID: "huge", Body: strings.Repeat("x", 70<<10)}}
	items = append(items, tooBig)

	err := p.Publish(ctx, items)
	var perrs publish.Errors
	require.ErrorAs(t, err, &perrs)
	require.Equal(t, 1, perrs.Failed(), "only the oversized article fails")
	require.ErrorIs(t, perrs[len(items)-1], publish.ErrTooLarge)
	require.Contains(t, perrs[len(items)-1].Error(), "limit of one article")

	msgs := ktest.ReadAll(t, addr, topic)
	require.Len(t, msgs, len(items)-1)
	var versions []string
	for _, m := range msgs {
		require.Equal(t, int(murmur2(m.Key)&0x7fffffff)%partitions, m.Partition, "key %s: Java's partition", m.Key)
		var a article.RawArticle
		require.NoError(t, json.Unmarshal(m.Value, &a))
		require.Equal(t, a.Key(), string(m.Key))
		require.NotEmpty(t, ktest.Header(m, article.HeaderContentType))
		if a.SourceID == "urn:story:1" {
			versions = append(versions, ktest.Header(m, article.HeaderVersion)+"/"+ktest.Header(m, article.HeaderPubStatus))
			if ktest.Header(m, article.HeaderPubStatus) == "usable" {
				require.Equal(t, "2030-01-01T00:00:00Z", ktest.Header(m, article.HeaderEmbargoedUntil))
				require.Equal(t, publish.OriginWatch, ktest.Header(m, article.HeaderOrigin))
				require.Equal(t, article.ContentTypeNinjs, ktest.Header(m, article.HeaderContentType))
			}
		}
		if strings.HasPrefix(a.SourceID, "story-") {
			require.Equal(t, "Text <b>bold</b> & more.", a.Body, "HTML is not escaped in the value")
			require.Contains(t, string(m.Value), "<b>")
		}
	}
	require.Equal(t, []string{"1/usable", "2/usable", "3/usable", "4/canceled"}, versions, "all versions on one partition, in order")

	require.Equal(t, 4.0, articles(t, reg, "wire", publish.ResultSent))
	require.Equal(t, 1.0, articles(t, reg, "wire", publish.ResultRejected))
	require.Equal(t, 14.0, articles(t, reg, "src0", publish.ResultSent))
}

// articles reads newsflow_producer_articles_total{source,result}.
func articles(t *testing.T, reg *prometheus.Registry, source, result string) float64 {
	t.Helper()
	want := fmt.Sprintf(`newsflow_producer_articles_total{result=%q,source=%q}`, result, source)
	mfs, err := reg.Gather()
	require.NoError(t, err)
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			var labels []string
			for _, l := range m.GetLabel() {
				labels = append(labels, fmt.Sprintf("%s=%q", l.GetName(), l.GetValue()))
			}
			if mf.GetName()+"{"+strings.Join(labels, ",")+"}" == want {
				return m.GetCounter().GetValue()
			}
		}
	}
	t.Fatalf("no %s", want)
	return 0
}

func TestIntegrationEnsureTopic(t *testing.T) {
	addr := itest.Kafka(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	t.Run("an absent topic is an error without a partition count", func(t *testing.T) {
		topic := itest.UniqueName(t, "itest.absent.")
		p := newPublisher(t, publish.Config{Brokers: []string{addr}, Topic: topic}, nil)
		err := p.EnsureTopic(ctx)
		require.ErrorContains(t, err, "kafka-topics.sh --bootstrap-server "+addr+" --create --topic "+topic+" --partitions 6")
		require.ErrorContains(t, err, "or let newsflow produce create it at start: --topic-partitions 6")
		require.ErrorIs(t, err, kafka.UnknownTopicOrPartition)
		require.ErrorContains(t, p.Ping(ctx), "does not exist")
	})
	t.Run("an absent topic is created with the partition count, then written to", func(t *testing.T) {
		topic := itest.UniqueName(t, "itest.created.")
		p := newPublisher(t, publish.Config{Brokers: []string{addr}, Topic: topic, Partitions: 3}, nil)
		t.Cleanup(func() { deleteTopic(addr, topic) })
		require.NoError(t, p.EnsureTopic(ctx))
		require.NoError(t, p.EnsureTopic(ctx), "a second call finds it")
		require.NoError(t, p.Publish(ctx, []publish.Item{{Article: article.RawArticle{Source: "s", SourceID: "1", Body: "b"}}}))
		require.NoError(t, itest.WaitForLeaders(ctx, addr, topic, 3), "created with 3 partitions")
		require.Equal(t, int64(1), ktest.Count(t, addr, topic))
	})
	t.Run("an absent topic is created with the settings given", func(t *testing.T) {
		topic := itest.UniqueName(t, "itest.configured.")
		p := newPublisher(t, publish.Config{Brokers: []string{addr}, Topic: topic, Partitions: 2, ReplicationFactor: 1,
			TopicConfigs: []string{"retention.ms=3600000", "cleanup.policy=compact", "delete"}}, nil)
		t.Cleanup(func() { deleteTopic(addr, topic) })
		require.NoError(t, p.EnsureTopic(ctx))
		require.NoError(t, itest.WaitForLeaders(ctx, addr, topic, 2))
		c := &kafka.Client{Addr: kafka.TCP(addr), Timeout: 10 * time.Second}
		res, err := c.DescribeConfigs(ctx, &kafka.DescribeConfigsRequest{Resources: []kafka.DescribeConfigRequestResource{{
			ResourceType: kafka.ResourceTypeTopic, ResourceName: topic, ConfigNames: []string{"retention.ms", "cleanup.policy"},
		}}})
		require.NoError(t, err)
		got := map[string]string{}
		for _, r := range res.Resources {
			require.NoError(t, r.Error)
			for _, e := range r.ConfigEntries {
				got[e.ConfigName] = e.ConfigValue
			}
		}
		require.Equal(t, map[string]string{"retention.ms": "3600000", "cleanup.policy": "compact,delete"}, got)
	})
	t.Run("a setting the broker refuses is an error naming it", func(t *testing.T) {
		topic := itest.UniqueName(t, "itest.refused.")
		p := newPublisher(t, publish.Config{Brokers: []string{addr}, Topic: topic, Partitions: 1, TopicConfigs: []string{"retention.ms=soon"}}, nil)
		t.Cleanup(func() { deleteTopic(addr, topic) })
		require.ErrorContains(t, p.EnsureTopic(ctx), "settings retention.ms=soon")
	})
}

func deleteTopic(addr, topic string) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c := &kafka.Client{Addr: kafka.TCP(addr)}
	_, _ = c.DeleteTopics(ctx, &kafka.DeleteTopicsRequest{Topics: []string{topic}})
}

func TestIntegrationPingFailsWhenKafkaIsDown(t *testing.T) {
	itest.Kafka(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	dead := ln.Addr().String()
	require.NoError(t, ln.Close())
	p := newPublisher(t, publish.Config{Brokers: []string{dead}, Topic: "x", MaxAttempts: 1, WriteTimeout: time.Second}, nil)
	err = p.Ping(context.Background())
	require.ErrorContains(t, err, "is the broker running on "+dead)
	err = p.Publish(context.Background(), []publish.Item{{Article: article.RawArticle{Source: "s", Body: "b"}}})
	var perrs publish.Errors
	require.True(t, errors.As(err, &perrs))
	require.Equal(t, 1, perrs.Failed())
}
