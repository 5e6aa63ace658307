package dlq_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/newsflow/newsflow/consumers/dlq"
	"github.com/newsflow/newsflow/internal/embedded"
	"github.com/segmentio/kafka-go"
	"github.com/stretchr/testify/require"
)

// TestFitRaisesATooSmallDeadLetterTopic: a dead-letter topic of newsflow
// up's own broker made with the default size (an older version's data
// directory) is raised to what CheckTopic requires.
func TestFitRaisesATooSmallDeadLetterTopic(t *testing.T) {
	const topic = "news.raw"
	// Both topics at the broker's default size, as an older up made them.
	b, err := embedded.Start(embedded.Config{DataDir: t.TempDir(), Topics: []string{topic, topic + ".dlq"}, Partitions: 3})
	require.NoError(t, err)
	defer b.Close()
	c := &kafka.Client{Addr: kafka.TCP(b.Addr()), Transport: &kafka.Transport{}, Timeout: 5 * time.Second}
	defer c.Transport.(*kafka.Transport).CloseIdleConnections()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err = dlq.CheckTopic(ctx, c, topic, topic+".dlq")
	var small *dlq.TooSmallError
	require.ErrorAs(t, err, &small, "the old layout is what the consumer refuses")

	require.NoError(t, dlq.Fit(ctx, c, topic, topic+".dlq", slog.New(slog.DiscardHandler)))
	l, err := dlq.CheckTopic(ctx, c, topic, topic+".dlq")
	require.NoError(t, err)
	require.Equal(t, l.Raw+dlq.HeaderRoom, l.DLQ)
	require.NoError(t, dlq.Fit(ctx, c, topic, topic+".dlq", slog.New(slog.DiscardHandler)), "a topic of the right size is left alone")
}
