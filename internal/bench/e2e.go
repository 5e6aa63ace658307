package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/newsflow/newsflow/consumers"
	"github.com/newsflow/newsflow/index/elastic"
	"github.com/newsflow/newsflow/index/esdedup"
	"github.com/newsflow/newsflow/internal/kafkacfg"
	"github.com/newsflow/newsflow/pkg/article"
)

// Phases of the end-to-end run, in the order they run.
const (
	PhaseBulk     = "bulk"     // baseline 1: raw _bulk of the processed documents
	PhasePipeline = "pipeline" // produce N, workers index them
	PhaseLatency  = "latency"  // fixed-rate stream, receipt → searchable
	PhaseConsume  = "consume"  // baseline 2: raw consumption of the topic
)

// Dedup stores of the workers (E2EConfig.DedupStore).
const (
	DedupRedis         = "redis"
	DedupElasticsearch = "elasticsearch"
)

// Phases lists every phase in run order.
var Phases = []string{PhaseBulk, PhasePipeline, PhaseLatency, PhaseConsume}

// Defaults of E2EConfig.
const (
	DefaultArticles   = 50_000
	DefaultWorkers    = 2
	DefaultPartitions = 6
	// Orders of baseline 1's documents (E2EConfig.BaselineOrder).
	OrderCorpus            = "corpus"
	OrderPartitions        = "partitions"
	DefaultLatencyFraction = 0.5
	DefaultLatencyDuration = 30 * time.Second
	DefaultPrefix          = "newsflow-bench"
	DefaultPhaseTimeout    = 30 * time.Minute
	DefaultRedisAddr       = "127.0.0.1:6379"
	// latencySamplesPerSecond bounds the articles whose visibility is
	// polled, so the poll itself stays a small load.
	latencySamplesPerSecond = 40
	latencyPoll             = 100 * time.Millisecond
	countPoll               = 250 * time.Millisecond
	backlogPoll             = 20 * time.Millisecond
	// settleTimeout bounds the wait for a phase's merges (settle).
	settleTimeout = 5 * time.Minute
)

// E2EConfig configures RunE2E.
type E2EConfig struct {
	// Articles is N, the articles produced and indexed. Default: 50,000.
	Articles int
	// Workers is K, the consumer workers. Default: 2.
	Workers int
	// Partitions of the bench topic. Default: 6.
	Partitions int
	// BatchSize is the documents per bulk request of the loader and the
	// workers' --batch-size. Default: consumers.DefaultBatchSize.
	BatchSize int
	// LoaderConcurrency is how many bulk requests the baseline loader keeps
	// in flight. Default: Workers × consumers.DefaultMaxInFlight, the most
	// the workers may have in flight.
	LoaderConcurrency int
	// LatencyFraction of the measured pipeline throughput is the rate of
	// the latency phase. Default: 0.5.
	LatencyFraction float64
	// LatencyRate, when > 0, is the rate (articles/s) of the latency phase
	// instead (needed when the pipeline phase does not run).
	LatencyRate float64
	// LatencyDuration is how long the latency phase produces. Default: 30s.
	LatencyDuration time.Duration
	// Phases to run (default: all of Phases).
	Phases []string
	// Corpora are cycled to make the articles.
	Corpora []Corpus

	// Kafka reaches the brokers.
	Kafka *kafkacfg.Clients
	// ES reaches Elasticsearch.
	ES elastic.Doer
	// Analyzer is the text analyzer of the template ("" = the shipped one).
	Analyzer string

	// DedupStore is the workers' --dedup-store: redis (default) or
	// elasticsearch (the fingerprint index, for the comparison).
	DedupStore string
	// RedisAddr is the standalone Redis server of the redis store: passed
	// to the workers (--dedup-redis-addr, with the run's key prefix), read
	// for its memory per paragraph, and cleaned of the run's keys.
	// Default: 127.0.0.1:6379.
	RedisAddr string
	// Procs are the server processes (Elasticsearch, Kafka, Redis) whose
	// CPU time is reported per phase and which Isolate pins
	// (ServerProcs finds those of scripts/testenv.sh).
	Procs []Proc
	// Isolate, when set, pins Elasticsearch to CPUs of its own and
	// everything else to the others for the whole run (see Isolation).
	Isolate *Isolation
	// Backlog, when set, makes the pipeline phase a catch-up: the N
	// articles are produced before the workers start, and the clock runs
	// from the workers' first fetched message until all are searchable.
	// The producer's CPU (the harness's writer and Kafka's appends) is then
	// out of the timed window, as the making of the documents is out of
	// the baseline's; without it the producer shares the workers' CPUs in
	// the first seconds of the phase.
	Backlog bool
	// BaselineOrder is the order baseline 1 sends its documents in:
	// OrderCorpus (the default, the corpus as cycled) or OrderPartitions
	// (as the pipeline's bulk requests carry them: each request of
	// BatchSize documents made of one run per partition, the partition of
	// each article its Kafka key's, with Murmur2 as the producer's). The
	// second tests whether Elasticsearch's CPU per article in the pipeline
	// (1.08-1.23x the baseline's in the isolated runs of 2026-12-06) comes
	// from the order of the ids.
	BaselineOrder string
	// BaselineAfter runs baseline 1 a second time after the pipeline
	// phase (same documents, a fresh index), so the pipeline can be read
	// against the mean of a baseline before and one after it, and the
	// baseline's drift within the run shows (the two differed by up to
	// 24 % in the five runs of 2026-12-07, bench/RESULTS.md).
	BaselineAfter bool

	// WorkerArgs are the connection flags of `newsflow consume`
	// (--kafka-brokers, --elasticsearch-url, …); the harness adds the
	// topic, group, index, dedup store and metrics address.
	WorkerArgs []string
	// ExtraWorkerArgs are appended to every worker's arguments (settings
	// under test; none for the default-settings figures).
	ExtraWorkerArgs []string
	// StartWorker starts one worker (ChildProcesses for the RSS figure).
	StartWorker StartWorker
	// LogDir receives the workers' logs. Default: a temporary directory.
	LogDir string
	// Prefix names the run's resources: <prefix>-<run>-… Default:
	// newsflow-bench.
	Prefix string
	// Keep leaves the topic, indices and groups in place.
	Keep bool
	// PhaseTimeout bounds each phase. Default: 30m.
	PhaseTimeout time.Duration
	// OnPipeline, when set, is called as the pipeline phase's clock starts
	// and again (with start false) as it stops (profiling hooks).
	OnPipeline func(start bool)
	// Progress receives progress lines; nil: none.
	Progress io.Writer
}

func (c E2EConfig) withDefaults() E2EConfig {
	if c.Articles == 0 {
		c.Articles = DefaultArticles
	}
	if c.Workers == 0 {
		c.Workers = DefaultWorkers
	}
	if c.Partitions == 0 {
		c.Partitions = DefaultPartitions
	}
	if c.BaselineOrder == "" {
		c.BaselineOrder = OrderCorpus
	}
	if c.BatchSize == 0 {
		c.BatchSize = consumers.DefaultBatchSize
	}
	if c.LoaderConcurrency == 0 {
		c.LoaderConcurrency = c.Workers * consumers.DefaultMaxInFlight
	}
	if c.LatencyFraction == 0 {
		c.LatencyFraction = DefaultLatencyFraction
	}
	if c.LatencyDuration == 0 {
		c.LatencyDuration = DefaultLatencyDuration
	}
	if len(c.Phases) == 0 {
		c.Phases = Phases
	}
	if c.Prefix == "" {
		c.Prefix = DefaultPrefix
	}
	if c.PhaseTimeout == 0 {
		c.PhaseTimeout = DefaultPhaseTimeout
	}
	if c.DedupStore == "" {
		c.DedupStore = DedupRedis
	}
	if c.RedisAddr == "" {
		c.RedisAddr = DefaultRedisAddr
	}
	if c.Progress == nil {
		c.Progress = io.Discard
	}
	return c
}

// Validate names the first setting out of range.
func (c E2EConfig) Validate() error {
	switch {
	case c.Articles < 1:
		return fmt.Errorf("articles %d: want at least 1", c.Articles)
	case c.Workers < 1:
		return fmt.Errorf("workers %d: want at least 1", c.Workers)
	case c.Partitions < 1:
		return fmt.Errorf("partitions %d: want at least 1", c.Partitions)
	case c.BaselineOrder != OrderCorpus && c.BaselineOrder != OrderPartitions:
		return fmt.Errorf("baseline order %q: want %s or %s", c.BaselineOrder, OrderCorpus, OrderPartitions)
	case c.BatchSize < 1 || c.LoaderConcurrency < 1:
		return errors.New("batch size and loader concurrency must be positive")
	case c.LatencyFraction <= 0 || c.LatencyFraction > 1:
		return fmt.Errorf("latency fraction %v: want (0, 1]", c.LatencyFraction)
	case c.LatencyRate < 0 || c.LatencyDuration < 0:
		return errors.New("latency rate and duration must not be negative")
	case len(c.Corpora) == 0:
		return errors.New("no corpus")
	case c.Kafka == nil || len(c.Kafka.Brokers) == 0:
		return errors.New("no Kafka brokers")
	case c.ES == nil:
		return errors.New("no Elasticsearch client")
	case strings.ToLower(c.Prefix) != c.Prefix || strings.ContainsAny(c.Prefix, `\/*?"<>| ,#:[]{}`):
		return fmt.Errorf("prefix %q: want lower case letters, digits and dashes (it names indices)", c.Prefix)
	case c.DedupStore != DedupRedis && c.DedupStore != DedupElasticsearch:
		return fmt.Errorf("dedup store %q: want %s or %s", c.DedupStore, DedupRedis, DedupElasticsearch)
	}
	if c.Isolate != nil {
		if err := c.Isolate.Validate(runtime.NumCPU()); err != nil {
			return err
		}
	}
	for _, p := range c.Phases {
		if !slices.Contains(Phases, p) {
			return fmt.Errorf("unknown phase %q: want %s", p, strings.Join(Phases, ", "))
		}
	}
	if c.has(PhasePipeline) && c.StartWorker == nil {
		return errors.New("no way to start workers")
	}
	if c.has(PhaseLatency) && !c.has(PhasePipeline) && c.LatencyRate == 0 {
		return errors.New("the latency phase needs the pipeline phase (its rate is a fraction of the measured throughput) or an explicit latency rate")
	}
	if c.has(PhaseLatency) && c.StartWorker == nil {
		return errors.New("no way to start workers")
	}
	return nil
}

func (c E2EConfig) has(phase string) bool { return slices.Contains(c.Phases, phase) }

// Phase is one timed part of the run.
type Phase struct {
	// Ran is false when the phase was not selected.
	Ran bool
	// Articles counted at the end; Bytes their raw text.
	Articles int
	Bytes    int64
	// Duration from the phase's start to its end condition.
	Duration time.Duration
	// ESCPU is Elasticsearch's process CPU time during the phase and its
	// merge tail (Settle): from /proc when its PID is known (exact to 10
	// ms), else from its node stats (refreshed about once a second, so
	// short phases read low).
	ESCPU time.Duration
	// Settle is how long the merges of the phase's index ran on after its
	// documents were searchable (bulk and pipeline phases): the harness
	// waits for them before it reads ESCPU and starts the next phase.
	Settle time.Duration
	// CPU is the CPU time of each role's processes during the phase (from
	// /proc; the roles whose PIDs are known: Role*).
	CPU map[string]time.Duration
	// Stats are the phase's index statistics (bulk and pipeline phases).
	Stats IndexStats
	// Load is the load average at the end of the phase.
	Load [3]float64
	// Busy is how much of their CPUs Elasticsearch and the rest used over
	// the timed window (bulk and pipeline phases).
	Busy Busy
}

// preferProcCPU takes Elasticsearch's CPU from /proc when it was read.
func (p *Phase) preferProcCPU() {
	if d := p.CPU[RoleElasticsearch]; d > 0 {
		p.ESCPU = d
	}
}

// ESCPUPerArticle is Elasticsearch's CPU time per document indexed.
func (p Phase) ESCPUPerArticle() time.Duration {
	if p.Articles == 0 {
		return 0
	}
	return p.ESCPU / time.Duration(p.Articles)
}

// ArticlesPerSecond is the phase's throughput.
func (p Phase) ArticlesPerSecond() float64 { return perSecond(float64(p.Articles), p.Duration) }

// MBPerSecond is the phase's throughput in raw text megabytes.
func (p Phase) MBPerSecond() float64 { return perSecond(float64(p.Bytes)/1e6, p.Duration) }

// Latency is the result of the fixed-rate phase.
type Latency struct {
	Ran bool
	// Rate is the target production rate (articles/s); Sent the articles
	// produced; Samples the ones whose visibility was polled.
	Rate    float64
	Sent    int
	Samples int
	// P50, P99 and Max of receipt (received_at, stamped just before the
	// producer's write) → first seen by a search, at a poll resolution of
	// 100 ms.
	P50, P99, Max time.Duration
	// Missing samples never became searchable within the phase timeout.
	Missing int
	Load    [3]float64
}

// Breakdown is what the workers' metrics say about the pipeline phase.
type Breakdown struct {
	// WorkerCPU is the workers' process CPU time (process_cpu_seconds_total).
	WorkerCPU time.Duration
	// Stage is the summed time articles spent per stage (a wait on the
	// store counts in dedup), over all partitions.
	Stage map[string]time.Duration
	// StoreRequests per op of the dedup store and their summed duration.
	StoreRequests map[string]float64
	StoreTime     map[string]time.Duration
	// Bulk requests of the article index and their summed duration.
	BulkRequests float64
	BulkTime     time.Duration
	// StoreErrors counts failed store requests; KeysCreated and
	// KeysConflict the keys claimed first and those another article had.
	StoreErrors, KeysCreated, KeysConflict float64
	// Fetched counts messages fetched (redeliveries included); DeadLettered
	// the messages dead-lettered.
	Fetched, DeadLettered float64
}

// E2EReport is everything RunE2E measured.
type E2EReport struct {
	Machine   Machine
	LoadStart [3]float64
	LoadEnd   [3]float64
	// Run names the resources: <prefix>-<run>.
	Run string
	// ESVersion is the node's version.
	ESVersion string
	Config    E2EConfig

	Produce Phase // the N articles written by the producer's writer
	Bulk    Phase // baseline 1
	// BulkAfter is baseline 1 again after the pipeline (BaselineAfter).
	BulkAfter Phase
	Pipeline  Phase
	Consume   Phase // baseline 2
	Latency   Latency
	// Setup is how long the workers took from start to ready and in the
	// group with every partition assigned (not in Pipeline.Duration).
	Setup time.Duration
	// PeakRSS per worker (bytes); 0 when unknown.
	PeakRSS []int64
	// RSSNote says why PeakRSS is unknown.
	RSSNote   string
	Breakdown Breakdown
	// Redis is what the pipeline phase left in the dedup store's server.
	Redis RedisMemory
	// Pinned lists the processes pinned by Isolate, with their CPUs.
	Pinned []Pinned
	// Logs is where the workers' logs are.
	Logs string
}

// ESCPURatio is Elasticsearch's CPU per indexed article in the pipeline
// phase as a multiple of the raw bulk baseline's (issue 11: at most 1.1).
func (r *E2EReport) ESCPURatio() float64 {
	b, p := r.Bulk.ESCPUPerArticle(), r.Pipeline.ESCPUPerArticle()
	if !r.Bulk.Ran || !r.Pipeline.Ran || b == 0 {
		return 0
	}
	return float64(p) / float64(b)
}

// BulkRatio is the pipeline throughput as a fraction of baseline 1.
func (r *E2EReport) BulkRatio() float64 {
	if !r.Bulk.Ran || !r.Pipeline.Ran || r.Bulk.ArticlesPerSecond() == 0 {
		return 0
	}
	return r.Pipeline.ArticlesPerSecond() / r.Bulk.ArticlesPerSecond()
}

// BracketedRatio is the pipeline throughput as a fraction of the mean of
// baseline 1 before and after it (BaselineAfter); 0 without both.
func (r *E2EReport) BracketedRatio() float64 {
	a, b := r.Bulk.ArticlesPerSecond(), r.BulkAfter.ArticlesPerSecond()
	if !r.Bulk.Ran || !r.BulkAfter.Ran || !r.Pipeline.Ran || a+b == 0 {
		return 0
	}
	return r.Pipeline.ArticlesPerSecond() / ((a + b) / 2)
}

// run holds the state of one RunE2E.
type run struct {
	cfg     E2EConfig
	rep     *E2EReport
	docs    []consumers.Doc // baseline 1's documents, made once
	client  *kafka.Client
	names   names
	raws    []article.RawArticle
	start   time.Time
	workers []Worker
	addrs   []string
}

type names struct {
	topic, pipelineGroup, rawGroup, pipelineAlias, bulkAlias, bulkAfterAlias, fingerprints, redisPrefix string
}

func (r *run) logf(format string, args ...any) {
	fmt.Fprintf(r.cfg.Progress, "[%6.1fs] "+format+"\n", append([]any{time.Since(r.start).Seconds()}, args...)...)
}

// RunE2E runs the selected phases on fresh resources and returns the
// report; the resources are deleted at the end unless cfg.Keep.
func RunE2E(ctx context.Context, cfg E2EConfig) (*E2EReport, error) {
	cfg = cfg.withDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	runID := time.Now().UTC().Format("20060102t150405")
	base := cfg.Prefix + "-" + runID
	r := &run{
		cfg:   cfg,
		rep:   &E2EReport{Machine: ReadMachine(), Run: base, Config: cfg},
		start: time.Now(),
		names: names{
			topic: base, pipelineGroup: base + "-pipeline", rawGroup: base + "-raw",
			pipelineAlias: base + "-pipeline", bulkAlias: base + "-bulk", bulkAfterAlias: base + "-bulk2", fingerprints: base + "-fp",
			redisPrefix: base,
		},
	}
	r.rep.LoadStart = r.rep.Machine.Load
	r.client = cfg.Kafka.Client
	if cfg.LogDir == "" {
		d, err := os.MkdirTemp("", base+"-logs-")
		if err != nil {
			return nil, err
		}
		cfg.LogDir = d
		r.cfg.LogDir = d
	}
	if err := os.MkdirAll(cfg.LogDir, 0o755); err != nil {
		return nil, fmt.Errorf("log directory: %w", err)
	}
	r.rep.Logs = cfg.LogDir

	sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	v, err := esVersion(sctx, cfg.ES)
	cancel()
	if err != nil {
		return nil, fmt.Errorf("elasticsearch: %w", err)
	}
	r.rep.ESVersion = v
	sctx, cancel = context.WithTimeout(ctx, 30*time.Second)
	_, err = r.client.Metadata(sctx, &kafka.MetadataRequest{})
	cancel()
	if err != nil {
		return nil, fmt.Errorf("kafka at %s (is the broker running?): %w", strings.Join(cfg.Kafka.Brokers, ","), err)
	}
	if cfg.DedupStore == DedupRedis && (cfg.has(PhasePipeline) || cfg.has(PhaseLatency)) {
		sctx, cancel = context.WithTimeout(ctx, 10*time.Second)
		_, err = readRedisStats(sctx, cfg.RedisAddr)
		cancel()
		if err != nil {
			return nil, fmt.Errorf("the dedup store: %w", err)
		}
	}
	r.logf("run %s: %d articles, %d workers, %d partitions, batch %d, dedup store %s; Elasticsearch %s; machine: %s; load %s",
		base, cfg.Articles, cfg.Workers, cfg.Partitions, cfg.BatchSize, cfg.DedupStore, v, r.rep.Machine, LoadString(r.rep.LoadStart))
	if cfg.Isolate != nil {
		pinned, restore, err := cfg.Isolate.pin(cfg.Procs)
		if err != nil {
			return nil, err
		}
		defer restore()
		r.rep.Pinned = pinned
		for _, p := range pinned {
			r.logf("isolation: %s (pid %d) on CPUs %s (was %s)", p.Name, p.PID, p.CPUs, p.Before)
		}
	}

	r.raws = Cycle(cfg.Corpora, cfg.Articles, runID)
	var total int64
	for _, a := range r.raws {
		total += Size(a)
	}

	defer func() {
		r.stopWorkers()
		if !cfg.Keep {
			r.cleanup()
		}
	}()

	if cfg.has(PhaseBulk) {
		if err := r.bulkPhase(ctx, total, PhaseBulk, r.names.bulkAlias, &r.rep.Bulk); err != nil {
			return r.rep, fmt.Errorf("bulk baseline: %w", err)
		}
		if !cfg.BaselineAfter {
			r.docs = nil // not needed again: free them before the pipeline
		}
	}
	if err := r.createTopic(ctx); err != nil {
		return r.rep, err
	}
	// With Backlog, pipelinePhase produces and then starts the workers.
	if cfg.has(PhasePipeline) && !cfg.Backlog || !cfg.has(PhasePipeline) && cfg.has(PhaseLatency) {
		if err := r.startWorkers(ctx); err != nil {
			return r.rep, err
		}
	}
	if cfg.has(PhasePipeline) {
		if err := r.pipelinePhase(ctx, total); err != nil {
			return r.rep, fmt.Errorf("pipeline: %w", err)
		}
		if cfg.BaselineAfter && cfg.has(PhaseBulk) {
			if err := r.bulkPhase(ctx, total, phaseBulkAfter, r.names.bulkAfterAlias, &r.rep.BulkAfter); err != nil {
				return r.rep, fmt.Errorf("bulk baseline after the pipeline: %w", err)
			}
		}
	} else if cfg.has(PhaseConsume) {
		if _, err := r.produce(ctx, r.raws); err != nil {
			return r.rep, err
		}
	}
	if cfg.has(PhaseLatency) {
		if err := r.latencyPhase(ctx); err != nil {
			return r.rep, fmt.Errorf("latency: %w", err)
		}
	}
	if len(r.workers) > 0 {
		r.readRSS()
		r.breakdown(ctx)
		r.stopWorkers()
	}
	if cfg.has(PhaseConsume) {
		if err := r.consumePhase(ctx, total); err != nil {
			return r.rep, fmt.Errorf("raw consumption: %w", err)
		}
	}
	r.rep.LoadEnd = LoadAverage()
	r.logf("done; load %s", LoadString(r.rep.LoadEnd))
	return r.rep, nil
}

// cleanup deletes what the run created.
func (r *run) cleanup() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_, _ = r.client.DeleteTopics(ctx, &kafka.DeleteTopicsRequest{Topics: []string{r.names.topic, r.names.topic + ".dlq"}})
	for _, alias := range []string{r.names.pipelineAlias, r.names.bulkAlias, r.names.bulkAfterAlias} {
		if _, err := esDo(ctx, r.cfg.ES, http.MethodDelete, "/"+alias+elastic.FirstIndexSuffix, nil); err != nil && !isNotFound(err) {
			r.logf("cleanup: %v", err)
		}
		if _, err := esDo(ctx, r.cfg.ES, http.MethodDelete, "/_index_template/"+alias, nil); err != nil && !isNotFound(err) {
			r.logf("cleanup: %v", err)
		}
	}
	if r.cfg.DedupStore == DedupElasticsearch {
		if _, err := esDo(ctx, r.cfg.ES, http.MethodDelete, "/"+esdedup.StoreIndex(r.names.fingerprints), nil); err != nil && !isNotFound(err) {
			r.logf("cleanup: %v", err)
		}
	} else if n, err := deleteRedisPrefix(ctx, r.cfg.RedisAddr, r.names.redisPrefix+":"); err != nil {
		r.logf("cleanup: redis keys %s:*: %v (%d deleted)", r.names.redisPrefix, err, n)
	}
	_, _ = r.client.DeleteGroups(ctx, &kafka.DeleteGroupsRequest{GroupIDs: []string{r.names.pipelineGroup, r.names.rawGroup}})
}
