package lag

import (
	"context"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/segmentio/kafka-go"
	"github.com/stretchr/testify/require"

	"github.com/newsflow/newsflow/internal/embedded"
)

type fakeClient struct {
	first, last map[int]int64
	committed   map[int]int64
}

func (f fakeClient) Metadata(context.Context, *kafka.MetadataRequest) (*kafka.MetadataResponse, error) {
	t := kafka.Topic{Name: "news.raw"}
	for p := range f.last {
		t.Partitions = append(t.Partitions, kafka.Partition{Topic: "news.raw", ID: p})
	}
	return &kafka.MetadataResponse{Topics: []kafka.Topic{t}}, nil
}

func (f fakeClient) ListOffsets(_ context.Context, req *kafka.ListOffsetsRequest) (*kafka.ListOffsetsResponse, error) {
	var out []kafka.PartitionOffsets
	for p := range f.last {
		out = append(out, kafka.PartitionOffsets{Partition: p, FirstOffset: f.first[p], LastOffset: f.last[p]})
	}
	return &kafka.ListOffsetsResponse{Topics: map[string][]kafka.PartitionOffsets{"news.raw": out}}, nil
}

func (f fakeClient) OffsetFetch(context.Context, *kafka.OffsetFetchRequest) (*kafka.OffsetFetchResponse, error) {
	var out []kafka.OffsetFetchPartition
	for p, o := range f.committed {
		out = append(out, kafka.OffsetFetchPartition{Partition: p, CommittedOffset: o})
	}
	return &kafka.OffsetFetchResponse{Topics: map[string][]kafka.OffsetFetchPartition{"news.raw": out}}, nil
}

func TestLagPerPartition(t *testing.T) {
	c := fakeClient{
		first:     map[int]int64{0: 0, 1: 100, 2: 0},
		last:      map[int]int64{0: 500, 1: 300, 2: 40},
		committed: map[int]int64{0: 480, 1: -1, 2: 40},
	}
	reg := prometheus.NewRegistry()
	m := NewMonitor(c, "g", "news.raw", time.Second, reg, nil)
	parts, err := m.Measure(context.Background())
	require.NoError(t, err)
	require.Len(t, parts, 3)
	require.Equal(t, []int64{20, 200, 0}, []int64{parts[0].Lag(), parts[1].Lag(), parts[2].Lag()},
		"committed behind; nothing committed (from the oldest stored); caught up")
	require.Equal(t, 20.0, testutil.ToFloat64(m.gauge.WithLabelValues("news.raw", "0")))
	require.Equal(t, 200.0, testutil.ToFloat64(m.gauge.WithLabelValues("news.raw", "1")))
}

func TestLagOfACommitBelowRetention(t *testing.T) {
	require.Equal(t, int64(50), Partition{First: 50, End: 100, Committed: 10}.Lag(), "deleted messages are not lag")
}

// A group that never committed is unknown to some brokers (kfake, the
// embedded broker of `up`, answers GROUP_ID_NOT_FOUND where Kafka answers
// no offsets): it has committed nothing, it starts from the beginning.
func TestAnUnknownGroupHasCommittedNothing(t *testing.T) {
	b, err := embedded.Start(embedded.Config{DataDir: t.TempDir(), Topics: []string{"news.raw"}, Partitions: 2})
	require.NoError(t, err)
	defer b.Close()
	wt := &kafka.Transport{}
	defer wt.CloseIdleConnections()
	w := &kafka.Writer{Addr: kafka.TCP(b.Addr()), Topic: "news.raw", Balancer: &kafka.RoundRobin{}, BatchTimeout: time.Millisecond, Transport: wt, RequiredAcks: kafka.RequireAll}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	require.NoError(t, w.WriteMessages(ctx, kafka.Message{Value: []byte("a")}, kafka.Message{Value: []byte("b")}, kafka.Message{Value: []byte("c")}))
	require.NoError(t, w.Close())

	tr := &kafka.Transport{}
	defer tr.CloseIdleConnections()
	c := &kafka.Client{Addr: kafka.TCP(b.Addr()), Timeout: 10 * time.Second, Transport: tr}
	parts, err := Read(ctx, c, "never-joined", "news.raw")
	require.NoError(t, err)
	require.Len(t, parts, 2)
	var lag int64
	for _, p := range parts {
		require.EqualValues(t, -1, p.Committed)
		lag += p.Lag()
	}
	require.EqualValues(t, 3, lag, "every message is still to be read")
}
