package bench

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/newsflow/newsflow/consumers"
	"github.com/newsflow/newsflow/index/elastic"
	"github.com/newsflow/newsflow/index/esdedup"
	"github.com/newsflow/newsflow/pkg/article"
	"github.com/newsflow/newsflow/pkg/dedup"
	"github.com/newsflow/newsflow/pkg/pipeline"
	"github.com/newsflow/newsflow/producers/publish"
)

// Phases of the end-to-end run, in the order they run.
const (
	PhaseBulk     = "bulk"     // baseline 1: raw _bulk of the processed documents
	PhasePipeline = "pipeline" // produce N, workers index them
	PhaseLatency  = "latency"  // fixed-rate stream, receipt → searchable
	PhaseConsume  = "consume"  // baseline 2: raw consumption of the topic
)

// Phases lists every phase in run order.
var Phases = []string{PhaseBulk, PhasePipeline, PhaseLatency, PhaseConsume}

// Defaults of E2EConfig.
const (
	DefaultArticles        = 50_000
	DefaultWorkers         = 2
	DefaultPartitions      = 6
	DefaultLatencyFraction = 0.5
	DefaultLatencyDuration = 30 * time.Second
	DefaultPrefix          = "newsflow-bench"
	DefaultPhaseTimeout    = 30 * time.Minute
	// latencySamplesPerSecond bounds the articles whose visibility is
	// polled, so the poll itself stays a small load.
	latencySamplesPerSecond = 40
	latencyPoll             = 100 * time.Millisecond
	countPoll               = 250 * time.Millisecond
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

	// Brokers, Dialer and Transport reach Kafka.
	Brokers   []string
	Dialer    *kafka.Dialer
	Transport *kafka.Transport
	// ES reaches Elasticsearch.
	ES elastic.Doer
	// Analyzer is the text analyzer of the template ("" = the shipped one).
	Analyzer string

	// WorkerArgs are the connection flags of `newsflow consume`
	// (--kafka-brokers, --elasticsearch-url, …); the harness adds the
	// topic, group, index, fingerprint index and metrics address.
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
	case c.BatchSize < 1 || c.LoaderConcurrency < 1:
		return errors.New("batch size and loader concurrency must be positive")
	case c.LatencyFraction <= 0 || c.LatencyFraction > 1:
		return fmt.Errorf("latency fraction %v: want (0, 1]", c.LatencyFraction)
	case c.LatencyRate < 0 || c.LatencyDuration < 0:
		return errors.New("latency rate and duration must not be negative")
	case len(c.Corpora) == 0:
		return errors.New("no corpus")
	case len(c.Brokers) == 0:
		return errors.New("no Kafka brokers")
	case c.ES == nil:
		return errors.New("no Elasticsearch client")
	case strings.ToLower(c.Prefix) != c.Prefix || strings.ContainsAny(c.Prefix, `\/*?"<>| ,#:`):
		return fmt.Errorf("prefix %q: want lower case letters, digits and dashes (it names indices)", c.Prefix)
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
	// ESCPU is Elasticsearch's process CPU time during the phase.
	ESCPU time.Duration
	// Load is the load average at the end of the phase.
	Load [3]float64
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

	Produce  Phase // the N articles written by the producer's writer
	Bulk     Phase // baseline 1
	Pipeline Phase
	Consume  Phase // baseline 2
	Latency  Latency
	// Setup is how long the workers took from start to ready and in the
	// group with every partition assigned (not in Pipeline.Duration).
	Setup time.Duration
	// PeakRSS per worker (bytes); 0 when unknown.
	PeakRSS []int64
	// RSSNote says why PeakRSS is unknown.
	RSSNote   string
	Breakdown Breakdown
	// Logs is where the workers' logs are.
	Logs string
}

// BulkRatio is the pipeline throughput as a fraction of baseline 1.
func (r *E2EReport) BulkRatio() float64 {
	if !r.Bulk.Ran || !r.Pipeline.Ran || r.Bulk.ArticlesPerSecond() == 0 {
		return 0
	}
	return r.Pipeline.ArticlesPerSecond() / r.Bulk.ArticlesPerSecond()
}

// run holds the state of one RunE2E.
type run struct {
	cfg     E2EConfig
	rep     *E2EReport
	client  *kafka.Client
	topic   string
	names   names
	raws    []article.RawArticle
	start   time.Time
	workers []Worker
	addrs   []string
}

type names struct {
	topic, pipelineGroup, rawGroup, pipelineAlias, bulkAlias, fingerprints string
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
			pipelineAlias: base + "-pipeline", bulkAlias: base + "-bulk", fingerprints: base + "-fp",
		},
	}
	r.rep.LoadStart = r.rep.Machine.Load
	r.client = &kafka.Client{Addr: kafka.TCP(cfg.Brokers...), Transport: cfg.Transport, Timeout: 10 * time.Second}
	if cfg.LogDir == "" {
		d, err := os.MkdirTemp("", base+"-logs-")
		if err != nil {
			return nil, err
		}
		cfg.LogDir = d
		r.cfg.LogDir = d
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
		return nil, fmt.Errorf("kafka at %s (is the broker running?): %w", strings.Join(cfg.Brokers, ","), err)
	}
	r.logf("run %s: %d articles, %d workers, %d partitions, batch %d; Elasticsearch %s; machine: %s; load %s",
		base, cfg.Articles, cfg.Workers, cfg.Partitions, cfg.BatchSize, v, r.rep.Machine, LoadString(r.rep.LoadStart))

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
		if err := r.bulkPhase(ctx, total); err != nil {
			return r.rep, fmt.Errorf("bulk baseline: %w", err)
		}
	}
	if err := r.createTopic(ctx); err != nil {
		return r.rep, err
	}
	if cfg.has(PhasePipeline) || cfg.has(PhaseLatency) {
		if err := r.startWorkers(ctx); err != nil {
			return r.rep, err
		}
	}
	if cfg.has(PhasePipeline) {
		if err := r.pipelinePhase(ctx, total); err != nil {
			return r.rep, fmt.Errorf("pipeline: %w", err)
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

// documents runs the stages in this process over the articles (memory
// dedup store, in order), giving the documents baseline 1 indexes.
func (r *run) documents(ctx context.Context) ([]consumers.Doc, error) {
	p := pipeline.New(dedup.New(dedup.NewMemoryStore(0), dedup.Options{}), time.Now, nil)
	now := time.Now().UTC()
	received := now.Format(time.RFC3339Nano)
	indexed := now.Format(time.RFC3339)
	docs := make([]consumers.Doc, 0, len(r.raws))
	for i, raw := range r.raws {
		raw.ReceivedAt = received
		a, err := p.ProcessOne(ctx, raw)
		if err != nil {
			return nil, fmt.Errorf("process %s: %w", raw.ID, err)
		}
		a.IndexedAt = indexed
		src, err := json.Marshal(a)
		if err != nil {
			return nil, err
		}
		docs = append(docs, consumers.Doc{ID: a.ID, Version: a.Version(), Source: src})
		if (i+1)%10000 == 0 {
			r.logf("bulk: processed %d of %d documents for the loader", i+1, len(r.raws))
		}
	}
	return docs, nil
}

// bulkPhase is baseline 1: the documents the pipeline makes, indexed by a
// minimal loader: the same bulk requests (index with external_gte
// versions, BatchSize documents) with LoaderConcurrency in flight, into a
// fresh index made from the same template.
func (r *run) bulkPhase(ctx context.Context, total int64) error {
	docs, err := r.documents(ctx)
	if err != nil {
		return err
	}
	var docBytes int64
	for _, d := range docs {
		docBytes += int64(len(d.Source))
	}
	if err := elastic.Install(ctx, r.cfg.ES, r.names.bulkAlias, r.cfg.Analyzer, slog.New(slog.DiscardHandler)); err != nil {
		return err
	}
	r.logf("bulk: loading %d documents (%.1f MB of JSON) into %s, %d per request, %d in flight",
		len(docs), float64(docBytes)/1e6, r.names.bulkAlias, r.cfg.BatchSize, r.cfg.LoaderConcurrency)
	ix := elastic.NewIndexer(r.cfg.ES, elastic.IndexerConfig{Alias: r.names.bulkAlias})
	pctx, cancel := context.WithTimeout(ctx, r.cfg.PhaseTimeout)
	defer cancel()
	cpu0, _ := esCPU(pctx, r.cfg.ES)
	start := time.Now()
	batches := make(chan []consumers.Doc)
	errc := make(chan error, r.cfg.LoaderConcurrency)
	var wg sync.WaitGroup
	for range r.cfg.LoaderConcurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for b := range batches {
				for i, res := range ix.Index(pctx, b) {
					if res.Outcome != consumers.Indexed {
						errc <- fmt.Errorf("document %s: %s %s", b[i].ID, res.Outcome, res.Reason)
						return
					}
				}
			}
		}()
	}
	for i := 0; i < len(docs); i += r.cfg.BatchSize {
		select {
		case batches <- docs[i:min(i+r.cfg.BatchSize, len(docs))]:
		case err := <-errc:
			close(batches)
			wg.Wait()
			return err
		}
	}
	close(batches)
	wg.Wait()
	select {
	case err := <-errc:
		return err
	default:
	}
	n, err := r.waitCount(pctx, PhaseBulk, r.names.bulkAlias, len(docs), start, nil)
	if err != nil {
		return err
	}
	r.rep.Bulk = Phase{Ran: true, Articles: n, Bytes: total, Duration: time.Since(start), Load: LoadAverage()}
	if cpu1, err := esCPU(pctx, r.cfg.ES); err == nil && cpu0 > 0 {
		r.rep.Bulk.ESCPU = cpu1 - cpu0
	}
	r.logf("bulk: %d documents searchable in %.1fs: %.0f articles/s (Elasticsearch CPU %.1fs)", n,
		r.rep.Bulk.Duration.Seconds(), r.rep.Bulk.ArticlesPerSecond(), r.rep.Bulk.ESCPU.Seconds())
	return nil
}

// waitCount polls the alias until want documents are searchable (or, with
// done, until done says the rest will never come), logging progress.
func (r *run) waitCount(ctx context.Context, phase, alias string, want int, start time.Time, done func(count int) bool) (int, error) {
	lastLog := time.Now()
	last := -1
	for {
		n, err := esCount(ctx, r.cfg.ES, alias)
		if err == nil {
			last = n
			if n >= want || (done != nil && done(n)) {
				return n, nil
			}
		}
		if err := r.workersAlive(); err != nil {
			return last, err
		}
		if time.Since(lastLog) >= 5*time.Second {
			el := time.Since(start).Seconds()
			r.logf("%s: %d of %d searchable (%.0f/s so far), load %s", phase, last, want, float64(max(last, 0))/el, LoadString(LoadAverage()))
			lastLog = time.Now()
		}
		select {
		case <-ctx.Done():
			return last, fmt.Errorf("after %v, %d of %d documents searchable: %w", time.Since(start).Round(time.Second), last, want, ctx.Err())
		case <-time.After(countPoll):
		}
	}
}

func (r *run) createTopic(ctx context.Context) error {
	res, err := r.client.CreateTopics(ctx, &kafka.CreateTopicsRequest{Topics: []kafka.TopicConfig{{
		Topic: r.names.topic, NumPartitions: r.cfg.Partitions, ReplicationFactor: -1,
	}}})
	if err != nil {
		return fmt.Errorf("create topic %s: %w", r.names.topic, err)
	}
	if terr := res.Errors[r.names.topic]; terr != nil && !errors.Is(terr, kafka.TopicAlreadyExists) {
		return fmt.Errorf("create topic %s: %w", r.names.topic, terr)
	}
	wctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	return waitLeaders(wctx, r.client, r.names.topic, r.cfg.Partitions)
}

// startWorkers starts K workers and waits until all are ready and the
// group has assigned every partition.
func (r *run) startWorkers(ctx context.Context) error {
	t0 := time.Now()
	for i := range r.cfg.Workers {
		addr, err := freeAddr()
		if err != nil {
			return err
		}
		name := "worker-" + strconv.Itoa(i+1)
		args := append([]string{"consume"}, r.cfg.WorkerArgs...)
		args = append(args,
			"--topic", r.names.topic, "--group", r.names.pipelineGroup,
			"--index", r.names.pipelineAlias, "--dedup-index", r.names.fingerprints,
			"--metrics-addr", addr)
		if r.cfg.Analyzer != "" {
			args = append(args, "--text-analyzer", r.cfg.Analyzer)
		}
		args = append(args, r.cfg.ExtraWorkerArgs...)
		logPath := filepath.Join(r.cfg.LogDir, name+".log")
		f, err := os.Create(logPath)
		if err != nil {
			return err
		}
		w, err := r.cfg.StartWorker(ctx, name, args, f)
		if err != nil {
			_ = f.Close()
			return err
		}
		go func() { <-w.Exited(); _ = f.Close() }()
		r.workers = append(r.workers, w)
		r.addrs = append(r.addrs, addr)
	}
	r.logf("workers: %d started (logs in %s)", len(r.workers), r.cfg.LogDir)
	wctx, cancel := context.WithTimeout(ctx, 3*time.Minute)
	defer cancel()
	for {
		n := 0
		for _, a := range r.addrs {
			if ready(wctx, a) {
				n++
			}
		}
		members, parts, err := groupAssigned(wctx, r.client, r.names.pipelineGroup, r.names.topic)
		if n == len(r.addrs) && err == nil && members == r.cfg.Workers && parts == r.cfg.Partitions {
			break
		}
		if err := r.workersAlive(); err != nil {
			return err
		}
		select {
		case <-wctx.Done():
			return fmt.Errorf("workers not ready in the group after %v: %d of %d ready, %d members with %d partitions", time.Since(t0).Round(time.Second), n, len(r.addrs), members, parts)
		case <-time.After(200 * time.Millisecond):
		}
	}
	r.rep.Setup = time.Since(t0)
	r.logf("workers: ready, group %s stable with %d members and %d partitions after %.1fs", r.names.pipelineGroup, r.cfg.Workers, r.cfg.Partitions, r.rep.Setup.Seconds())
	return nil
}

func (r *run) workersAlive() error {
	for _, w := range r.workers {
		select {
		case <-w.Exited():
			return fmt.Errorf("%s exited: %v (log in %s)", w.Name(), w.Err(), r.cfg.LogDir)
		default:
		}
	}
	return nil
}

func (r *run) stopWorkers() {
	for _, w := range r.workers {
		if err := w.Stop(time.Minute); err != nil {
			r.logf("stop %s: %v", w.Name(), err)
		}
	}
	r.workers = nil
}

// publisher is the producer's writer (acks=all, zstd, Murmur2 keys).
func (r *run) publisher() (*publish.Publisher, error) {
	return publish.New(publish.Config{Brokers: r.cfg.Brokers, Topic: r.names.topic, Transport: r.cfg.Transport}, nil, nil)
}

// produce writes raws with received_at stamped per chunk, and returns how
// long it took.
func (r *run) produce(ctx context.Context, raws []article.RawArticle) (time.Duration, error) {
	p, err := r.publisher()
	if err != nil {
		return 0, err
	}
	defer p.Close()
	start := time.Now()
	const chunk = 1000
	items := make([]publish.Item, 0, chunk)
	for i := 0; i < len(raws); i += chunk {
		if err := ctx.Err(); err != nil {
			return 0, err
		}
		items = items[:0]
		now := time.Now().UTC().Format(time.RFC3339Nano)
		for _, a := range raws[i:min(i+chunk, len(raws))] {
			a.ReceivedAt = now
			items = append(items, publish.Item{Article: a, Origin: publish.OriginPush})
		}
		if err := p.Publish(ctx, items); err != nil {
			return 0, fmt.Errorf("produce: %w", err)
		}
	}
	d := time.Since(start)
	r.rep.Produce = Phase{Ran: true, Articles: len(raws), Duration: d, Load: LoadAverage()}
	for _, a := range raws {
		r.rep.Produce.Bytes += Size(a)
	}
	r.logf("produce: %d articles written in %.1fs (%.0f/s)", len(raws), d.Seconds(), r.rep.Produce.ArticlesPerSecond())
	return d, nil
}

// pipelinePhase produces N articles to the topic the ready workers
// consume, and times from the first write until all are searchable.
func (r *run) pipelinePhase(ctx context.Context, total int64) error {
	pctx, cancel := context.WithTimeout(ctx, r.cfg.PhaseTimeout)
	defer cancel()
	cpu0, _ := esCPU(pctx, r.cfg.ES)
	start := time.Now()
	if r.cfg.OnPipeline != nil {
		r.cfg.OnPipeline(true)
	}
	produced := make(chan error, 1)
	go func() {
		_, err := r.produce(pctx, r.raws)
		produced <- err
	}()
	deadLettered := func(n int) bool {
		// Dead-lettered articles never become searchable.
		dl := r.workerMetric(pctx, "newsflow_consumer_messages_total", "result=dead_lettered")
		return dl > 0 && n+int(dl) >= len(r.raws)
	}
	n, err := r.waitCount(pctx, PhasePipeline, r.names.pipelineAlias, len(r.raws), start, deadLettered)
	if r.cfg.OnPipeline != nil {
		r.cfg.OnPipeline(false)
	}
	if perr := <-produced; perr != nil {
		return perr
	}
	if err != nil {
		return err
	}
	r.rep.Pipeline = Phase{Ran: true, Articles: n, Bytes: total * int64(n) / int64(len(r.raws)), Duration: time.Since(start), Load: LoadAverage()}
	if cpu1, err := esCPU(pctx, r.cfg.ES); err == nil && cpu0 > 0 {
		r.rep.Pipeline.ESCPU = cpu1 - cpu0
	}
	r.logf("pipeline: %d documents searchable in %.1fs: %.0f articles/s (Elasticsearch CPU %.1fs)", n,
		r.rep.Pipeline.Duration.Seconds(), r.rep.Pipeline.ArticlesPerSecond(), r.rep.Pipeline.ESCPU.Seconds())
	if n < len(r.raws) {
		r.logf("pipeline: %d articles were dead-lettered (see the workers' logs)", len(r.raws)-n)
	}
	return nil
}

// workerMetric sums a metric over the workers (0 for those that do not
// answer).
func (r *run) workerMetric(ctx context.Context, name string, match ...string) float64 {
	total := 0.0
	for _, a := range r.addrs {
		if m, err := scrape(ctx, a); err == nil {
			total += m.Sum(name, match...)
		}
	}
	return total
}

// latencyPhase produces at a fixed rate for LatencyDuration and measures,
// for a sample of the articles, receipt → first seen by a search.
func (r *run) latencyPhase(ctx context.Context) error {
	rate := r.cfg.LatencyRate
	if rate == 0 {
		rate = r.cfg.LatencyFraction * r.rep.Pipeline.ArticlesPerSecond()
	}
	total := int(rate * r.cfg.LatencyDuration.Seconds())
	if total < 1 {
		return fmt.Errorf("rate %.1f/s for %v is no article", rate, r.cfg.LatencyDuration)
	}
	every := max(1, int(rate/latencySamplesPerSecond))
	raws := Cycle(r.cfg.Corpora, r.cfg.Articles+total, r.rep.Run[len(r.cfg.Prefix)+1:]+"l")[r.cfg.Articles:]
	lat := &r.rep.Latency
	lat.Ran, lat.Rate = true, rate
	r.logf("latency: producing %d articles at %.0f/s (%.0f%% of the pipeline's throughput) for %v; polling every %d-th for visibility",
		total, rate, 100*rate/max(r.rep.Pipeline.ArticlesPerSecond(), 1), r.cfg.LatencyDuration, every)
	p, err := r.publisher()
	if err != nil {
		return err
	}
	defer p.Close()
	pctx, cancel := context.WithTimeout(ctx, r.cfg.PhaseTimeout)
	defer cancel()

	var mu sync.Mutex
	pending := map[string]time.Time{}
	var lats []time.Duration
	sendDone := make(chan error, 1)
	go func() {
		start := time.Now()
		t := time.NewTicker(20 * time.Millisecond)
		defer t.Stop()
		sent := 0
		for sent < total {
			select {
			case <-pctx.Done():
				sendDone <- pctx.Err()
				return
			case <-t.C:
			}
			due := min(total, int(rate*time.Since(start).Seconds()))
			if due <= sent {
				continue
			}
			stamp := time.Now()
			at := stamp.UTC().Format(time.RFC3339Nano)
			items := make([]publish.Item, 0, due-sent)
			var ids []string
			for i := sent; i < due; i++ {
				a := raws[i]
				a.ReceivedAt = at
				items = append(items, publish.Item{Article: a, Origin: publish.OriginPush})
				if i%every == 0 {
					ids = append(ids, a.ID)
				}
			}
			mu.Lock()
			for _, id := range ids {
				pending[id] = stamp
			}
			mu.Unlock()
			if err := p.Publish(pctx, items); err != nil {
				sendDone <- err
				return
			}
			sent = due
		}
		lat.Sent = sent
		sendDone <- nil
	}()

	sending := true
	lastLog := time.Now()
	for {
		if sending {
			select {
			case err := <-sendDone:
				if err != nil {
					return err
				}
				sending = false
			default:
			}
		}
		mu.Lock()
		ids := make([]string, 0, len(pending))
		for id := range pending {
			ids = append(ids, id)
		}
		mu.Unlock()
		if !sending && len(ids) == 0 {
			break
		}
		if len(ids) > 0 {
			sort.Strings(ids)
			ids = ids[:min(len(ids), 2000)]
			seen, err := esSearchIDs(pctx, r.cfg.ES, r.names.pipelineAlias, ids)
			now := time.Now()
			if err == nil {
				mu.Lock()
				for _, id := range seen {
					if t, ok := pending[id]; ok {
						lats = append(lats, now.Sub(t))
						delete(pending, id)
					}
				}
				mu.Unlock()
			}
		}
		if err := r.workersAlive(); err != nil {
			return err
		}
		if time.Since(lastLog) >= 5*time.Second {
			mu.Lock()
			r.logf("latency: %d samples seen, %d pending, load %s", len(lats), len(pending), LoadString(LoadAverage()))
			mu.Unlock()
			lastLog = time.Now()
		}
		select {
		case <-pctx.Done():
			mu.Lock()
			lat.Missing = len(pending)
			mu.Unlock()
			if sending {
				return pctx.Err()
			}
			r.logf("latency: %d samples never became searchable", lat.Missing)
			goto done
		case <-time.After(latencyPoll):
		}
	}
done:
	lat.Samples = len(lats) + lat.Missing
	lat.Load = LoadAverage()
	if len(lats) > 0 {
		slices.Sort(lats)
		lat.P50 = quantile(lats, 0.50)
		lat.P99 = quantile(lats, 0.99)
		lat.Max = lats[len(lats)-1]
	}
	r.logf("latency: %d samples: p50 %v, p99 %v, max %v", len(lats), lat.P50.Round(time.Millisecond), lat.P99.Round(time.Millisecond), lat.Max.Round(time.Millisecond))
	return nil
}

// quantile of sorted durations (nearest rank).
func quantile(sorted []time.Duration, q float64) time.Duration {
	i := int(q*float64(len(sorted))+0.999999) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

func (r *run) readRSS() {
	for _, w := range r.workers {
		rss, err := w.PeakRSS()
		if err != nil {
			r.rep.RSSNote = err.Error()
		}
		r.rep.PeakRSS = append(r.rep.PeakRSS, rss)
	}
	var parts []string
	for i, v := range r.rep.PeakRSS {
		parts = append(parts, fmt.Sprintf("%s %.0f MB", r.workers[i].Name(), float64(v)/1e6))
	}
	r.logf("peak RSS: %s", strings.Join(parts, ", "))
}

// breakdown reads the workers' metrics (the whole life of the workers:
// the pipeline and latency phases).
func (r *run) breakdown(ctx context.Context) {
	b := &r.rep.Breakdown
	b.Stage = map[string]time.Duration{}
	b.StoreRequests = map[string]float64{}
	b.StoreTime = map[string]time.Duration{}
	secs := func(f float64) time.Duration { return time.Duration(f * float64(time.Second)) }
	for _, a := range r.addrs {
		m, err := scrape(ctx, a)
		if err != nil {
			continue
		}
		b.WorkerCPU += secs(m.Sum("process_cpu_seconds_total"))
		for _, s := range []string{pipeline.StageNormalize, pipeline.StageFigures, pipeline.StageDedup} {
			b.Stage[s] += secs(m.Sum("newsflow_stage_duration_seconds_sum", "stage="+s))
		}
		for _, op := range []string{esdedup.OpLookup, esdedup.OpClaim, esdedup.OpConflicts} {
			b.StoreRequests[op] += m.Sum("newsflow_dedup_store_requests_total", "op="+op)
			b.StoreTime[op] += secs(m.Sum("newsflow_dedup_store_request_duration_seconds_sum", "op="+op))
		}
		b.BulkRequests += m.Sum("newsflow_elasticsearch_bulk_duration_seconds_count")
		b.BulkTime += secs(m.Sum("newsflow_elasticsearch_bulk_duration_seconds_sum"))
		b.Fetched += m.Sum("newsflow_consumer_fetched_messages_total")
		b.DeadLettered += m.Sum("newsflow_consumer_messages_total", "result=dead_lettered")
	}
}

// consumePhase is baseline 2: one member of a fresh consumer group reads N
// messages of the topic from the start and commits, without processing.
func (r *run) consumePhase(ctx context.Context, total int64) error {
	pctx, cancel := context.WithTimeout(ctx, r.cfg.PhaseTimeout)
	defer cancel()
	start := time.Now()
	rd := kafka.NewReader(kafka.ReaderConfig{
		Brokers: r.cfg.Brokers, GroupID: r.names.rawGroup, Topic: r.names.topic, Dialer: r.cfg.Dialer,
		QueueCapacity: 1000, MinBytes: 1, MaxBytes: 10 << 20, MaxWait: 500 * time.Millisecond,
		CommitInterval: 0, StartOffset: kafka.FirstOffset,
	})
	defer rd.Close()
	last := map[int]kafka.Message{}
	var read int
	for read < len(r.raws) {
		m, err := rd.FetchMessage(pctx)
		if err != nil {
			return fmt.Errorf("after %d of %d messages: %w", read, len(r.raws), err)
		}
		last[m.Partition] = m
		read++
	}
	msgs := make([]kafka.Message, 0, len(last))
	for _, m := range last {
		msgs = append(msgs, m)
	}
	if err := rd.CommitMessages(pctx, msgs...); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	r.rep.Consume = Phase{Ran: true, Articles: read, Bytes: total, Duration: time.Since(start), Load: LoadAverage()}
	r.logf("consume: %d messages read and committed in %.1fs: %.0f/s", read, r.rep.Consume.Duration.Seconds(), r.rep.Consume.ArticlesPerSecond())
	return nil
}

// cleanup deletes what the run created.
func (r *run) cleanup() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_, _ = r.client.DeleteTopics(ctx, &kafka.DeleteTopicsRequest{Topics: []string{r.names.topic, r.names.topic + ".dlq"}})
	for _, alias := range []string{r.names.pipelineAlias, r.names.bulkAlias} {
		if _, err := esDo(ctx, r.cfg.ES, http.MethodDelete, "/"+alias+elastic.FirstIndexSuffix, nil); err != nil && !isNotFound(err) {
			r.logf("cleanup: %v", err)
		}
		if _, err := esDo(ctx, r.cfg.ES, http.MethodDelete, "/_index_template/"+alias, nil); err != nil && !isNotFound(err) {
			r.logf("cleanup: %v", err)
		}
	}
	if _, err := esDo(ctx, r.cfg.ES, http.MethodDelete, "/"+esdedup.StoreIndex(r.names.fingerprints), nil); err != nil && !isNotFound(err) {
		r.logf("cleanup: %v", err)
	}
	_, _ = r.client.DeleteGroups(ctx, &kafka.DeleteGroupsRequest{GroupIDs: []string{r.names.pipelineGroup, r.names.rawGroup}})
}
