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
//	fetch ──► batch (count, bytes, time) ──► stages, one goroutine per partition,
//	          StagesInFlight batches at once, in order within a partition
//	      ──► dead letters (undecodable, invalid, permanent stage errors)
//	      ──► bulk index, at most MaxInFlight at once ──► dead letters (rejected)
//	commit loop: every CommitInterval, the watermark of every partition
//
// Retryable failures (the dedup store, Elasticsearch 429/5xx and connection
// errors, the dead-letter producer) are retried with capped exponential
// backoff and jitter for as long as it takes. While they are, batches stop
// moving, the fetch channel fills and fetching pauses: memory stays bounded
// by StagesInFlight+MaxInFlight batches, the fetch channel's batch and
// kafka-go's queue.
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
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/segmentio/kafka-go"

	"github.com/newsflow/newsflow/consumers/backoff"
	"github.com/newsflow/newsflow/consumers/dlq"
	"github.com/newsflow/newsflow/consumers/offsets"
	"github.com/newsflow/newsflow/pkg/article"
)

// Fetcher is where the worker's messages come from and its offsets go: a
// *Group in a deployment (see Group for what it does at a rebalance), or
// any reader of a consumer group that commits only when told to (a
// *kafka.Reader with a GroupID and CommitInterval 0).
type Fetcher interface {
	FetchMessage(ctx context.Context) (kafka.Message, error)
	CommitMessages(ctx context.Context, msgs ...kafka.Message) error
}

// Processor runs the stages (*pipeline.Pipeline) on a partition's run of
// articles, in order, as if one after the other (a single article is a run
// of one). errs[i] is nil when arts[i] is done; a *pipeline.Error with
// Permanent set dead-letters the message; any other error is retried, from
// the first article that has one.
type Processor interface {
	Process(ctx context.Context, raws []article.RawArticle) (arts []article.Article, errs []error)
}

// DeadLetters stores dead letters (*dlq.Producer); nil error means all are
// acknowledged.
type DeadLetters interface {
	Send(ctx context.Context, letters []dlq.Letter) error
}

// Defaults of Config.
const (
	DefaultBatchSize     = 500
	DefaultBatchBytes    = 5 << 20
	DefaultFlushInterval = time.Second
	DefaultMaxInFlight   = 2
	// DefaultStagesInFlight is 1: on the isolated bench (the workers, Redis
	// and Kafka sharing one core) 2 cost 8 % of the throughput, the core
	// being busy already (internal/bench/RESULTS.md); 2 pays where the
	// stages wait on a dedup store across a network.
	DefaultStagesInFlight = 1
	DefaultCommitInterval = time.Second
	DefaultCommitTimeout  = 10 * time.Second
	// DefaultShutdownTimeout leaves room for the final commit and the
	// leave-group within Kubernetes' default 30 s grace period.
	DefaultShutdownTimeout = 20 * time.Second
	// DefaultParallelism: a partition's stages wait on the shared dedup
	// store (two lookups and a claim per run of a partition, see Processor), so
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
	// StagesInFlight is the number of batches whose stages run at once: a
	// partition's run in the next batch starts as soon as its run in the
	// current one is done, while other partitions of the current batch
	// still run (the stages wait on the dedup store). 1 runs one batch's
	// stages at a time. Default: 1.
	StagesInFlight int
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
	set(&c.StagesInFlight, DefaultStagesInFlight)
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
	case c.StagesInFlight < 0:
		return fmt.Errorf("consumer: stages in flight %d is negative", c.StagesInFlight)
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
	// admittedN counts the messages fetched and added to the tracker (a
	// Group compares it with what it handed out).
	admittedN atomic.Int64
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
	if g, ok := o.Fetcher.(interface{ attach(member) }); ok {
		g.attach(w)
	}
	return w, nil
}

// The Worker as its Group sees it (member).
func (w *Worker) admitted() int64                     { return w.admittedN.Load() }
func (w *Worker) commitNow(ctx context.Context) error { return w.commit(ctx) }
func (w *Worker) forget(partition int)                { w.tracker.Forget(partition) }

// job is one fetched message on its way.
type job struct {
	msg      kafka.Message
	tk       offsets.Ticket
	art      article.Article
	received time.Time
	letter   *dlq.Letter
	// withdrawn: the producer marked the story withheld or canceled; its
	// document is removed rather than indexed.
	withdrawn bool
	// embargo is the story's embargo (RFC 3339), from the message headers.
	embargo string
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

	f := newFlow(w.cfg.StagesInFlight, w.cfg.MaxInFlight)
	for {
		// A stages slot before the batch is collected: while the stages or
		// the index are behind, the fetched messages wait in the channel
		// and fetching pauses.
		f.stages <- struct{}{}
		batch, more := w.collect(in)
		if len(batch) > 0 {
			w.handle(workCtx, batch, f)
		} else {
			<-f.stages
		}
		if !more {
			break
		}
	}
	f.inflight.Wait()
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

// Pending returns the number of fetched messages not yet done.
func (w *Worker) Pending() int { return w.tracker.Pending() }
