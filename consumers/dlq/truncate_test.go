package dlq

import (
	"bytes"
	"context"
	"strconv"
	"sync"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/segmentio/kafka-go"
	"github.com/stretchr/testify/require"
)

// sizeWriter stores messages up to limit bytes (messageSize) and refuses
// larger ones as the broker (per message, WriteErrors) or kafka-go's own
// BatchBytes check (the whole write, MessageTooLargeError) does.
type sizeWriter struct {
	mu        sync.Mutex
	limit     int
	clientErr bool // refuse like kafka-go's BatchBytes check
	batch     int  // when > 0, a write of several messages is refused when their sum exceeds it
	msgs      []kafka.Message
	writes    int
}

func (w *sizeWriter) WriteMessages(_ context.Context, msgs ...kafka.Message) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.writes++
	total := 0
	for _, m := range msgs {
		total += messageSize(m)
	}
	if w.clientErr {
		for i, m := range msgs {
			if messageSize(m) > w.limit {
				return kafka.MessageTooLargeError{Message: m, Remaining: append(append([]kafka.Message{}, msgs[:i]...), msgs[i+1:]...)}
			}
		}
	}
	errs := make(kafka.WriteErrors, len(msgs))
	failed := false
	for i, m := range msgs {
		if messageSize(m) > w.limit || (w.batch > 0 && len(msgs) > 1 && total > w.batch) {
			errs[i] = kafka.MessageSizeTooLarge
			failed = true
			continue
		}
		w.msgs = append(w.msgs, m)
	}
	if failed {
		return errs
	}
	return nil
}

func bigLetter(stage string, offset int64, n int) Letter {
	return Letter{
		Msg:   kafka.Message{Topic: "news.raw", Partition: 1, Offset: offset, Key: []byte("wire:" + strconv.FormatInt(offset, 10)), Value: bytes.Repeat([]byte("x"), n), Headers: []kafka.Header{{Key: "trace", Value: []byte("t1")}}},
		Stage: stage, Reason: "decode RawArticle JSON: invalid character 'x'",
	}
}

func TestSendStoresTooLargeLettersTruncated(t *testing.T) {
	tests := []struct {
		name     string
		w        *sizeWriter
		maxBytes int
	}{
		{"broker refuses, limit unknown", &sizeWriter{limit: 10000}, 0},
		{"broker refuses, limit known", &sizeWriter{limit: 10000}, 10000},
		{"kafka-go refuses before sending", &sizeWriter{limit: 10000, clientErr: true}, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			reg := prometheus.NewRegistry()
			p := NewProducerWith(tc.w, ProducerOptions{Topic: "news.raw.dlq", MaxBytes: tc.maxBytes, Registerer: reg})
			letters := []Letter{bigLetter(StageDecode, 7, 100), bigLetter(StageDecode, 8, 50000), bigLetter(StageValidate, 9, 200)}
			require.NoError(t, p.Send(context.Background(), letters), "a size error never reaches the caller")
			require.Len(t, tc.w.msgs, 3)
			byOffset := map[string]kafka.Message{}
			for _, m := range tc.w.msgs {
				off, _ := Header(m, HeaderOffset)
				byOffset[off] = m
			}
			for _, off := range []string{"7", "9"} {
				m := byOffset[off]
				_, cut := Header(m, HeaderTruncated)
				require.False(t, cut, "offset %s fits and is stored whole", off)
				require.Len(t, m.Value, map[string]int{"7": 100, "9": 200}[off])
			}
			m := byOffset["8"]
			require.LessOrEqual(t, messageSize(m), 10000)
			require.Greater(t, len(m.Value), 1000, "as much of the value as fits")
			require.Equal(t, letters[1].Msg.Value[:len(m.Value)], m.Value, "a prefix of the original")
			require.Equal(t, letters[1].Msg.Key, m.Key)
			for k, want := range map[string]string{HeaderTruncated: "50000", HeaderTopic: "news.raw", HeaderPartition: "1", HeaderOffset: "8", HeaderStage: StageDecode, "trace": "t1"} {
				v, ok := Header(m, k)
				require.True(t, ok, "header %s", k)
				require.Equal(t, want, v, "header %s", k)
			}
			require.Equal(t, 1.0, testutil.ToFloat64(p.truncated.WithLabelValues(StageDecode)))
			require.Equal(t, 2.0, testutil.ToFloat64(p.metrics.WithLabelValues(StageDecode)), "every letter counted once")
			require.Equal(t, 1.0, testutil.ToFloat64(p.metrics.WithLabelValues(StageValidate)))
			if tc.maxBytes > 0 {
				require.Equal(t, 1, tc.w.writes, "a known limit cuts before the first write")
			}
		})
	}
}

func TestSendRetriesABatchTooLargeAsSingleLetters(t *testing.T) {
	w := &sizeWriter{limit: 10000, batch: 12000}
	reg := prometheus.NewRegistry()
	p := NewProducerWith(w, ProducerOptions{Topic: "news.raw.dlq", Registerer: reg})
	require.NoError(t, p.Send(context.Background(), []Letter{bigLetter(StageDecode, 1, 8000), bigLetter(StageDecode, 2, 8000)}))
	require.Len(t, w.msgs, 2)
	for _, m := range w.msgs {
		_, cut := Header(m, HeaderTruncated)
		require.False(t, cut, "each letter fits alone: stored whole")
		require.Len(t, m.Value, 8000)
	}
	require.Zero(t, testutil.ToFloat64(p.truncated.WithLabelValues(StageDecode)))
}

func TestTruncateDropsLargeForeignHeadersAndKeepsOwn(t *testing.T) {
	l := bigLetter(StageIndex, 3, 5000)
	l.Msg.Headers = append(l.Msg.Headers, kafka.Header{Key: "huge", Value: bytes.Repeat([]byte("h"), 6000)})
	m := truncate(Message(l), 5000, 4000)
	require.LessOrEqual(t, messageSize(m), 4000)
	_, hasHuge := Header(m, "huge")
	require.False(t, hasHuge)
	for _, k := range []string{HeaderError, HeaderStage, HeaderTopic, HeaderPartition, HeaderOffset, HeaderTruncated} {
		_, ok := Header(m, k)
		require.True(t, ok, k)
	}
}

func TestReplaySkipsTruncatedLetters(t *testing.T) {
	msgs := letters("decode", "decode")
	msgs[0].Headers = append(msgs[0].Headers, kafka.Header{Key: HeaderTruncated, Value: []byte("3145728")})
	src := &fakeDLQ{msgs: msgs}
	w := &fakeWriter{}
	got, err := NewReplayer(src, w, ReplayConfig{End: map[int]int64{0: 2}}).Replay(context.Background())
	require.NoError(t, err)
	require.Equal(t, Counts{Republished: 1, Skipped: 1}, got)
	require.Len(t, w.msgs, 1)
}

func TestTooSmallErrorSaysHowToFixIt(t *testing.T) {
	err := &TooSmallError{Topic: "news.raw", DLQTopic: "news.raw.dlq", Limits: Limits{Raw: 4 << 20, DLQ: 1048588}}
	require.Contains(t, err.Error(), "dead-letter topic news.raw.dlq takes messages up to 1048588 bytes")
	require.Contains(t, err.Error(), "--entity-name news.raw.dlq --add-config max.message.bytes=4259840")
	require.Equal(t, 4<<20-HeaderRoom/2+HeaderRoom, Limits{Raw: 4 << 20, DLQ: 4<<20 + HeaderRoom}.WriterBatchBytes())
}
