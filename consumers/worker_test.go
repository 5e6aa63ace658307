package consumers

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/segmentio/kafka-go"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/newsflow/newsflow/consumers/backoff"
	"github.com/newsflow/newsflow/consumers/dlq"
	"github.com/newsflow/newsflow/pkg/article"
	"github.com/newsflow/newsflow/pkg/pipeline"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m,
		// kafka-go's and net/http's background goroutines of integration tests.
		goleak.IgnoreTopFunction("github.com/segmentio/kafka-go.(*Reader).run"),
		goleak.IgnoreTopFunction("internal/poll.runtime_pollWait"),
		goleak.IgnoreTopFunction("net/http.(*persistConn).writeLoop"),
		goleak.IgnoreTopFunction("net/http.(*persistConn).readLoop"),
		goleak.IgnoreAnyFunction("github.com/segmentio/kafka-go.(*connPool).discover"),
		goleak.IgnoreAnyFunction("github.com/segmentio/kafka-go.(*conn).run"),
	)
}

// rawID is the id of the test article of partition p, offset o.
func rawID(p int, o int64) string { return fmt.Sprintf("a-%d-%d", p, o) }

func rawValue(p int, o int64) []byte {
	b, _ := json.Marshal(article.RawArticle{ID: rawID(p, o), Source: "test", Title: "t", Body: "body"})
	return b
}

type harness struct {
	log  *fakeLog
	proc *fakeProcessor
	ix   *fakeIndexer
	dl   *fakeDLQ
	reg  *prometheus.Registry
	// pipeline, when set, is the worker's Processor instead of proc.
	pipeline *pipeline.Pipeline
}

func newHarness(partitions, perPartition int) *harness {
	h := &harness{
		log:  newFakeLog("news.raw", partitions),
		proc: &fakeProcessor{permanent: map[string]string{}, transient: map[string]int{}},
		ix:   &fakeIndexer{docs: map[string]int64{}, hang: map[string]bool{}, reject: map[string]bool{}},
		dl:   &fakeDLQ{},
	}
	for o := 0; o < perPartition; o++ {
		for p := 0; p < partitions; p++ {
			h.log.produce(p, rawValue(p, int64(o)))
		}
	}
	return h
}

func testConfig() Config {
	return Config{
		Topic: "news.raw", BatchSize: 7, FlushInterval: 5 * time.Millisecond, MaxInFlight: 2,
		CommitInterval: 10 * time.Millisecond, ShutdownTimeout: 300 * time.Millisecond,
		Backoff: backoff.Policy{Min: time.Millisecond, Max: 5 * time.Millisecond},
	}
}

// start runs a worker with a fresh reader on h.log; stop cancels it and
// waits for Run to return.
func (h *harness) start(t *testing.T, cfg Config) (r *fakeReader, stop func() error) {
	t.Helper()
	var proc Processor = h.proc
	if h.pipeline != nil {
		proc = h.pipeline
	}
	r = newFakeReader(h.log)
	return r, h.run(t, cfg, r, proc)
}

// startWith is start with processor proc.
func (h *harness) startWith(t *testing.T, cfg Config, proc Processor) (stop func() error) {
	t.Helper()
	return h.run(t, cfg, newFakeReader(h.log), proc)
}

func (h *harness) run(t *testing.T, cfg Config, r *fakeReader, proc Processor) (stop func() error) {
	t.Helper()
	h.reg = prometheus.NewRegistry()
	w, err := New(cfg, Options{Fetcher: r, Processor: proc, Indexer: h.ix, DeadLetters: h.dl, Registerer: h.reg})
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	return func() error {
		cancel()
		select {
		case err := <-done:
			return err
		case <-time.After(10 * time.Second):
			t.Fatal("Run did not return after cancel")
			return nil
		}
	}
}

func (h *harness) result(name string) int {
	return int(testutil.ToFloat64(mustVec(h.reg, "newsflow_consumer_messages_total", name)))
}

func mustVec(reg *prometheus.Registry, metric, result string) prometheus.Collector {
	mfs, _ := reg.Gather()
	for _, mf := range mfs {
		if mf.GetName() != metric {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetValue() == result {
					return prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "x"}, func() float64 { return m.GetCounter().GetValue() })
				}
			}
		}
	}
	return prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "x"}, func() float64 { return 0 })
}

func counter(reg *prometheus.Registry, metric string) float64 {
	mfs, _ := reg.Gather()
	for _, mf := range mfs {
		if mf.GetName() == metric {
			sum := 0.0
			for _, m := range mf.GetMetric() {
				sum += m.GetCounter().GetValue() + m.GetGauge().GetValue()
			}
			return sum
		}
	}
	return 0
}

func TestAllMessagesIndexedAndCommitted(t *testing.T) {
	h := newHarness(3, 40)
	_, stop := h.start(t, testConfig())
	require.Eventually(t, func() bool { return h.ix.count() == 120 }, 5*time.Second, 5*time.Millisecond)
	require.Eventually(t, func() bool {
		c := h.log.committedOffsets()
		return c[0] == 40 && c[1] == 40 && c[2] == 40
	}, 5*time.Second, 5*time.Millisecond)
	require.NoError(t, stop())
	require.Equal(t, 120, h.result(ResultIndexed))
	require.Equal(t, 120.0, counter(h.reg, "newsflow_consumer_fetched_messages_total"))
	require.Equal(t, 0.0, counter(h.reg, "newsflow_consumer_in_flight_messages"))
}

// TestRestartRedeliversExactlyTheUnfinished acks some messages, leaves
// others unanswered past the shutdown deadline, restarts, and expects
// exactly the messages from the first unfinished one of each partition.
func TestRestartRedeliversExactlyTheUnfinished(t *testing.T) {
	h := newHarness(3, 20)
	h.ix.hang[rawID(0, 5)] = true
	h.ix.hang[rawID(1, 12)] = true
	cfg := testConfig()
	cfg.MaxInFlight = 8 // the two hanging bulk requests do not stall the rest
	_, stop := h.start(t, cfg)
	// Everything but the two hanging ones gets indexed.
	require.Eventually(t, func() bool { return h.ix.count() == 58 }, 5*time.Second, 5*time.Millisecond)
	start := time.Now()
	require.NoError(t, stop())
	require.Less(t, time.Since(start), 3*time.Second, "the shutdown deadline bounds the stop")
	require.Equal(t, map[int]int64{0: 5, 1: 12, 2: 20}, h.log.committedOffsets(), "committed up to the first unfinished message")

	// Elasticsearch is back: a restarted worker gets exactly the rest.
	h.ix.hang = map[string]bool{}
	r, stop := h.start(t, testConfig())
	require.Eventually(t, func() bool { return h.ix.count() == 60 }, 5*time.Second, 5*time.Millisecond)
	require.Eventually(t, func() bool {
		c := h.log.committedOffsets()
		return c[0] == 20 && c[1] == 20
	}, 5*time.Second, 5*time.Millisecond)
	require.NoError(t, stop())
	want := map[int][]int64{0: seq(5, 20), 1: seq(12, 20)}
	require.Equal(t, want, r.fetchedOffsets())
}

func seq(from, to int64) []int64 {
	var s []int64
	for i := from; i < to; i++ {
		s = append(s, i)
	}
	return s
}

func TestPoisonMessagesAreDeadLetteredWithTheirStage(t *testing.T) {
	h := newHarness(2, 10)
	h.log.produce(0, []byte(`{"source": "x", "body": `))                     // truncated JSON
	h.log.produce(0, []byte("{\"source\":\"x\",\"body\":\"caf\xe9\"}"))      // Latin-1, not UTF-8
	h.log.produce(1, []byte(`{"source": "x"}`))                              // no body
	h.log.produce(1, []byte(`{"source": "x", "body": "b", "id": "pp"}`))     // permanent stage error
	h.log.produce(1, []byte(`{"source": "x", "body": "b", "id": "rj"}`))     // rejected by the mapping
	h.log.produce(1, []byte(`{"source": "x", "body": "b", "id": "panics"}`)) // a stage panics
	h.proc.permanent["pp"] = pipeline.StageNormalize
	h.ix.reject["rj"] = true
	_, stop := h.start(t, testConfig())
	require.Eventually(t, func() bool {
		c := h.log.committedOffsets()
		return c[0] == 12 && c[1] == 14
	}, 5*time.Second, 5*time.Millisecond)
	require.NoError(t, stop())
	require.Equal(t, map[string]int{dlq.StageDecode: 2, dlq.StageValidate: 1, pipeline.StageNormalize: 1, dlq.StageIndex: 1, dlq.StagePipeline: 1}, h.dl.stages())
	require.Equal(t, 20, h.result(ResultIndexed))
	require.Equal(t, 6, h.result(ResultDeadLettered))
	require.Equal(t, 1.0, counter(h.reg, "newsflow_consumer_panics_total"))
	for _, l := range h.dl.letters {
		require.NotEmpty(t, l.Reason)
		require.NotEmpty(t, l.Msg.Value, "original bytes kept")
	}
}

func TestTransientFailuresAreRetriedNotDeadLettered(t *testing.T) {
	h := newHarness(1, 5)
	h.proc.transient[rawID(0, 2)] = 3
	h.dl.failures = 2
	h.log.produce(0, []byte(`{}`))
	_, stop := h.start(t, testConfig())
	require.Eventually(t, func() bool { return h.log.committedOffsets()[0] == 6 }, 5*time.Second, 5*time.Millisecond)
	require.NoError(t, stop())
	require.Equal(t, 5, h.result(ResultIndexed))
	require.Equal(t, 1, h.result(ResultDeadLettered))
	require.Len(t, h.dl.letters, 1)
	require.Equal(t, 3.0, testutil.ToFloat64(mustVec(h.reg, "newsflow_consumer_retries_total", pipeline.StageDedup)))
}

func TestOlderVersionIsSkippedAndDone(t *testing.T) {
	h := newHarness(1, 0)
	newer, _ := json.Marshal(article.RawArticle{ID: "s", Source: "x", Body: "v2", Published: "2024-05-02T00:00:00Z"})
	older, _ := json.Marshal(article.RawArticle{ID: "s", Source: "x", Body: "v1", Published: "2024-05-01T00:00:00Z"})
	h.log.produce(0, newer)
	h.log.produce(0, older)
	cfg := testConfig()
	cfg.BatchSize = 1
	cfg.MaxInFlight = 1
	_, stop := h.start(t, cfg)
	require.Eventually(t, func() bool { return h.log.committedOffsets()[0] == 2 }, 5*time.Second, 5*time.Millisecond)
	require.NoError(t, stop())
	require.Equal(t, 1, h.result(ResultIndexed))
	require.Equal(t, 1, h.result(ResultSkippedOlder))
}

// TestBackpressureStopsFetching blocks every bulk request and checks that
// the worker stops fetching after a bounded number of messages.
func TestBackpressureStopsFetching(t *testing.T) {
	h := newHarness(2, 500)
	h.ix.blockAll = make(chan struct{})
	cfg := testConfig()
	cfg.BatchSize = 10
	cfg.MaxInFlight = 2
	r, stop := h.start(t, cfg)
	time.Sleep(300 * time.Millisecond)
	fetched := 0
	for _, o := range r.fetchedOffsets() {
		fetched += len(o)
	}
	// 2 batches in bulk, 1 done with its stages and waiting for a bulk
	// slot (StagesInFlight 1), a full channel, and the one the fetcher
	// holds: at most 10*4+1.
	require.LessOrEqual(t, fetched, 41)
	require.GreaterOrEqual(t, fetched, 30)
	close(h.ix.blockAll)
	require.Eventually(t, func() bool { return h.ix.count() == 1000 }, 10*time.Second, 5*time.Millisecond)
	require.NoError(t, stop())
}

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		want string
	}{
		{"no topic", Config{}, "Topic is empty"},
		{"negative batch size", Config{Topic: "t", BatchSize: -1}, "batch size -1 is negative"},
		{"backoff minimum above maximum", Config{Topic: "t", Backoff: backoff.Policy{Min: time.Minute, Max: time.Second}}, "backoff minimum 1m0s is above the maximum 1s"},
		{"negative shutdown timeout", Config{Topic: "t", ShutdownTimeout: -time.Second}, "must not be negative"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			require.ErrorContains(t, tc.cfg.Validate(), tc.want)
		})
	}
	require.NoError(t, Config{Topic: "t"}.Validate())
}

// TestStopFinishesFetchedWorkAndCommitsIt stops a worker while bulk
// requests are slow: everything fetched is still indexed and committed
// within the deadline, nothing is abandoned.
func TestStopFinishesFetchedWorkAndCommitsIt(t *testing.T) {
	h := newHarness(3, 200)
	h.ix.started = make(chan struct{}, 1)
	h.ix.blockAll = make(chan struct{})
	cfg := testConfig()
	cfg.ShutdownTimeout = 5 * time.Second
	r, stop := h.start(t, cfg)
	<-h.ix.started // a bulk request is in flight
	go func() {
		time.Sleep(100 * time.Millisecond)
		close(h.ix.blockAll) // Elasticsearch answers again while we stop
	}()
	require.NoError(t, stop())
	fetched := r.fetchedOffsets()
	committed := h.log.committedOffsets()
	total := 0
	for p, offs := range fetched {
		total += len(offs)
		require.Equal(t, offs[len(offs)-1]+1, committed[p], "partition %d: committed through the last fetched message", p)
	}
	require.Equal(t, total, h.ix.count(), "every fetched message was indexed")
	require.Less(t, total, 600, "fetching stopped before the end of the topic")
	require.Equal(t, float64(total), counter(h.reg, "newsflow_consumer_fetched_messages_total"))
	require.Equal(t, total, h.result(ResultIndexed))
}

func BenchmarkWorkerOverhead(b *testing.B) {
	h := newHarness(3, 0)
	for i := 0; i < b.N; i++ {
		h.log.produce(i%3, rawValue(i%3, int64(i/3)))
	}
	cfg := testConfig()
	cfg.BatchSize = 500
	r := newFakeReader(h.log)
	w, err := New(cfg, Options{Fetcher: r, Processor: h.proc, Indexer: h.ix, DeadLetters: h.dl})
	require.NoError(b, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	b.ResetTimer()
	go func() { done <- w.Run(ctx) }()
	for h.ix.count() < b.N {
		time.Sleep(time.Millisecond)
	}
	b.StopTimer()
	cancel()
	require.NoError(b, <-done)
}

func TestWithdrawnStoriesAreRemovedAndEmbargoesKept(t *testing.T) {
	h := newHarness(1, 0)
	h.ix.keep = true
	story := func(id string) []byte {
		return []byte(`{"id":"` + id + `","source":"wire","body":"b","updated":"2024-03-01T10:00:00Z"}`)
	}
	h.log.produce(0, story("s1"))
	h.log.produce(0, story("s2"), kafka.Header{Key: article.HeaderEmbargoedUntil, Value: []byte("2024-03-02T06:00:00Z")})
	h.log.produce(0, story("s1"), kafka.Header{Key: article.HeaderPubStatus, Value: []byte(article.PubStatusCanceled)})
	h.log.produce(0, story("s3"), kafka.Header{Key: article.HeaderPubStatus, Value: []byte(article.PubStatusWithheld)})
	h.log.produce(0, story("s4"), kafka.Header{Key: article.HeaderPubStatus, Value: []byte(article.PubStatusUsable)})
	_, stop := h.start(t, testConfig())
	require.Eventually(t, func() bool { return h.log.committedOffsets()[0] == 5 }, 5*time.Second, 5*time.Millisecond)
	require.NoError(t, stop())
	require.Equal(t, 3, h.result(ResultIndexed))
	require.Equal(t, 2, h.result(ResultWithdrawn), "canceled and withheld stories are removed, one of them never indexed")
	require.Equal(t, 2, h.ix.deletes)
	require.NotContains(t, h.ix.sources, "s1", "the canceled story is no longer in the index")
	require.Contains(t, h.ix.sources, "s4")
	var s2 article.Article
	require.NoError(t, json.Unmarshal(h.ix.sources["s2"], &s2))
	require.Equal(t, "2024-03-02T06:00:00Z", s2.EmbargoedUntil)
}

// gatedProcessor wraps a Processor: it records which article ids each run
// started with, and holds the run that holds gateID until gate is closed.
type gatedProcessor struct {
	inner  Processor
	gateID string
	gate   chan struct{}
	mu     sync.Mutex
	seen   []string // every id given to Process, in the order of the calls
}

func (g *gatedProcessor) Process(ctx context.Context, raws []article.RawArticle) ([]article.Article, []error) {
	g.mu.Lock()
	held := false
	for _, r := range raws {
		g.seen = append(g.seen, r.ID)
		held = held || r.ID == g.gateID
	}
	g.mu.Unlock()
	if held {
		<-g.gate
	}
	return g.inner.Process(ctx, raws)
}

func (g *gatedProcessor) saw(id string) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return slices.Contains(g.seen, id)
}

func (g *gatedProcessor) partitionOrder(p int) []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	var out []string
	for _, id := range g.seen {
		if strings.HasPrefix(id, fmt.Sprintf("a-%d-", p)) {
			out = append(out, id)
		}
	}
	return out
}

// A partition held up in one batch does not hold up the others' next
// batch (StagesInFlight 2), and its own next run waits for it, in order.
// With StagesInFlight 1 the whole next batch waits.
func TestNextBatchOverlapsTheSlowestPartition(t *testing.T) {
	for _, tc := range []struct {
		stages  int
		overlap bool
	}{{2, true}, {1, false}} {
		t.Run(fmt.Sprintf("stages-in-flight-%d", tc.stages), func(t *testing.T) {
			h := newHarness(2, 6)
			g := &gatedProcessor{inner: h.proc, gateID: rawID(0, 0), gate: make(chan struct{})}
			cfg := testConfig()
			cfg.BatchSize = 4 // two messages of each partition per batch
			cfg.StagesInFlight = tc.stages
			stop := h.startWith(t, cfg, g)
			// Partition 1's run of the second batch (offsets 2, 3).
			if tc.overlap {
				require.Eventually(t, func() bool { return g.saw(rawID(1, 2)) }, 5*time.Second, time.Millisecond,
					"partition 1's next run starts while partition 0 is held")
			} else {
				time.Sleep(200 * time.Millisecond)
				require.False(t, g.saw(rawID(1, 2)), "one batch at a time: the next waits for partition 0")
			}
			require.False(t, g.saw(rawID(0, 2)), "partition 0's next run waits for its current one")
			close(g.gate)
			require.Eventually(t, func() bool { return h.ix.count() == 12 }, 5*time.Second, time.Millisecond)
			require.Eventually(t, func() bool {
				c := h.log.committedOffsets()
				return c[0] == 6 && c[1] == 6
			}, 5*time.Second, 5*time.Millisecond)
			require.NoError(t, stop())
			for p := range 2 {
				want := []string{rawID(p, 0), rawID(p, 1), rawID(p, 2), rawID(p, 3), rawID(p, 4), rawID(p, 5)}
				require.Equal(t, want, g.partitionOrder(p), "partition %d processed in offset order", p)
			}
		})
	}
}

// A partition's run that is abandoned at the shutdown deadline (the dedup
// store never answered for it) takes its later runs with it: they are not
// processed without it, nor committed.
func TestAbandonedRunAbandonsTheLaterRunsOfItsPartition(t *testing.T) {
	h := newHarness(2, 6)
	h.proc.transient[rawID(0, 0)] = 1 << 30 // the store never answers for it
	g := &gatedProcessor{inner: h.proc}
	cfg := testConfig()
	cfg.BatchSize = 4
	cfg.StagesInFlight = 2
	cfg.ShutdownTimeout = 200 * time.Millisecond
	stop := h.startWith(t, cfg, g)
	require.Eventually(t, func() bool { return g.saw(rawID(1, 2)) }, 5*time.Second, time.Millisecond,
		"the next batch runs on partition 1")
	start := time.Now()
	require.NoError(t, stop())
	require.Less(t, time.Since(start), 3*time.Second, "the shutdown deadline bounds the stop")
	require.False(t, g.saw(rawID(0, 2)), "partition 0's later run was not processed without its earlier one")
	require.Zero(t, h.log.committedOffsets()[0], "nothing of partition 0 committed")
	require.Zero(t, h.ix.countWhere(func(id string) bool { return strings.HasPrefix(id, "a-0-") }), "nothing of partition 0 indexed")
}
