package bench

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/newsflow/newsflow/index/esdedup"
	"github.com/newsflow/newsflow/pkg/article"
	"github.com/newsflow/newsflow/pkg/pipeline"
	"github.com/newsflow/newsflow/producers/publish"
	"github.com/segmentio/kafka-go"
)

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
	if err := r.launchWorkers(ctx); err != nil {
		return err
	}
	return r.awaitWorkers(ctx, t0)
}

// launchWorkers starts K worker processes (r.workers, r.addrs).
func (r *run) launchWorkers(ctx context.Context) error {
	for i := range r.cfg.Workers {
		addr, err := freeAddr()
		if err != nil {
			return err
		}
		name := "worker-" + strconv.Itoa(i+1)
		args := append([]string{"consume"}, r.cfg.WorkerArgs...)
		args = append(args,
			"--topic", r.names.topic, "--group", r.names.pipelineGroup,
			"--index", r.names.pipelineAlias, "--metrics-addr", addr,
			"--dedup-store", r.cfg.DedupStore)
		if r.cfg.DedupStore == DedupElasticsearch {
			args = append(args, "--dedup-index", r.names.fingerprints)
		} else {
			args = append(args, "--dedup-redis-addr", r.cfg.RedisAddr, "--dedup-redis-prefix", r.names.redisPrefix)
		}
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
	return nil
}

// awaitWorkers waits until the launched workers are ready and the group
// has assigned every partition; t0 is when they were launched.
func (r *run) awaitWorkers(ctx context.Context, t0 time.Time) error {
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
			return fmt.Errorf("%s exited: %w (log in %s)", w.Name(), w.Err(), r.cfg.LogDir)
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
	return publish.New(publish.Config{Brokers: r.cfg.Kafka.Brokers, Topic: r.names.topic, Transport: r.cfg.Kafka.Transport}, nil, nil)
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
// consume, and times from the first write until all are searchable. With
// Backlog the articles are produced first and the workers started after
// (see pipelineBacklog).
func (r *run) pipelinePhase(ctx context.Context, total int64) error {
	pctx, cancel := context.WithTimeout(ctx, r.cfg.PhaseTimeout)
	defer cancel()
	if r.cfg.Backlog {
		if _, err := r.produce(pctx, r.raws); err != nil {
			return err
		}
	}
	var redis0 redisStats
	if r.cfg.DedupStore == DedupRedis {
		var err error
		if redis0, err = readRedisStats(pctx, r.cfg.RedisAddr); err != nil {
			return err
		}
	}
	cpu0, _ := esCPU(pctx, r.cfg.ES)
	procs0 := r.cpuSnapshot()
	busy := r.sampleBusy()
	defer busy.halt()
	if r.cfg.OnPipeline != nil {
		r.cfg.OnPipeline(true)
	}
	var start time.Time
	produced := make(chan error, 1)
	if r.cfg.Backlog {
		var err error
		if start, err = r.consumeBacklog(pctx); err != nil {
			return err
		}
		produced <- nil
	} else {
		start = time.Now()
		go func() {
			_, err := r.produce(pctx, r.raws)
			produced <- err
		}()
	}
	n, err := r.waitCount(pctx, PhasePipeline, r.names.pipelineAlias, len(r.raws), start, r.deadLettered(pctx))
	end := time.Now()
	esCPUs, otherCPUs := r.cpuCounts()
	usage := busy.stop(start, end, esCPUs, otherCPUs)
	if r.cfg.OnPipeline != nil {
		r.cfg.OnPipeline(false)
	}
	if perr := <-produced; perr != nil {
		return perr
	}
	if err != nil {
		return err
	}
	r.rep.Pipeline = Phase{Ran: true, Articles: n, Bytes: total * int64(n) / int64(len(r.raws)), Duration: end.Sub(start), Load: LoadAverage(), Busy: usage}
	r.rep.Pipeline.Settle = r.settle(pctx, PhasePipeline, r.names.pipelineAlias)
	r.rep.Pipeline.CPU = r.cpuSince(procs0)
	if cpu1, err := esCPU(pctx, r.cfg.ES); err == nil && cpu0 > 0 {
		r.rep.Pipeline.ESCPU = cpu1 - cpu0
	}
	r.rep.Pipeline.preferProcCPU()
	r.rep.Pipeline.Stats, _ = esIndexStats(pctx, r.cfg.ES, r.names.pipelineAlias)
	r.logf("pipeline: %d documents searchable in %.1fs: %.0f articles/s (Elasticsearch CPU %.1fs; %s)", n,
		r.rep.Pipeline.Duration.Seconds(), r.rep.Pipeline.ArticlesPerSecond(), r.rep.Pipeline.ESCPU.Seconds(), cpuString(r.rep.Pipeline.CPU))
	r.logf("pipeline: busy over the window: %s", usage)
	if r.cfg.DedupStore == DedupRedis {
		if redis1, err := readRedisStats(pctx, r.cfg.RedisAddr); err == nil {
			m := &r.rep.Redis
			m.Ran, m.Bytes, m.Keys = true, redis1.UsedMemory-redis0.UsedMemory, redis1.Keys-redis0.Keys
			m.Paragraphs = r.workerMetric(pctx, "newsflow_paragraphs_total")
			m.Unique = r.workerMetric(pctx, "newsflow_paragraphs_total", "status="+string(article.StatusUnique))
			r.logf("pipeline: redis holds %+d keys, %+.1f MB for %.0f paragraphs (%.0f unique): %.2f GB per million paragraphs, %.2f GB per million unique ones",
				m.Keys, float64(m.Bytes)/1e6, m.Paragraphs, m.Unique, m.BytesPerMillionParagraphs()/1e9, m.BytesPerMillionUnique()/1e9)
		}
	}
	if n < len(r.raws) {
		r.logf("pipeline: %d articles were dead-lettered (see the workers' logs)", len(r.raws)-n)
	}
	return nil
}

// deadLettered returns waitCount's done: whether the articles not yet
// searchable were all dead-lettered (they never become searchable). It
// scrapes the workers only once the count has stopped rising, so that the
// scrapes (Prometheus' text of every series, on the workers' CPU) do not
// load the phase they time.
func (r *run) deadLettered(ctx context.Context) func(n int) bool {
	last := -1
	return func(n int) bool {
		if n != last {
			last = n
			return false
		}
		dl := r.workerMetric(ctx, "newsflow_consumer_messages_total", "result=dead_lettered")
		return dl > 0 && n+int(dl) >= len(r.raws)
	}
}

// consumeBacklog starts the workers on the topic that holds the N
// articles already, and returns when the first of them fetched its first
// message: the pipeline's clock starts there. The workers' /metrics
// (newsflow_consumer_fetched_messages_total) is polled every
// backlogPoll from their launch; their metrics server listens before
// they join the group, so the first scrapes read 0. If no scrape read 0
// (the start was missed), the clock starts at the launch, which counts
// the process start and the group join against the pipeline.
func (r *run) consumeBacklog(ctx context.Context) (time.Time, error) {
	launched := time.Now()
	if err := r.launchWorkers(ctx); err != nil {
		return time.Time{}, err
	}
	first := make(chan time.Time, 1)
	wctx, stop := context.WithCancel(ctx)
	defer stop()
	go func() {
		sawZero := false
		for wctx.Err() == nil {
			for _, a := range r.addrs {
				m, err := scrape(wctx, a)
				if err != nil {
					continue
				}
				if m.Sum("newsflow_consumer_fetched_messages_total") == 0 {
					sawZero = true
					continue
				}
				at := time.Now()
				if !sawZero {
					r.logf("pipeline: the workers had fetched before the first scrape; the clock starts at their launch")
					at = launched
				}
				first <- at
				return
			}
			select {
			case <-wctx.Done():
			case <-time.After(backlogPoll):
			}
		}
	}()
	if err := r.awaitWorkers(ctx, launched); err != nil {
		return time.Time{}, err
	}
	select {
	case at := <-first:
		r.logf("pipeline: the workers fetched their first message %.2fs after their launch", at.Sub(launched).Seconds())
		return at, nil
	case <-ctx.Done():
		return time.Time{}, ctx.Err()
	}
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
		b.StoreErrors += m.Sum("newsflow_dedup_store_requests_total", "result=error")
		b.KeysCreated += m.Sum("newsflow_dedup_store_keys_total", "result=created")
		b.KeysConflict += m.Sum("newsflow_dedup_store_keys_total", "result=conflict")
		b.BulkRequests += m.Sum("newsflow_elasticsearch_bulk_duration_seconds_count")
		b.BulkTime += secs(m.Sum("newsflow_elasticsearch_bulk_duration_seconds_sum"))
		b.Fetched += m.Sum("newsflow_consumer_fetched_messages_total")
		b.DeadLettered += m.Sum("newsflow_consumer_messages_total", "result=dead_lettered")
	}
}
