package consumers

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/newsflow/newsflow/consumers/dlq"
	"github.com/newsflow/newsflow/pkg/article"
	"github.com/newsflow/newsflow/pkg/dedup"
	"github.com/newsflow/newsflow/pkg/pipeline"
)

func TestTheProcessorTakesAPartitionsRunAtOnce(t *testing.T) {
	h := newHarness(3, 40)
	_, stop := h.start(t, testConfig())
	require.Eventually(t, func() bool {
		c := h.log.committedOffsets()
		return c[0] == 40 && c[1] == 40 && c[2] == 40
	}, 5*time.Second, 5*time.Millisecond)
	require.NoError(t, stop())
	require.Equal(t, 120, h.result(ResultIndexed))
	require.Less(t, h.proc.runs, 60, "runs of several articles, not one call per article")
	require.Greater(t, h.proc.longRuns, 60, "most articles go through runs of several")
}

func TestBatchPoisonMessagesAreDeadLetteredOnce(t *testing.T) {
	h := newHarness(2, 10)
	h.log.produce(0, []byte(`{"source": "x", "body": `))                     // truncated JSON
	h.log.produce(0, []byte("{\"source\":\"x\",\"body\":\"caf\xe9\"}"))      // Latin-1, not UTF-8
	h.log.produce(1, []byte(`{"source": "x"}`))                              // no body
	h.log.produce(1, []byte(`{"source": "x", "body": "b", "id": "pp"}`))     // permanent stage error
	h.log.produce(1, []byte(`{"source": "x", "body": "b", "id": "rj"}`))     // rejected by the mapping
	h.log.produce(1, []byte(`{"source": "x", "body": "b", "id": "panics"}`)) // a stage panics in the batch
	h.log.produce(1, []byte(`{"source": "x", "body": "b", "id": "after"}`))
	h.proc.permanent["pp"] = pipeline.StageNormalize
	h.ix.reject["rj"] = true
	cfg := testConfig()
	cfg.BatchSize = 100
	_, stop := h.start(t, cfg)
	require.Eventually(t, func() bool {
		c := h.log.committedOffsets()
		return c[0] == 12 && c[1] == 15
	}, 5*time.Second, 5*time.Millisecond)
	require.NoError(t, stop())
	require.Equal(t, map[string]int{dlq.StageDecode: 2, dlq.StageValidate: 1, pipeline.StageNormalize: 1, dlq.StageIndex: 1, dlq.StagePipeline: 1}, h.dl.stages())
	require.Equal(t, 21, h.result(ResultIndexed))
	require.Equal(t, 6, h.result(ResultDeadLettered))
	require.Equal(t, 1.0, counter(h.reg, "newsflow_consumer_panics_total"))
}

func TestBatchTransientFailureRetriesFromThatArticleInOrder(t *testing.T) {
	h := newHarness(1, 8)
	h.proc.transient[rawID(0, 3)] = 2
	cfg := testConfig()
	cfg.BatchSize = 100
	_, stop := h.start(t, cfg)
	require.Eventually(t, func() bool { return h.log.committedOffsets()[0] == 8 }, 5*time.Second, 5*time.Millisecond)
	require.NoError(t, stop())
	require.Equal(t, 8, h.result(ResultIndexed))
	require.Equal(t, 0, h.result(ResultDeadLettered))
}

// TestBatchWithThePipelineMatchesOneByOne runs the real stages and memory
// dedup store through the worker: every document is the one the pipeline
// gives one article after the other.
func TestBatchWithThePipelineMatchesOneByOne(t *testing.T) {
	texts := []string{
		"A storm hit the coast on Monday, and more than 5,000 people fled their homes as the river rose.\n\nThe weather service said winds reached 120 km/h near the harbour.\n\nReuter",
		"The storm moved inland on Tuesday after more than 5,000 people fled their homes as the river rose.\n\nThe weather service said winds reached 120 km/h near the harbour.\n\nReuter",
		"Shares rose 3% in early trading as investors bet on a rate cut by the central bank next week.\n\nReuter",
	}
	h := newHarness(1, 0)
	var raws []article.RawArticle
	for i := range 30 {
		r := article.RawArticle{ID: rawID(0, int64(i)), Source: "wire", Title: "t", Body: texts[i%len(texts)], ReceivedAt: "2026-01-01T00:00:00Z"}
		raws = append(raws, r)
		b, _ := json.Marshal(r)
		h.log.produce(0, b)
	}
	now := func() time.Time { return time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC) }
	one := pipeline.New(dedup.New(dedup.NewMemoryStore(0), dedup.Options{}), now, nil)
	want := map[string]article.Article{}
	for _, r := range raws {
		a, err := one.ProcessOne(context.Background(), r)
		require.NoError(t, err)
		want[a.ID] = a
	}
	h.pipeline = pipeline.New(dedup.New(dedup.NewMemoryStore(0), dedup.Options{}), now, nil)
	h.ix.keep = true
	cfg := testConfig()
	cfg.BatchSize = 100
	cfg.FlushInterval = 50 * time.Millisecond
	_, stop := h.start(t, cfg)
	require.Eventually(t, func() bool { return h.log.committedOffsets()[0] == 30 }, 5*time.Second, 5*time.Millisecond)
	require.NoError(t, stop())
	require.Len(t, h.ix.sources, 30)
	for id, src := range h.ix.sources {
		var got article.Article
		require.NoError(t, json.Unmarshal(src, &got))
		got.IndexedAt = ""
		require.Equal(t, want[id], got, id)
	}
}
