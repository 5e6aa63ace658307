package dlq

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"
	"github.com/stretchr/testify/require"

	"github.com/newsflow/newsflow/internal/embedded"
)

func TestListShowsTheNewestLettersAndWhatWasReplayed(t *testing.T) {
	b, err := embedded.Start(embedded.Config{DataDir: t.TempDir(), Topics: []string{"news.raw.dlq"}, Partitions: 1})
	require.NoError(t, err)
	defer b.Close()
	tr := &kafka.Transport{}
	defer tr.CloseIdleConnections()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	w := &kafka.Writer{Addr: kafka.TCP(b.Addr()), Topic: "news.raw.dlq", Transport: tr, BatchTimeout: time.Millisecond, RequiredAcks: kafka.RequireAll}
	for i := range 3 {
		orig := kafka.Message{Topic: "news.raw", Partition: 0, Offset: int64(10 + i), Key: []byte(fmt.Sprintf("wire:%d", i)), Value: []byte("{}")}
		require.NoError(t, w.WriteMessages(ctx, Message(Letter{Msg: orig, Stage: StageDecode, Reason: fmt.Sprintf("reason %d", i)})))
	}
	require.NoError(t, w.Close())
	c := &kafka.Client{Addr: kafka.TCP(b.Addr()), Transport: tr}

	l, err := List(ctx, c, "news.raw.dlq", "newsflow-replay", 2)
	require.NoError(t, err)
	require.EqualValues(t, 3, l.Total)
	require.EqualValues(t, 3, l.Pending, "a replay group that never ran has replayed nothing")
	require.Len(t, l.Letters, 2)
	require.Equal(t, []int64{2, 1}, []int64{l.Letters[0].Msg.Offset, l.Letters[1].Msg.Offset}, "newest first")
	reason, _ := Header(l.Letters[0].Msg, HeaderError)
	require.Equal(t, "reason 2", reason)
	require.Equal(t, "wire:2", string(l.Letters[0].Msg.Key))

	// The replay group passes the first two letters.
	r := kafka.NewReader(kafka.ReaderConfig{Brokers: []string{b.Addr()}, GroupID: "newsflow-replay", Topic: "news.raw.dlq",
		StartOffset: kafka.FirstOffset, MaxWait: 100 * time.Millisecond, Dialer: &kafka.Dialer{Timeout: 5 * time.Second}})
	for range 2 {
		m, err := r.FetchMessage(ctx)
		require.NoError(t, err)
		require.NoError(t, r.CommitMessages(ctx, m))
	}
	require.NoError(t, r.Close())
	l, err = List(ctx, c, "news.raw.dlq", "newsflow-replay", 10)
	require.NoError(t, err)
	require.EqualValues(t, 1, l.Pending)
	require.Equal(t, []bool{false, true, true}, []bool{l.Letters[0].Replayed, l.Letters[1].Replayed, l.Letters[2].Replayed})
}
