package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	actors "github.com/oklog/run"
	"github.com/segmentio/kafka-go"

	"github.com/newsflow/newsflow/consumers"
	"github.com/newsflow/newsflow/consumers/backoff"
	"github.com/newsflow/newsflow/consumers/dlq"
	"github.com/newsflow/newsflow/consumers/esindex"
	"github.com/newsflow/newsflow/consumers/lag"
	"github.com/newsflow/newsflow/internal/cli"
	"github.com/newsflow/newsflow/internal/escfg"
	"github.com/newsflow/newsflow/internal/kafkacfg"
	"github.com/newsflow/newsflow/internal/ops"
	"github.com/newsflow/newsflow/pkg/dedup"
	"github.com/newsflow/newsflow/pkg/pipeline"
)

// Defaults of `newsflow consume` beyond those of package consumers.
const (
	defaultConsumeMetricsAddr = ":9108"
	defaultSessionTimeout     = 30 * time.Second
	defaultHeartbeatInterval  = 3 * time.Second
	defaultRebalanceTimeout   = 30 * time.Second
	defaultFetchMaxBytes      = 10 << 20
	defaultFetchMaxWait       = 500 * time.Millisecond
	defaultQueueCapacity      = 1000
	defaultDedupStore         = "elasticsearch"
)

const consumeDetails = `Runs one consumer worker of the group: fetches raw articles from the topic,
runs the stages (normalize, figures, paragraph dedup), bulk-indexes the
documents into Elasticsearch behind the write alias, and sends what cannot be
processed to <topic>.dlq with the reason in headers. Run as many workers as the
topic has partitions; they share the partitions and the dedup state.

Delivery: at-least-once from Kafka, effectively exactly-once in the index. An
offset is committed only when every message before it on its partition is
indexed (or skipped as an older version) or dead-lettered. Documents are keyed
by the article id and versioned by the story's own update time (external_gte),
so a repeated message rewrites the same document and an older copy never
replaces a newer one.

Elasticsearch 429, 5xx and connection errors are retried with capped
exponential backoff and jitter while fetching pauses; nothing is dropped.
Documents the mapping rejects (400) are dead-lettered. At start the worker
installs the index template (if the cluster has no same or newer version), the
alias with its first index, the dedup fingerprint index and the dead-letter
topic; all of that is idempotent.

On SIGINT/SIGTERM: /readyz fails, fetching stops, fetched messages are
processed, bulk requests finish, the offsets are committed, the clients close.
What is not done within --shutdown-timeout is not committed and is delivered
again after a restart (duplicated work, never lost work). A second signal
exits at once with the same guarantee.

Metrics (on --metrics-addr /metrics): newsflow_consumer_messages_total{result},
newsflow_consumer_lag{topic,partition}, newsflow_elasticsearch_bulk_duration_seconds,
newsflow_elasticsearch_documents_total{result}, newsflow_dlq_messages_total{stage},
newsflow_end_to_end_latency_seconds, and retries, commits and dedup store metrics.`

// consumeSettings are the settings of `newsflow consume`.
type consumeSettings struct {
	kafka       kafkacfg.Settings
	es          escfg.Settings
	group       string
	metricsAddr string
	pprof       bool
	dedup       *dedupSettings
	worker      consumers.Config

	bulkTimeout       time.Duration
	sessionTimeout    time.Duration
	heartbeatInterval time.Duration
	rebalanceTimeout  time.Duration
	fetchMaxBytes     int
	fetchMaxWait      time.Duration
	queueCapacity     int
	lagInterval       time.Duration

	textAnalyzer      string
	dedupStore        string
	dedupIndex        string
	dedupCacheEntries int
}

func addConsumeSettings(s *cli.Set) *consumeSettings {
	c := &consumeSettings{}
	c.kafka.AddFlags(s)
	s.String(&c.group, "group", "NEWSFLOW_GROUP", kafkacfg.DefaultGroup, "consumer group; workers of one group share the partitions")
	c.es.AddFlags(s)
	s.String(&c.metricsAddr, "metrics-addr", "NEWSFLOW_METRICS_ADDR", defaultConsumeMetricsAddr, "listen address of /metrics, /healthz and /readyz (empty: none)")
	w := &c.worker
	s.Int(&w.BatchSize, "batch-size", "NEWSFLOW_BATCH_SIZE", consumers.DefaultBatchSize,
		"most messages per bulk request; larger batches index faster per document and hold more memory and more repeated work after a crash")
	s.Int(&w.BatchBytes, "batch-bytes", "NEWSFLOW_BATCH_BYTES", consumers.DefaultBatchBytes,
		"most message bytes per batch; keep it well below Elasticsearch's http.max_content_length (100mb)")
	s.Duration(&w.FlushInterval, "flush-interval", "NEWSFLOW_FLUSH_INTERVAL", consumers.DefaultFlushInterval,
		"longest a batch waits to fill before it is processed anyway: the latency a quiet topic adds; shorter means smaller bulk requests")
	s.Int(&w.MaxInFlight, "max-in-flight", "NEWSFLOW_MAX_IN_FLIGHT", consumers.DefaultMaxInFlight,
		"bulk requests in flight at once while the next batch is processed; more overlaps indexing with the stages and holds more memory; when all are busy (Elasticsearch slow or down) fetching pauses")
	s.Int(&w.Parallelism, "parallelism", "NEWSFLOW_PARALLELISM", consumers.DefaultParallelism,
		"partitions processed at once (the stages run in order within a partition and wait on the dedup store's batched lookups and claims, so this may exceed the CPUs); more than the partitions this worker holds has no effect")
	s.Duration(&w.CommitInterval, "commit-interval", "NEWSFLOW_COMMIT_INTERVAL", consumers.DefaultCommitInterval,
		"how often done offsets are committed; shorter means less repeated work after a crash or rebalance, more commit requests")
	s.Duration(&w.ShutdownTimeout, "shutdown-timeout", "NEWSFLOW_SHUTDOWN_TIMEOUT", consumers.DefaultShutdownTimeout,
		"how long in-flight work may take to finish after SIGTERM; work not done by then is not committed and is delivered again (keep it below the orchestrator's kill grace period)")
	s.Duration(&w.Backoff.Min, "backoff-min", "NEWSFLOW_BACKOFF_MIN", backoff.DefaultMin,
		"first retry delay for Elasticsearch, the dedup store and dead letters; doubles per attempt with jitter")
	s.Duration(&w.Backoff.Max, "backoff-max", "NEWSFLOW_BACKOFF_MAX", backoff.DefaultMax,
		"cap of the retry delay; lower recovers sooner after an outage, higher spares a struggling cluster")
	s.Duration(&c.bulkTimeout, "bulk-timeout", "NEWSFLOW_BULK_TIMEOUT", esindex.DefaultRequestTimeout,
		"bound of one bulk request; a request cut by it is retried (the same documents, same versions)")
	s.Duration(&c.sessionTimeout, "kafka-session-timeout", "NEWSFLOW_KAFKA_SESSION_TIMEOUT", defaultSessionTimeout,
		"how long the group waits for a silent worker before giving its partitions to others; shorter reacts faster to a crashed worker, too short evicts workers during GC pauses")
	s.Duration(&c.heartbeatInterval, "kafka-heartbeat-interval", "NEWSFLOW_KAFKA_HEARTBEAT_INTERVAL", defaultHeartbeatInterval,
		"heartbeat period; at most a third of the session timeout")
	s.Duration(&c.rebalanceTimeout, "kafka-rebalance-timeout", "NEWSFLOW_KAFKA_REBALANCE_TIMEOUT", defaultRebalanceTimeout,
		"how long the group waits for members to rejoin during a rebalance")
	s.Int(&c.fetchMaxBytes, "fetch-max-bytes", "NEWSFLOW_FETCH_MAX_BYTES", defaultFetchMaxBytes,
		"most bytes per fetch request; must exceed the largest message")
	s.Duration(&c.fetchMaxWait, "fetch-max-wait", "NEWSFLOW_FETCH_MAX_WAIT", defaultFetchMaxWait,
		"how long the broker may hold a fetch waiting for data")
	s.Int(&c.queueCapacity, "prefetch", "NEWSFLOW_PREFETCH", defaultQueueCapacity,
		"messages kafka-go reads ahead of processing; more smooths throughput, and is repeated work after a rebalance")
	s.Duration(&c.lagInterval, "lag-interval", "NEWSFLOW_LAG_INTERVAL", lag.DefaultInterval,
		"how often newsflow_consumer_lag is measured (three broker requests each time)")
	s.String(&c.textAnalyzer, "text-analyzer", "NEWSFLOW_TEXT_ANALYZER", esindex.DefaultAnalyzer,
		"Elasticsearch analyzer of title, body and boilerplate in the index template (another language analyzer, or standard on a cluster without the analysis-common module); it applies to indices created after the template is installed")
	s.String(&c.dedupStore, "dedup-store", "NEWSFLOW_DEDUP_STORE", defaultDedupStore,
		"where the cross-article dedup state lives: elasticsearch (shared by all workers, survives restarts) or memory (this worker only; use with one worker)")
	s.String(&c.dedupIndex, "dedup-index", "NEWSFLOW_DEDUP_INDEX", esindex.DefaultStoreIndex,
		"base name of the Elasticsearch fingerprint index; the fingerprint format version is appended (-v1); must not match <index>-*")
	s.Int(&c.dedupCacheEntries, "dedup-cache-entries", "NEWSFLOW_DEDUP_CACHE_ENTRIES", esindex.DefaultCacheEntries,
		"records cached in front of the fingerprint index (about 140 bytes each); records never change, so the cache only saves round trips; -1: none")
	s.Bool(&c.pprof, "pprof", "NEWSFLOW_PPROF", false,
		"serve Go's profiler at /debug/pprof/ on --metrics-addr (CPU and heap profiles of a worker under load); off by default, since profiles reveal internals")
	c.dedup = addDedupSettings(s, true)
	return c
}

func (c *consumeSettings) resolve() error {
	if err := c.kafka.Resolve(nil); err != nil {
		return err
	}
	if err := c.es.Resolve(nil); err != nil {
		return err
	}
	c.worker.Topic = c.kafka.Topic
	if err := c.worker.Validate(); err != nil {
		return err
	}
	switch {
	case c.group == "":
		return errors.New("--group is empty")
	case c.dedupStore != "elasticsearch" && c.dedupStore != "memory":
		return fmt.Errorf("--dedup-store %q: want elasticsearch or memory", c.dedupStore)
	case c.heartbeatInterval*3 > c.sessionTimeout:
		return fmt.Errorf("--kafka-heartbeat-interval %v is more than a third of --kafka-session-timeout %v", c.heartbeatInterval, c.sessionTimeout)
	case c.fetchMaxBytes <= 0 || c.queueCapacity <= 0:
		return errors.New("--fetch-max-bytes and --prefetch must be positive")
	case len(c.dedupIndex) > 0 && len(c.dedupIndex) >= len(c.es.Index)+1 && c.dedupIndex[:len(c.es.Index)+1] == c.es.Index+"-":
		return fmt.Errorf("--dedup-index %q matches the article template pattern %s-*: choose a name outside it", c.dedupIndex, c.es.Index)
	}
	return nil
}

func runConsume(ctx context.Context, st streams, args []string) error {
	s := cli.New("consume", "newsflow consume: run a consumer worker (Kafka → stages → Elasticsearch).")
	logs := addLogSettings(s)
	c := addConsumeSettings(s)
	if _, err := parse(s, st, args, "newsflow consume [flags]", consumeDetails); err != nil {
		return err
	}
	logger, err := logs.logger(st.stderr)
	if err != nil {
		return err
	}
	if err := c.resolve(); err != nil {
		return err
	}
	logger.Info("consumer starting", "kafka", c.kafka.String(), "group", c.group, "elasticsearch", c.es.String())

	reg := ops.NewRegistry()
	prober := ops.NewProber()
	started := make(chan struct{})
	prober.AddCheck("startup", func(context.Context) error {
		select {
		case <-started:
			return nil
		default:
			return errors.New("still setting up")
		}
	})
	var g actors.Group
	if c.metricsAddr != "" {
		mux := ops.Handler(reg, prober)
		if c.pprof {
			ops.MountPprof(mux)
		}
		srv, err := ops.Listen("metrics", c.metricsAddr, mux, logger)
		if err != nil {
			return err
		}
		// Not an actor of the group below: it serves /healthz and a failing
		// /readyz while the set-up retries, and stops last, after the worker
		// committed and the clients closed.
		go func() {
			if err := srv.Run(); err != nil {
				logger.Error("metrics server", "err", err)
			}
		}()
		defer srv.Stop(5 * time.Second)
	}

	// Elasticsearch: client, template, alias, fingerprint index.
	es, err := c.es.Client()
	if err != nil {
		return err
	}
	prober.AddCheck("elasticsearch", func(ctx context.Context) error { return esindex.Ping(ctx, es) })
	retryPolicy := c.worker.Backoff
	if err := retrySetup(ctx, logger, retryPolicy, "install index template and alias", func(ctx context.Context) error {
		return esindex.Install(ctx, es, c.es.Index, c.textAnalyzer, logger)
	}); err != nil {
		return err
	}
	var store dedup.Store
	switch c.dedupStore {
	case "elasticsearch":
		ess := esindex.NewStore(es, esindex.StoreConfig{Index: c.dedupIndex, CacheEntries: c.dedupCacheEntries, Registerer: reg})
		if err := retrySetup(ctx, logger, retryPolicy, "create the fingerprint index", ess.Setup); err != nil {
			return err
		}
		logger.Info("dedup store ready", "index", ess.Index())
		store = ess
	default:
		store = dedup.NewMemoryStore(c.dedup.memoryKeys)
		logger.Warn("dedup state kept in this worker's memory: other workers do not see it and a restart forgets it")
	}

	// Kafka: client (admin, lag), dead-letter topic, reader, writer.
	transport, err := c.kafka.Transport("newsflow-consume")
	if err != nil {
		return err
	}
	defer transport.CloseIdleConnections()
	client := &kafka.Client{Addr: kafka.TCP(c.kafka.Brokers...), Transport: transport, Timeout: 10 * time.Second}
	prober.AddCheck("kafka", func(ctx context.Context) error {
		_, err := client.Metadata(ctx, &kafka.MetadataRequest{Topics: []string{c.kafka.Topic}})
		return err
	})
	if err := retrySetup(ctx, logger, retryPolicy, "create the dead-letter topic", func(ctx context.Context) error {
		return dlq.EnsureTopic(ctx, client, c.kafka.Topic, c.kafka.DLQTopic(), logger)
	}); err != nil {
		return err
	}
	dialer, err := c.kafka.Dialer("newsflow-consume")
	if err != nil {
		return err
	}
	reader := kafka.NewReader(kafka.ReaderConfig{
		Brokers:           c.kafka.Brokers,
		GroupID:           c.group,
		Topic:             c.kafka.Topic,
		Dialer:            dialer,
		QueueCapacity:     c.queueCapacity,
		MinBytes:          1,
		MaxBytes:          c.fetchMaxBytes,
		MaxWait:           c.fetchMaxWait,
		HeartbeatInterval: c.heartbeatInterval,
		SessionTimeout:    c.sessionTimeout,
		RebalanceTimeout:  c.rebalanceTimeout,
		CommitInterval:    0, // synchronous: CommitMessages returns when the broker stored the offsets
		StartOffset:       kafka.FirstOffset,
		ErrorLogger:       kafkaLogger(logger, slog.LevelWarn),
	})
	writer := &kafka.Writer{
		Addr:                   kafka.TCP(c.kafka.Brokers...),
		Topic:                  c.kafka.DLQTopic(),
		Balancer:               &kafka.Murmur2Balancer{},
		RequiredAcks:           kafka.RequireAll,
		BatchTimeout:           10 * time.Millisecond,
		BatchBytes:             dlq.WriterBatchBytesFor(ctx, client, c.kafka.Topic, c.kafka.DLQTopic()), // TEMPORARY (issue 14 phase 1): the worker constructor sizes it from dlq.CheckTopic
		Transport:              transport,
		AllowAutoTopicCreation: false,
	}

	deduper, err := c.dedup.deduper(store)
	if err != nil {
		return err
	}
	worker, err := consumers.New(c.worker, consumers.Options{
		Fetcher:     reader,
		Processor:   pipeline.New(deduper, time.Now, reg),
		Indexer:     esindex.NewIndexer(es, esindex.IndexerConfig{Alias: c.es.Index, Backoff: c.worker.Backoff, RequestTimeout: c.bulkTimeout, Logger: logger, Registerer: reg}),
		DeadLetters: dlq.NewProducer(writer, c.kafka.DLQTopic(), reg),
		Logger:      logger,
		Registerer:  reg,
	})
	if err != nil {
		return err
	}
	monitor := lag.NewMonitor(client, c.group, c.kafka.Topic, c.lagInterval, reg, logger)
	consumers.RegisterReaderStats(reader, reg)

	// Actors. The first to return stops the others: a signal (ctx), or the
	// worker failing. Stop order: not ready → worker drains and commits →
	// lag monitor; the clients close after the group returns.
	{
		wctx, cancel := context.WithCancel(context.Background())
		g.Add(func() error {
			return worker.Run(wctx)
		}, func(error) {
			prober.NotReady()
			cancel()
		})
	}
	{
		lctx, cancel := context.WithCancel(context.Background())
		g.Add(func() error { return monitor.Run(lctx) }, func(error) { cancel() })
	}
	{
		sctx, cancel := context.WithCancel(ctx)
		g.Add(func() error {
			<-sctx.Done()
			return nil
		}, func(error) { cancel() })
	}
	close(started)
	logger.Info("consumer running", "topic", c.kafka.Topic, "group", c.group, "alias", c.es.Index, "dlq", c.kafka.DLQTopic())
	runErr := g.Run()

	if err := reader.Close(); err != nil {
		logger.Warn("close kafka reader", "err", err)
	}
	if err := writer.Close(); err != nil {
		logger.Warn("close dead-letter writer", "err", err)
	}
	if runErr != nil {
		return runErr
	}
	logger.Info("consumer stopped")
	return nil
}

// retrySetup runs a start-up step until it succeeds, retrying errors with
// backoff (the cluster may still be starting), until ctx ends.
func retrySetup(ctx context.Context, logger *slog.Logger, p backoff.Policy, what string, f func(context.Context) error) error {
	for attempt := 0; ; attempt++ {
		sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		err := f(sctx)
		cancel()
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		if !esindex.IsRetryable(err) && !isKafkaTemporary(err) && attempt >= 2 {
			return fmt.Errorf("%s: %w", what, err)
		}
		logger.Warn(what+" failed; retrying", "attempt", attempt+1, "err", err)
		if err := p.Wait(ctx, attempt, 0); err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
	}
}

func isKafkaTemporary(err error) bool {
	var ke kafka.Error
	if errors.As(err, &ke) {
		return ke.Temporary()
	}
	var ne interface{ Timeout() bool }
	return errors.As(err, &ne)
}

// kafkaLogger routes kafka-go's printf logging to slog at level.
func kafkaLogger(logger *slog.Logger, level slog.Level) kafka.Logger {
	return kafka.LoggerFunc(func(msg string, args ...any) {
		logger.Log(context.Background(), level, "kafka-go: "+fmt.Sprintf(msg, args...))
	})
}
