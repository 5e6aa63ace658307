// Package consumers is the consumer worker of newsflow: it fetches raw
// articles from Kafka in a consumer group, runs the stages of pkg/pipeline,
// bulk-indexes the documents into Elasticsearch and dead-letters what cannot
// be processed, committing offsets only behind work that is done.
//
// # Delivery
//
// At-least-once from Kafka to Elasticsearch, effectively exactly-once in the
// index (DESIGN.md): a message is done when its document is indexed (or
// skipped as an older version) or when it is stored in the dead-letter
// topic; the offset committed for a partition is always the end of the
// contiguous run of done messages (package offsets), so a crash, a missed
// shutdown deadline or a rebalance can repeat work but never skip it. A
// repeated message rewrites the same document: its _id is the article id and
// its external version the story's own update time.
//
// # Flow and backpressure
//
//	fetch ──► batch (count, bytes, time) ──► stages, one goroutine per partition
//	      ──► dead letters (undecodable, invalid, permanent stage errors)
//	      ──► bulk index, at most MaxInFlight at once ──► dead letters (rejected)
//	commit loop: every CommitInterval, the watermark of every partition
//
// Retryable failures (the dedup store, Elasticsearch 429/5xx and connection
// errors, the dead-letter producer) are retried with capped exponential
// backoff and jitter for as long as it takes. While they are, batches stop
// moving, the fetch channel fills and fetching pauses: memory stays bounded
// by (MaxInFlight+1) batches plus kafka-go's queue.
//
// Stages run in fetch order within a partition (the dedup decisions depend
// on what came before); partitions run in parallel.
//
// # Shutdown
//
// When the context given to Run ends: fetching stops, the fetched messages
// are processed, bulk requests finish, dead letters are written, and the
// watermark is committed. Retries stop at ShutdownTimeout: what is not done
// by then is abandoned, not committed, and delivered again after a restart.
// The caller marks the process not ready before and closes the clients
// after.
package consumers

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/segmentio/kafka-go"

	"github.com/newsflow/newsflow/consumers/backoff"
	"github.com/newsflow/newsflow/consumers/dlq"
	"github.com/newsflow/newsflow/consumers/offsets"
	"github.com/newsflow/newsflow/pkg/article"
	"github.com/newsflow/newsflow/pkg/pipeline"
)

// Fetcher is the part of *kafka.Reader (with a GroupID, CommitInterval 0)
// the worker uses.
type Fetcher interface {
	FetchMessage(ctx context.Context) (kafka.Message, error)
	CommitMessages(ctx context.Context, msgs ...kafka.Message) error
}

// Processor runs the stages on one raw article (*pipeline.Pipeline). An
// error that is a *pipeline.Error with Permanent set dead-letters the
// message; any other error is retried.
type Processor interface {
	Process(ctx context.Context, raw article.RawArticle) (article.Article, error)
}

// BatchProcessor is a Processor that also runs the stages on a partition's
// run of articles at once, in order (*pipeline.Pipeline): the dedup store's
// round trips are then shared by the run instead of paid per article.
// errs[i] is nil when arts[i] is done; a *pipeline.Error with Permanent set
// dead-letters the message; any other error means that raws[i] and every
// later one were not processed, and the worker processes them one by one
// (with retries) from there.
type BatchProcessor interface {
	Processor
	ProcessBatch(ctx context.Context, raws []article.RawArticle) (arts []article.Article, errs []error)
}

// DeadLetters stores dead letters (*dlq.Producer); nil error means all are
// acknowledged.
type DeadLetters interface {
	Send(ctx context.Context, letters []dlq.Letter) error
}

// Defaults of Config.
const (
	DefaultBatchSize      = 500
	DefaultBatchBytes     = 5 << 20
	DefaultFlushInterval  = time.Second
	DefaultMaxInFlight    = 2
	DefaultCommitInterval = time.Second
	DefaultCommitTimeout  = 10 * time.Second
	// DefaultShutdownTimeout leaves room for the final commit and the
	// leave-group within Kubernetes' default 30 s grace period.
	DefaultShutdownTimeout = 20 * time.Second
	// DefaultParallelism: a partition's stages wait on the shared dedup
	// store (two lookups and a claim per batch, see BatchProcessor), so
	// more partitions than CPUs run at once.
	DefaultParallelism = 16
)

// Config tunes a Worker. Zero values take the defaults.
type Config struct {
	// Topic is the raw topic (offsets are committed on it). Required.
	Topic string
	// BatchSize is the most messages per bulk request. Larger batches
	// index faster and use more memory. Default: 500.
	BatchSize int
	// BatchBytes is the most message bytes per batch (documents are about
	// the size of the messages). Default: 5 MiB.
	BatchBytes int
	// FlushInterval is the longest a batch waits to fill before it is
	// processed anyway; it bounds the latency a quiet topic adds.
	// Default: 1s.
	FlushInterval time.Duration
	// MaxInFlight is the number of bulk requests in flight at once;
	// processing of the next batch overlaps with them. Default: 2.
	MaxInFlight int
	// Parallelism is the number of partitions whose messages are
	// processed at once (in order within each). Default: 16.
	Parallelism int
	// CommitInterval is how often done offsets are committed. Shorter
	// means fewer repeats after a crash and more commit requests.
	// Default: 1s.
	CommitInterval time.Duration
	// CommitTimeout bounds one commit. Default: 10s.
	CommitTimeout time.Duration
	// ShutdownTimeout is how long in-flight work may take to finish once
	// Run's context ends; then retries stop and unfinished messages are
	// left for redelivery. Default: 20s.
	ShutdownTimeout time.Duration
	// Backoff spaces retries of the stages and of dead letters.
	// Default: 100ms doubling to 30s.
	Backoff backoff.Policy
}

func (c Config) withDefaults() Config {
	set := func(p *int, d int) {
		if *p == 0 {
			*p = d
		}
	}
	setD := func(p *time.Duration, d time.Duration) {
		if *p == 0 {
			*p = d
		}
	}
	set(&c.BatchSize, DefaultBatchSize)
	set(&c.BatchBytes, DefaultBatchBytes)
	set(&c.MaxInFlight, DefaultMaxInFlight)
	set(&c.Parallelism, DefaultParallelism)
	setD(&c.FlushInterval, DefaultFlushInterval)
	setD(&c.CommitInterval, DefaultCommitInterval)
	setD(&c.CommitTimeout, DefaultCommitTimeout)
	setD(&c.ShutdownTimeout, DefaultShutdownTimeout)
	setD(&c.Backoff.Min, backoff.DefaultMin)
	setD(&c.Backoff.Max, backoff.DefaultMax)
	return c
}

// Validate names the first setting out of range.
func (c Config) Validate() error {
	switch {
	case c.Topic == "":
		return errors.New("consumer: Topic is empty")
	case c.BatchSize < 0:
		return fmt.Errorf("consumer: batch size %d is negative", c.BatchSize)
	case c.BatchBytes < 0:
		return fmt.Errorf("consumer: batch bytes %d is negative", c.BatchBytes)
	case c.MaxInFlight < 0:
		return fmt.Errorf("consumer: max in flight %d is negative", c.MaxInFlight)
	case c.Parallelism < 0:
		return fmt.Errorf("consumer: parallelism %d is negative", c.Parallelism)
	case c.FlushInterval < 0, c.CommitInterval < 0, c.CommitTimeout < 0, c.ShutdownTimeout < 0:
		return errors.New("consumer: flush interval, commit interval, commit timeout and shutdown timeout must not be negative")
	case c.Backoff.Min < 0 || c.Backoff.Max < 0:
		return errors.New("consumer: backoff durations must not be negative")
	case c.Backoff.Min > 0 && c.Backoff.Max > 0 && c.Backoff.Min > c.Backoff.Max:
		return fmt.Errorf("consumer: backoff minimum %v is above the maximum %v", c.Backoff.Min, c.Backoff.Max)
	}
	return nil
}

// Options are the worker's collaborators.
type Options struct {
	Fetcher     Fetcher
	Processor   Processor
	Indexer     Indexer
	DeadLetters DeadLetters
	// Logger: default discard. Registerer: nil means no metrics.
	Logger     *slog.Logger
	Registerer prometheus.Registerer
	// Now stamps indexed_at. Default: time.Now.
	Now func() time.Time
}

// Worker is one consumer: Run it once.
type Worker struct {
	cfg     Config
	o       Options
	log     *slog.Logger
	tracker *offsets.Tracker
	metrics *metrics

	commitMu sync.Mutex
	running  atomic.Bool
}

// New returns a Worker.
func New(cfg Config, o Options) (*Worker, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if o.Fetcher == nil || o.Processor == nil || o.Indexer == nil || o.DeadLetters == nil {
		return nil, errors.New("consumer: Fetcher, Processor, Indexer and DeadLetters are required")
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	w := &Worker{cfg: cfg.withDefaults(), o: o, log: o.Logger, tracker: offsets.New()}
	w.metrics = newMetrics(o.Registerer, w.tracker)
	return w, nil
}

// job is one fetched message on its way.
type job struct {
	msg      kafka.Message
	tk       offsets.Ticket
	art      article.Article
	received time.Time
	letter   *dlq.Letter
	// abandoned: retries were cut by the shutdown deadline.
	abandoned bool
}

// Run consumes until ctx ends, then shuts down as the package doc says. It
// returns nil after an orderly stop, or the error that stopped it early
// (the reader was closed under it).
func (w *Worker) Run(ctx context.Context) error {
	if !w.running.CompareAndSwap(false, true) {
		return errors.New("consumer: Run called twice")
	}
	fetchCtx, stopFetch := context.WithCancel(context.WithoutCancel(ctx))
	workCtx, abandon := context.WithCancel(context.WithoutCancel(ctx))
	defer stopFetch()
	defer abandon()

	in := make(chan *job, w.cfg.BatchSize)
	fetchErr := make(chan error, 1)
	go func() { fetchErr <- w.fetch(fetchCtx, in) }()

	stopped := make(chan struct{})
	commitsDone := make(chan struct{})
	go func() {
		defer close(commitsDone)
		w.commitLoop(stopped)
	}()
	watchDone := make(chan struct{})
	go func() {
		defer close(watchDone)
		select {
		case <-stopped:
			return
		case <-ctx.Done():
		}
		w.log.Info("consumer stopping: fetching stopped, finishing in-flight work", "deadline", w.cfg.ShutdownTimeout, "pending", w.tracker.Pending())
		stopFetch()
		t := time.NewTimer(w.cfg.ShutdownTimeout)
		defer t.Stop()
		select {
		case <-stopped:
		case <-t.C:
			w.log.Warn("shutdown deadline passed: abandoning unfinished work (it will be delivered again)", "pending", w.tracker.Pending())
			abandon()
		}
	}()

	sem := make(chan struct{}, w.cfg.MaxInFlight)
	var inflight sync.WaitGroup
	for {
		batch, more := w.collect(in)
		if len(batch) > 0 {
			w.handle(workCtx, batch, sem, &inflight)
		}
		if !more {
			break
		}
	}
	inflight.Wait()
	close(stopped)
	<-commitsDone
	<-watchDone

	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), w.cfg.CommitTimeout)
	defer cancel()
	if err := w.commit(cctx); err != nil {
		w.log.Error("final commit failed: the uncommitted messages will be delivered again", "err", err)
	}
	if n := w.tracker.Pending(); n > 0 {
		w.log.Warn("consumer stopped with unfinished messages; they were not committed", "unfinished", n)
	} else {
		w.log.Info("consumer stopped; all fetched messages done and committed")
	}
	err := <-fetchErr
	if ctx.Err() != nil {
		return nil
	}
	return err
}

// fetch feeds in until ctx ends or the reader is closed.
func (w *Worker) fetch(ctx context.Context, in chan<- *job) error {
	defer close(in)
	attempt := 0
	for ctx.Err() == nil {
		m, err := w.o.Fetcher.FetchMessage(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			if errors.Is(err, io.EOF) {
				return errors.New("consumer: the Kafka reader was closed")
			}
			w.metrics.retries.WithLabelValues(retryFetch).Inc()
			w.log.Warn("fetch from kafka failed; retrying (is the broker reachable?)", "topic", w.cfg.Topic, "attempt", attempt+1, "err", err)
			if w.cfg.Backoff.Wait(ctx, attempt, 0) != nil {
				return nil
			}
			attempt++
			continue
		}
		attempt = 0
		j := &job{msg: m, tk: w.tracker.Add(m.Partition, m.Offset)}
		w.metrics.fetched.Inc()
		// A blocking send even when ctx ended meanwhile: a fetched message
		// is in-flight work, and Run drains in until it is closed.
		in <- j
	}
	return nil
}

// collect waits for a first job, then gathers more until the batch is full
// by count or bytes or FlushInterval has passed. more is false once in is
// closed and drained.
func (w *Worker) collect(in <-chan *job) (batch []*job, more bool) {
	j, ok := <-in
	if !ok {
		return nil, false
	}
	batch = append(batch, j)
	size := len(j.msg.Value)
	t := time.NewTimer(w.cfg.FlushInterval)
	defer t.Stop()
	for len(batch) < w.cfg.BatchSize && size < w.cfg.BatchBytes {
		select {
		case j, ok := <-in:
			if !ok {
				return batch, false
			}
			batch = append(batch, j)
			size += len(j.msg.Value)
		case <-t.C:
			return batch, true
		}
	}
	return batch, true
}

// handle runs the stages on a batch, dead-letters what failed and starts
// the bulk request, waiting while MaxInFlight requests are running.
func (w *Worker) handle(ctx context.Context, batch []*job, sem chan struct{}, inflight *sync.WaitGroup) {
	w.metrics.batchSize.Observe(float64(len(batch)))
	byPart := map[int][]*job{}
	var order []int
	for _, j := range batch {
		if _, ok := byPart[j.msg.Partition]; !ok {
			order = append(order, j.msg.Partition)
		}
		byPart[j.msg.Partition] = append(byPart[j.msg.Partition], j)
	}
	par := make(chan struct{}, w.cfg.Parallelism)
	var wg sync.WaitGroup
	for _, p := range order {
		jobs := byPart[p]
		wg.Add(1)
		par <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-par }()
			from := 0
			if bp, ok := w.o.Processor.(BatchProcessor); ok && len(jobs) > 1 {
				from = w.prepareBatch(ctx, bp, jobs)
			}
			for k := from; k < len(jobs); k++ {
				j := jobs[k]
				w.prepare(ctx, j)
				if j.abandoned {
					// Order matters within a partition: stop here.
					for _, rest := range jobs[k+1:] {
						rest.abandoned = true
					}
					return
				}
			}
		}()
	}
	wg.Wait()

	var letters, docs []*job
	for _, j := range batch {
		switch {
		case j.abandoned:
		case j.letter != nil:
			letters = append(letters, j)
		default:
			docs = append(docs, j)
		}
	}
	w.deadLetter(ctx, letters)
	if len(docs) == 0 {
		return
	}
	select {
	case sem <- struct{}{}:
	case <-ctx.Done():
		return // abandoned
	}
	inflight.Add(1)
	go func() {
		defer inflight.Done()
		defer func() { <-sem }()
		w.index(ctx, docs)
	}()
}

// prepareBatch decodes and validates the jobs of one partition and runs the
// stages on the valid ones at once. It returns the index of the first job
// left for prepare: len(jobs) when all are done, else the first job whose
// processing failed in a way worth retrying (it and the jobs after it are
// reset and go through prepare, one by one, in order).
func (w *Worker) prepareBatch(ctx context.Context, bp BatchProcessor, jobs []*job) (from int) {
	raws := make([]article.RawArticle, 0, len(jobs))
	idx := make([]int, 0, len(jobs))
	for k, j := range jobs {
		if raw, ok := w.decode(j); ok {
			raws = append(raws, raw)
			idx = append(idx, k)
		}
	}
	if len(raws) == 0 {
		return len(jobs)
	}
	arts, errs, ok := w.processBatch(ctx, bp, raws)
	if !ok {
		// A stage panicked somewhere in the batch: find the culprit one by
		// one (prepare dead-letters it and processes the others).
		return w.resetFrom(jobs, 0)
	}
	for n, k := range idx {
		j := jobs[k]
		if errs[n] == nil {
			a := arts[n]
			if a.ID == "" {
				a.ID = raws[n].DeriveID()
			}
			j.art = a
			continue
		}
		var pe *pipeline.Error
		if errors.As(errs[n], &pe) && pe.Permanent {
			j.letter = w.letterFor(j, pe.Stage, errs[n].Error())
			continue
		}
		return w.resetFrom(jobs, k)
	}
	return len(jobs)
}

// resetFrom clears what prepareBatch set on jobs[k:] and returns k.
func (w *Worker) resetFrom(jobs []*job, k int) int {
	for _, j := range jobs[k:] {
		j.art, j.letter, j.received = article.Article{}, nil, time.Time{}
	}
	return k
}

// processBatch runs the BatchProcessor; ok is false when it panicked.
func (w *Worker) processBatch(ctx context.Context, bp BatchProcessor, raws []article.RawArticle) (arts []article.Article, errs []error, ok bool) {
	defer func() {
		if r := recover(); r != nil {
			w.log.Warn("stage panicked in a batch; processing its messages one by one", "messages", len(raws), "panic", fmt.Sprint(r))
			ok = false
		}
	}()
	arts, errs = bp.ProcessBatch(ctx, raws)
	return arts, errs, len(arts) == len(raws) && len(errs) == len(raws)
}

// decode decodes and validates a message, setting j.received, or j.letter
// when it cannot be processed.
func (w *Worker) decode(j *job) (article.RawArticle, bool) {
	v := j.msg.Value
	if !utf8.Valid(v) {
		j.letter = w.letterFor(j, dlq.StageDecode, fmt.Sprintf("value is not valid UTF-8 (first bad byte at offset %d): a RawArticle must be UTF-8 JSON (RFC 8259); the producer must transcode", firstInvalid(v)))
		return article.RawArticle{}, false
	}
	var raw article.RawArticle
	if err := json.Unmarshal(v, &raw); err != nil {
		j.letter = w.letterFor(j, dlq.StageDecode, "decode RawArticle JSON: "+err.Error())
		return raw, false
	}
	if err := raw.Validate(); err != nil {
		j.letter = w.letterFor(j, dlq.StageValidate, err.Error())
		return raw, false
	}
	j.received = j.msg.Time
	if raw.ReceivedAt != "" {
		if t, err := time.Parse(time.RFC3339Nano, raw.ReceivedAt); err == nil {
			j.received = t
		}
	}
	return raw, true
}

// prepare decodes and validates a message and runs the stages, setting
// j.art, or j.letter for a permanent failure, or j.abandoned when ctx ended
// while a retryable failure was being retried.
func (w *Worker) prepare(ctx context.Context, j *job) {
	raw, ok := w.decode(j)
	if !ok {
		return
	}
	for attempt := 0; ; attempt++ {
		a, err := w.process(ctx, raw)
		if err == nil {
			if a.ID == "" {
				a.ID = raw.DeriveID()
			}
			j.art = a
			return
		}
		var pe *pipeline.Error
		if errors.As(err, &pe) && pe.Permanent {
			j.letter = w.letterFor(j, pe.Stage, err.Error())
			return
		}
		stage := "pipeline"
		if pe != nil {
			stage = pe.Stage
		}
		w.metrics.retries.WithLabelValues(stage).Inc()
		if attempt == 0 || attempt%10 == 0 {
			w.log.Warn("stage failed; retrying", "stage", stage, "topic", j.msg.Topic, "partition", j.msg.Partition, "offset", j.msg.Offset, "attempt", attempt+1, "err", err)
		}
		if ctx.Err() != nil || w.cfg.Backoff.Wait(ctx, attempt, 0) != nil {
			j.abandoned = true
			return
		}
	}
}

// process runs the Processor, turning a panic into a permanent error: a
// message that crashes a stage would otherwise crash every worker that
// fetches it, forever.
func (w *Worker) process(ctx context.Context, raw article.RawArticle) (a article.Article, err error) {
	defer func() {
		if r := recover(); r != nil {
			w.metrics.panics.Inc()
			err = &pipeline.Error{Stage: dlq.StagePipeline, Permanent: true, Err: fmt.Errorf("panic: %v", r)}
		}
	}()
	return w.o.Processor.Process(ctx, raw)
}

func (w *Worker) letterFor(j *job, stage, reason string) *dlq.Letter {
	w.log.Warn("message dead-lettered", "stage", stage, "topic", j.msg.Topic, "partition", j.msg.Partition, "offset", j.msg.Offset, "reason", reason)
	return &dlq.Letter{Msg: j.msg, Stage: stage, Reason: reason}
}

func firstInvalid(b []byte) int {
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n <= 1 {
			return i
		}
		i += n
	}
	return -1
}

// index bulk-indexes the jobs' articles and finishes each by its outcome.
func (w *Worker) index(ctx context.Context, jobs []*job) {
	now := w.o.Now().UTC().Format(time.RFC3339)
	docs := make([]Doc, 0, len(jobs))
	sent := make([]*job, 0, len(jobs))
	var letters []*job
	for _, j := range jobs {
		j.art.IndexedAt = now
		src, err := json.Marshal(j.art)
		if err != nil {
			j.letter = w.letterFor(j, dlq.StageIndex, "encode document: "+err.Error())
			letters = append(letters, j)
			continue
		}
		docs = append(docs, Doc{
			ID:      j.art.ID,
			Version: j.art.Version(),
			Source:  src,
		})
		// The document is its JSON from here on: the article (several
		// copies of the text in paragraphs, body and figures) need not
		// wait for Elasticsearch's answer.
		j.art = article.Article{}
		sent = append(sent, j)
	}
	if len(docs) > 0 {
		results := w.o.Indexer.Index(ctx, docs)
		done := w.o.Now()
		for i, r := range results {
			j := sent[i]
			switch r.Outcome {
			case Indexed:
				w.finish(j, ResultIndexed)
				if !j.received.IsZero() {
					w.metrics.latency.Observe(done.Sub(j.received).Seconds())
				}
			case SkippedOlder:
				w.finish(j, ResultSkippedOlder)
			case Rejected:
				j.letter = w.letterFor(j, dlq.StageIndex, r.Reason)
				letters = append(letters, j)
			default:
				// Unfinished: not done, not committed, delivered again.
			}
		}
	}
	w.deadLetter(ctx, letters)
}

// deadLetter stores the jobs' letters, retrying until ctx ends, and
// finishes them.
func (w *Worker) deadLetter(ctx context.Context, jobs []*job) {
	if len(jobs) == 0 {
		return
	}
	letters := make([]dlq.Letter, len(jobs))
	for i, j := range jobs {
		letters[i] = *j.letter
	}
	for attempt := 0; ; attempt++ {
		err := w.o.DeadLetters.Send(ctx, letters)
		if err == nil {
			break
		}
		if ctx.Err() != nil {
			return
		}
		w.metrics.retries.WithLabelValues(retryDLQ).Inc()
		w.log.Warn("write dead letters failed; retrying", "count", len(letters), "attempt", attempt+1, "err", err)
		if w.cfg.Backoff.Wait(ctx, attempt, 0) != nil {
			return
		}
	}
	for _, j := range jobs {
		w.finish(j, ResultDeadLettered)
	}
}

// finish marks a job done and counts it.
func (w *Worker) finish(j *job, result string) {
	if !w.tracker.Done(j.tk) {
		w.log.Debug("finished a message of a revoked partition session", "partition", j.msg.Partition, "offset", j.msg.Offset)
	}
	w.metrics.messages.WithLabelValues(result).Inc()
}

// commitLoop commits every CommitInterval until stop closes.
func (w *Worker) commitLoop(stop <-chan struct{}) {
	t := time.NewTicker(w.cfg.CommitInterval)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
		}
		ctx, cancel := context.WithTimeout(context.Background(), w.cfg.CommitTimeout)
		if err := w.commit(ctx); err != nil {
			w.log.Warn("commit offsets failed; retrying at the next interval", "topic", w.cfg.Topic, "err", err)
		}
		cancel()
	}
}

// commit commits the watermark of every partition that moved.
func (w *Worker) commit(ctx context.Context) error {
	w.commitMu.Lock()
	defer w.commitMu.Unlock()
	marks := w.tracker.Committable()
	if len(marks) == 0 {
		return nil
	}
	msgs := make([]kafka.Message, 0, len(marks))
	for p, off := range marks {
		msgs = append(msgs, kafka.Message{Topic: w.cfg.Topic, Partition: p, Offset: off})
	}
	if err := w.o.Fetcher.CommitMessages(ctx, msgs...); err != nil {
		w.metrics.commits.WithLabelValues("error").Inc()
		return fmt.Errorf("commit %d partitions of %s: %w", len(msgs), w.cfg.Topic, err)
	}
	w.metrics.commits.WithLabelValues("ok").Inc()
	w.tracker.Committed(marks)
	for p, off := range marks {
		w.log.Debug("committed", "topic", w.cfg.Topic, "partition", p, "offset", off+1)
	}
	return nil
}

// Pending returns the number of fetched messages not yet done.
func (w *Worker) Pending() int { return w.tracker.Pending() }
