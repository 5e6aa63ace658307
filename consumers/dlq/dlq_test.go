package dlq

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/segmentio/kafka-go"
	"github.com/stretchr/testify/require"

	"github.com/newsflow/newsflow/consumers/backoff"
)

func TestMessageKeepsBytesAndAddsReasonHeaders(t *testing.T) {
	orig := kafka.Message{
		Topic: "news.raw", Partition: 2, Offset: 41, Key: []byte("wire:1"), Value: []byte("{not json"),
		Headers: []kafka.Header{{Key: "trace", Value: []byte("abc")}, {Key: HeaderError, Value: []byte("old reason")}, {Key: HeaderReplays, Value: []byte("1")}},
	}
	m := Message(Letter{Msg: orig, Stage: StageDecode, Reason: "decode RawArticle JSON: unexpected end"})
	require.Equal(t, orig.Key, m.Key)
	require.Equal(t, orig.Value, m.Value)
	require.Empty(t, m.Topic, "the writer's topic applies")
	want := map[string]string{
		HeaderError: "decode RawArticle JSON: unexpected end", HeaderStage: "decode", HeaderTopic: "news.raw",
		HeaderPartition: "2", HeaderOffset: "41", "trace": "abc", HeaderReplays: "1",
	}
	got := map[string]string{}
	for _, h := range m.Headers {
		_, dup := got[h.Key]
		require.False(t, dup, "header %s twice", h.Key)
		got[h.Key] = string(h.Value)
	}
	require.Equal(t, want, got)
	require.Equal(t, `stage="decode" topic="news.raw" partition="2" offset="41" replays="1" error="decode RawArticle JSON: unexpected end"`, Describe(m))
}

func TestLongReasonsAreCut(t *testing.T) {
	m := Message(Letter{Msg: kafka.Message{}, Stage: StageIndex, Reason: strings.Repeat("é", MaxReasonBytes)})
	v, _ := Header(m, HeaderError)
	require.LessOrEqual(t, len(v), MaxReasonBytes)
	require.True(t, strings.HasPrefix(strings.Repeat("é", MaxReasonBytes), v))
	require.Equal(t, len(v)%2, 0, "cut on a rune boundary")
}

type fakeWriter struct {
	mu       sync.Mutex
	msgs     []kafka.Message
	failures int
}

func (w *fakeWriter) WriteMessages(ctx context.Context, msgs ...kafka.Message) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.failures > 0 {
		w.failures--
		return errors.New("leader not available")
	}
	w.msgs = append(w.msgs, msgs...)
	return nil
}

func TestProducerCountsByStage(t *testing.T) {
	w := &fakeWriter{failures: 1}
	reg := prometheus.NewRegistry()
	p := NewProducer(w, "news.raw.dlq", reg)
	letters := []Letter{{Stage: StageDecode}, {Stage: StageIndex}, {Stage: StageIndex}}
	require.ErrorContains(t, p.Send(context.Background(), letters), "write 3 dead letters to news.raw.dlq")
	require.NoError(t, p.Send(context.Background(), letters))
	require.Len(t, w.msgs, 3)
	require.Equal(t, 2.0, testutil.ToFloat64(p.metrics.WithLabelValues(StageIndex)), "counted once, after the write succeeded")
	require.Equal(t, 1.0, testutil.ToFloat64(p.metrics.WithLabelValues(StageDecode)))
	require.Equal(t, 7, testutil.CollectAndCount(reg, "newsflow_dlq_messages_total"), "every stage has a series from the start")
}

// fakeDLQ serves dead letters of one partition and records commits.
type fakeDLQ struct {
	mu        sync.Mutex
	msgs      []kafka.Message
	next      int
	committed int64
}

func (f *fakeDLQ) FetchMessage(ctx context.Context) (kafka.Message, error) {
	for {
		f.mu.Lock()
		if f.next < len(f.msgs) {
			m := f.msgs[f.next]
			f.next++
			f.mu.Unlock()
			return m, nil
		}
		f.mu.Unlock()
		select {
		case <-ctx.Done():
			return kafka.Message{}, ctx.Err()
		case <-time.After(time.Millisecond):
		}
	}
}

func (f *fakeDLQ) CommitMessages(ctx context.Context, msgs ...kafka.Message) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, m := range msgs {
		if m.Offset+1 > f.committed {
			f.committed = m.Offset + 1
		}
	}
	return nil
}

func letters(stages ...string) []kafka.Message {
	var out []kafka.Message
	for i, s := range stages {
		out = append(out, Message(Letter{Msg: kafka.Message{Topic: "news.raw", Key: []byte{byte('a' + i)}, Value: []byte(s)}, Stage: s, Reason: "r"}))
		out[i].Offset = int64(i)
		out[i].Topic = "news.raw.dlq"
	}
	return out
}

func TestReplayRepublishesUpToTheEnd(t *testing.T) {
	tests := []struct {
		name        string
		stages      []string
		want        Counts
		wantStages  []string
		wantCommits int64
	}{
		{"every letter", nil, Counts{Republished: 4}, []string{"decode", "index", "decode", "index"}, 4},
		{"only the index stage", []string{StageIndex}, Counts{Republished: 2, Skipped: 2}, []string{"index", "index"}, 4},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			src := &fakeDLQ{msgs: letters("decode", "index", "decode", "index", "index")}
			w := &fakeWriter{failures: 1}
			rp := NewReplayer(src, w, ReplayConfig{Stages: tc.stages, End: map[int]int64{0: 4}, BatchSize: 3, Backoff: backoff.Policy{Min: time.Millisecond, Max: time.Millisecond}})
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			got, err := rp.Replay(ctx)
			require.NoError(t, err)
			require.Equal(t, tc.want, got)
			var stages []string
			for _, m := range w.msgs {
				stages = append(stages, string(m.Value))
				_, has := Header(m, HeaderStage)
				require.False(t, has, "dead-letter headers are dropped")
				n, _ := Header(m, HeaderReplays)
				require.Equal(t, "1", n)
			}
			require.Equal(t, tc.wantStages, stages)
			require.Equal(t, tc.wantCommits, src.committed, "committed up to the end, not past it")
		})
	}
}

func TestReplayDryRunChangesNothing(t *testing.T) {
	src := &fakeDLQ{msgs: letters("decode", "index")}
	w := &fakeWriter{}
	var seen []string
	rp := NewReplayer(src, w, ReplayConfig{DryRun: true, End: map[int]int64{0: 2}, Observe: func(m kafka.Message) { seen = append(seen, Describe(m)) }})
	got, err := rp.Replay(context.Background())
	require.NoError(t, err)
	require.Equal(t, Counts{Republished: 2}, got)
	require.Empty(t, w.msgs)
	require.Zero(t, src.committed)
	require.Len(t, seen, 2)
	require.Contains(t, seen[0], `stage="decode"`)
}

func TestRemaining(t *testing.T) {
	require.Equal(t, map[int]int64{1: 10}, Remaining([]Position{{Partition: 0, Next: 5, End: 5}, {Partition: 1, Next: 3, End: 10}}))
}
