package bench

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/newsflow/newsflow/internal/kafkacfg"
	"github.com/newsflow/newsflow/pkg/article"
	"github.com/stretchr/testify/require"
)

func tinyCorpora(t *testing.T) []Corpus {
	t.Helper()
	cs, err := LoadCorpora("testdata", []string{"tiny.jsonl"})
	require.NoError(t, err)
	return cs
}

func TestLoadCorpora(t *testing.T) {
	t.Run("reads every jsonl file of the directory, sorted, with the text size", func(t *testing.T) {
		cs, err := LoadCorpora("testdata", nil)
		require.NoError(t, err)
		require.Len(t, cs, 1)
		require.Equal(t, "tiny.jsonl", cs[0].Name)
		require.Len(t, cs[0].Raws, 3)
		var want int64
		for _, r := range cs[0].Raws {
			want += int64(len(r.Title) + len(r.Body))
		}
		require.Equal(t, want, cs[0].Bytes)
	})
	for _, tc := range []struct {
		name, dir, file, content, err string
	}{
		{name: "no directory asks for --corpus", err: "pass --corpus"},
		{name: "an empty directory has no corpus", dir: "empty", err: "no *.jsonl corpus files"},
		{name: "a bad line is named", dir: "bad", file: "bad.jsonl", content: "{\"source\":\"s\",\"body\":\"x\"}\nnot json\n", err: "bad.jsonl line 2"},
		{name: "an invalid article is named", dir: "invalid", file: "invalid.jsonl", content: "{\"body\":\"x\"}\n", err: `invalid.jsonl line 1: raw article has no "source"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := ""
			if tc.dir != "" {
				dir = filepath.Join(t.TempDir(), tc.dir)
				require.NoError(t, os.MkdirAll(dir, 0o755))
				if tc.file != "" {
					require.NoError(t, os.WriteFile(filepath.Join(dir, tc.file), []byte(tc.content), 0o644))
				}
			}
			_, err := LoadCorpora(dir, nil)
			require.ErrorContains(t, err, tc.err)
		})
	}
}

func TestCycleGivesFreshIDsAndKeepsTheText(t *testing.T) {
	cs := tinyCorpora(t)
	raws := Cycle(cs, 7, "r1")
	require.Len(t, raws, 7)
	seen := map[string]bool{}
	for i, r := range raws {
		require.False(t, seen[r.ID], "id %s repeated", r.ID)
		seen[r.ID] = true
		require.Equal(t, r.ID, r.SourceID, "the Kafka key follows the fresh id")
		orig := cs[0].Raws[i%3]
		require.Equal(t, orig.Body, r.Body)
		require.Equal(t, fmt.Sprintf("%s.r1.%d", orig.ID, i/3), r.ID)
	}
	require.Empty(t, Cycle(nil, 3, "x"))
}

func TestRunStagesMeasuresEveryStage(t *testing.T) {
	res, err := RunStages(context.Background(), StageConfig{Corpora: tinyCorpora(t), MinTime: time.Millisecond})
	require.NoError(t, err)
	require.Len(t, res, len(Stages))
	for i, r := range res {
		require.Equal(t, Stages[i], r.Stage)
		require.Equal(t, "tiny.jsonl", r.Corpus)
		require.GreaterOrEqual(t, r.Passes, 1)
		require.Equal(t, 3*r.Passes, r.Articles)
		require.Positive(t, r.Wall)
	}
	var b bytes.Buffer
	WriteStages(&b, res, ReadMachine(), LoadAverage(), "newsflow bench stages")
	out := b.String()
	require.Contains(t, out, "| chain | tiny.jsonl |")
	require.Contains(t, out, "Goal: the chain at 20 MB/s per core or more")
	require.Contains(t, out, "Command: `newsflow bench stages`")

	_, err = RunStages(context.Background(), StageConfig{Corpora: tinyCorpora(t), Stages: []string{"parse"}})
	require.ErrorContains(t, err, `unknown stage "parse"`)
}

func TestTotalRowAddsTheCorporaUp(t *testing.T) {
	rs := []StageResult{
		{Stage: StageChain, Corpus: "a", Articles: 10, Bytes: 1000, CPU: time.Second},
		{Stage: StageChain, Corpus: "b", Articles: 30, Bytes: 3000, CPU: time.Second},
		{Stage: StageDedup, Corpus: "a", Articles: 10, Bytes: 1000, CPU: time.Second},
	}
	tot, ok := TotalRow(rs, StageChain)
	require.True(t, ok)
	require.Equal(t, 40, tot.Articles)
	require.InDelta(t, 0.002, tot.MBPerCPUSecond(), 1e-9)
	_, ok = TotalRow(rs, StageDedup)
	require.False(t, ok, "one corpus needs no total")
}

func TestQuantileIsTheNearestRank(t *testing.T) {
	var d []time.Duration
	for i := 1; i <= 100; i++ {
		d = append(d, time.Duration(i)*time.Millisecond)
	}
	require.Equal(t, 50*time.Millisecond, quantile(d, 0.5))
	require.Equal(t, 99*time.Millisecond, quantile(d, 0.99))
	require.Equal(t, 7*time.Millisecond, quantile(d[6:7], 0.99))
}

func TestThousands(t *testing.T) {
	for in, want := range map[float64]string{0: "0", 999: "999", 1000: "1,000", 1234567.4: "1,234,567", -4500: "-4,500"} {
		require.Equal(t, want, thousands(in), "%v", in)
	}
}

func TestScrapeSumsMatchingSamples(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "# HELP x\nnewsflow_consumer_messages_total{result=\"indexed\"} 10\nnewsflow_consumer_messages_total{result=\"dead_lettered\"} 2\nprocess_cpu_seconds_total 1.5\nbad{a=\"b\"}\n")
	}))
	defer srv.Close()
	m, err := scrape(context.Background(), strings.TrimPrefix(srv.URL, "http://"))
	require.NoError(t, err)
	require.Equal(t, 12.0, m.Sum("newsflow_consumer_messages_total"))
	require.Equal(t, 2.0, m.Sum("newsflow_consumer_messages_total", "result=dead_lettered"))
	require.Equal(t, 1.5, m.Sum("process_cpu_seconds_total"))
}

func TestPeakRSSOfThisProcess(t *testing.T) {
	if _, err := os.Stat("/proc/self/status"); err != nil {
		t.Skip("no /proc")
	}
	rss, err := PeakRSS(os.Getpid())
	require.NoError(t, err)
	require.Greater(t, rss, int64(1<<20))
	_, err = PeakRSS(-1)
	require.Error(t, err)
}

func TestE2EConfigValidate(t *testing.T) {
	good := E2EConfig{Corpora: []Corpus{{Name: "c"}}, Kafka: &kafkacfg.Clients{Brokers: []string{"k:9092"}}, ES: doerFunc(nil), StartWorker: ChildProcesses("newsflow")}
	require.NoError(t, good.withDefaults().Validate())
	for _, tc := range []struct {
		name string
		edit func(*E2EConfig)
		err  string
	}{
		{"a negative article count", func(c *E2EConfig) { c.Articles = -1 }, "articles -1"},
		{"a latency fraction above one", func(c *E2EConfig) { c.LatencyFraction = 1.5 }, "latency fraction 1.5"},
		{"an unknown phase", func(c *E2EConfig) { c.Phases = []string{"warmup"} }, `unknown phase "warmup"`},
		{"latency without the pipeline or a rate", func(c *E2EConfig) { c.Phases = []string{PhaseLatency} }, "needs the pipeline phase"},
		{"a prefix Elasticsearch refuses", func(c *E2EConfig) { c.Prefix = "Bench" }, `prefix "Bench"`},
		{"no corpus", func(c *E2EConfig) { c.Corpora = nil }, "no corpus"},
		{"an unknown dedup store", func(c *E2EConfig) { c.DedupStore = "memory" }, `dedup store "memory"`},
		{"overlapping isolation CPUs", func(c *E2EConfig) { c.Isolate = &Isolation{ESCPUs: "0", OtherCPUs: "0"} }, "CPU 0 is in both lists"},
		{"an isolation CPU the machine lacks", func(c *E2EConfig) { c.Isolate = &Isolation{ESCPUs: "0", OtherCPUs: "4096"} }, "CPU 4096 does not exist"},
		{"a malformed CPU list", func(c *E2EConfig) { c.Isolate = &Isolation{ESCPUs: "1-", OtherCPUs: "0"} }, `"1-" is not a range`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := good
			tc.edit(&c)
			require.ErrorContains(t, c.withDefaults().Validate(), tc.err)
		})
	}
}

func TestWriteE2ENamesTheGoals(t *testing.T) {
	rep := &E2EReport{
		Machine: ReadMachine(), Run: "newsflow-bench-x", ESVersion: "8.19.0",
		Config:   E2EConfig{Workers: 2, Partitions: 6, BatchSize: 500, LoaderConcurrency: 4, DedupStore: DedupRedis},
		Bulk:     Phase{Ran: true, Articles: 1000, Bytes: 1e6, Duration: time.Second, ESCPU: 200 * time.Millisecond},
		Pipeline: Phase{Ran: true, Articles: 1000, Bytes: 1e6, Duration: 2 * time.Second, ESCPU: 230 * time.Millisecond, CPU: map[string]time.Duration{RoleWorkers: 3 * time.Second, RoleRedis: time.Second}},
		Redis:    RedisMemory{Ran: true, Bytes: 11e6, Keys: 41300, Paragraphs: 10000, Unique: 5000},
		Pinned:   []Pinned{{Name: "elasticsearch", PID: 7, CPUs: "1"}, {Name: "kafka", PID: 8, CPUs: "0"}},
		Consume:  Phase{Ran: true, Articles: 1000, Bytes: 1e6, Duration: time.Second / 10},
		Latency:  Latency{Ran: true, Rate: 250, Sent: 500, Samples: 100, P50: 900 * time.Millisecond, P99: 2 * time.Second},
		PeakRSS:  []int64{150e6, 210e6},
	}
	out := writeE2E(rep, "newsflow bench e2e")
	require.Contains(t, out, "| pipeline end to end: produce → 2 workers (dedup store redis) → searchable | 500 | 0.50 | 0.50 |")
	require.Contains(t, out, "Elasticsearch CPU 0.2s (230 µs per article)")
	require.Contains(t, out, "| Elasticsearch CPU per indexed article, pipeline ÷ baseline 1 | | | 1.15 | 230 µs ÷ 200 µs |")
	require.Contains(t, out, "+11.0 MB, +41300 keys for 10000 paragraphs (5000 first seen): 1.10 GB per million paragraphs, 2.20 GB per million first-seen paragraphs")
	require.Contains(t, out, "Isolation (taskset, both baselines and the pipeline): elasticsearch (pid 7) on CPUs 1; kafka (pid 8) on CPUs 0.")
	require.Contains(t, out, "Process CPU during pipeline (from /proc): workers 3.0s, redis 1.0s.")
	require.Contains(t, out, "at most 1.1× the raw bulk baseline's: 1.15×, not met")
	require.Contains(t, out, "| baseline 2: raw consumption (1 group member, no processing) | 10,000 | 10.00 | 10.00 |")
	require.Contains(t, out, "p50 900 ms, p99 2000 ms")
	require.Contains(t, out, "150 MB, 210 MB")
	require.Contains(t, out, "end to end at 90% or more of the raw bulk baseline, dedup on (redis), with Elasticsearch on its own CPUs: 50%, not met")
	require.Contains(t, out, "under 200 MB RSS: 210 MB, not met")
}

func TestWriteE2EBracketsThePipelineWithTwoBaselines(t *testing.T) {
	rep := &E2EReport{
		Machine:   ReadMachine(),
		Config:    E2EConfig{Workers: 1, Partitions: 6, BatchSize: 500, LoaderConcurrency: 2, DedupStore: DedupRedis},
		Bulk:      Phase{Ran: true, Articles: 1000, Duration: time.Second, ESCPU: 300 * time.Millisecond},
		BulkAfter: Phase{Ran: true, Articles: 1000, Duration: 1250 * time.Millisecond, ESCPU: 350 * time.Millisecond},
		Pipeline:  Phase{Ran: true, Articles: 1000, Duration: 1200 * time.Millisecond},
		Pinned:    []Pinned{{Name: "elasticsearch", PID: 7, CPUs: "1"}},
	}
	// 833/s against 1,000/s before and 800/s after: 0.83 of the first,
	// 0.93 of their mean.
	require.InDelta(t, 0.926, rep.BracketedRatio(), 0.001)
	out := writeE2E(rep, "")
	require.Contains(t, out, "| baseline 1 again, after the pipeline (--baseline-after) | 800 | ")
	require.Contains(t, out, "| pipeline ÷ the mean of baseline 1 before and after it | | | 0.93 | 833 ÷ (1,000 + 800) / 2 |")
	require.Contains(t, out, "with Elasticsearch on its own CPUs: 83%, not met")
	require.Contains(t, out, "The same against the mean of baseline 1 before and after the pipeline: 93%, met.")

	rep.BulkAfter = Phase{}
	require.Zero(t, rep.BracketedRatio(), "no second baseline, no bracketed ratio")
	require.NotContains(t, writeE2E(rep, ""), "before and after")
}

// writeE2E is WriteE2E into a string.
func writeE2E(rep *E2EReport, command string) string {
	var b bytes.Buffer
	WriteE2E(&b, rep, command)
	return b.String()
}

type doerFunc func(*http.Request) (*http.Response, error)

func (f doerFunc) Perform(r *http.Request) (*http.Response, error) { return f(r) }

func TestSettleWaitsUntilNoMergeRuns(t *testing.T) {
	running := []int{2, 1, 0}
	calls := 0
	es := doerFunc(func(req *http.Request) (*http.Response, error) {
		require.Equal(t, "/idx/_stats/indexing,refresh,merge,search", req.URL.Path)
		n := running[min(calls, len(running)-1)]
		calls++
		body := fmt.Sprintf(`{"_all":{"primaries":{"merges":{"current":%d,"total":1,"total_time_in_millis":1500}}}}`, n)
		return &http.Response{StatusCode: 200, Body: io.NopCloser(strings.NewReader(body))}, nil
	})
	var log bytes.Buffer
	r := &run{cfg: E2EConfig{ES: es, Progress: &log}, start: time.Now()}
	d := r.settle(context.Background(), PhaseBulk, "idx")
	require.Equal(t, 3, calls, "polled until merges.current was 0")
	require.GreaterOrEqual(t, d, 2*countPoll)
	st, err := esIndexStats(context.Background(), es, "idx")
	require.NoError(t, err)
	require.Equal(t, int64(0), st.MergesRunning)
	require.Equal(t, int64(1), st.Merges)
}

func TestDeadLetteredScrapesOnlyWhenTheCountStalls(t *testing.T) {
	scrapes := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		scrapes++
		fmt.Fprintln(w, `newsflow_consumer_messages_total{result="dead_lettered"} 2`)
	}))
	defer srv.Close()
	r := &run{raws: make([]article.RawArticle, 10), addrs: []string{strings.TrimPrefix(srv.URL, "http://")}}
	done := r.deadLettered(context.Background())
	require.False(t, done(3))
	require.False(t, done(5))
	require.Zero(t, scrapes, "the count rose: no scrape")
	require.False(t, done(5), "5 searchable + 2 dead-lettered of 10")
	require.Equal(t, 1, scrapes)
	require.False(t, done(8))
	require.True(t, done(8), "8 searchable + 2 dead-lettered: all accounted for")
	require.Equal(t, 2, scrapes)
}
