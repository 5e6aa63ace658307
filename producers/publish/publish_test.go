package publish_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/newsflow/newsflow/pkg/article"
	"github.com/newsflow/newsflow/producers/publish"
)

func TestRetryable(t *testing.T) {
	tooLarge := fmt.Errorf("article x: %w", publish.ErrTooLarge)
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"no error", nil, false},
		{"any other error", errors.New("record: disk full"), true},
		{"only too-large items", publish.Errors{nil, tooLarge, nil}, false},
		{"a Kafka failure among them", publish.Errors{tooLarge, errors.New("leader not available")}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { require.Equal(t, tc.want, publish.Retryable(tc.err)) })
	}
}

func TestBadConfigs(t *testing.T) {
	tests := []struct {
		name string
		cfg  publish.Config
		want string
	}{
		{"no brokers", publish.Config{}, "kafka brokers: none given"},
		{"an unknown codec", publish.Config{Brokers: []string{"b:9092"}, Compression: "brotli"}, `compression "brotli": want none, gzip, snappy, lz4 or zstd`},
		{"a tiny batch", publish.Config{Brokers: []string{"b:9092"}, BatchBytes: 10}, "batch bytes 10: want at least 1024"},
		{"a replication factor of -2", publish.Config{Brokers: []string{"b:9092"}, ReplicationFactor: -2}, "--topic-replication -2"},
		{"a topic setting without a value", publish.Config{Brokers: []string{"b:9092"}, TopicConfigs: []string{"retention.ms"}}, `--topic-config "retention.ms": want key=value`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := publish.New(tc.cfg, nil, nil)
			require.ErrorContains(t, err, tc.want)
		})
	}
}

func TestMessage(t *testing.T) {
	it := publish.Item{
		Article:        article.RawArticle{Source: "ap", SourceID: "urn:1", Title: "A & B", Body: "<p>x</p>", ContentType: article.ContentTypeHTML, ReceivedAt: "2024-05-06T07:08:09.000Z"},
		Origin:         publish.OriginFeed,
		PubStatus:      "withheld",
		EmbargoedUntil: "2024-05-07T00:00:00Z",
	}
	require.Equal(t, "ap:urn:1", it.Key())
	v, err := it.Value()
	require.NoError(t, err)
	require.Equal(t, `{"source":"ap","source_id":"urn:1","title":"A & B","body":"<p>x</p>","content_type":"text/html","received_at":"2024-05-06T07:08:09.000Z"}`, string(v))
	h := map[string]string{}
	for _, kv := range it.Headers() {
		h[kv.Key] = string(kv.Value)
	}
	require.Equal(t, map[string]string{
		article.HeaderContentType:    "text/html",
		article.HeaderPubStatus:      "withheld",
		article.HeaderEmbargoedUntil: "2024-05-07T00:00:00Z",
		article.HeaderOrigin:         "feed",
	}, h)

	plain := publish.Item{Article: article.RawArticle{Source: "s", Body: "b"}}
	require.Equal(t, "text/plain", string(plain.Headers()[0].Value), "no content type means text/plain")
	require.Equal(t, "s:", plain.Key(), "article.RawArticle.Key with no identifier")
	require.Equal(t, "s:content:"+plain.Article.DeriveID(), plain.SeenKey(), "but the seen record keys it by content")
}

func TestSize(t *testing.T) {
	require.Equal(t, "8 MiB (8388608 bytes)", publish.Size(8<<20))
	require.Equal(t, "1 MiB (1048576 bytes)", publish.Size(publish.DefaultBatchBytes))
	require.Equal(t, "1.5 MiB (1572864 bytes)", publish.Size(3<<19))
	require.Equal(t, "2 KiB (2048 bytes)", publish.Size(2048))
	require.Equal(t, "900 bytes", publish.Size(900))
}
