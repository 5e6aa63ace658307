package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime/debug"
	"strings"
	"sync/atomic"
	"time"

	actors "github.com/oklog/run"

	"github.com/newsflow/newsflow/consumers"
	"github.com/newsflow/newsflow/consumers/backoff"
	"github.com/newsflow/newsflow/index/elastic"
	"github.com/newsflow/newsflow/index/esdedup"
	"github.com/newsflow/newsflow/index/redisdedup"
	"github.com/newsflow/newsflow/internal/cli"
	"github.com/newsflow/newsflow/internal/escfg"
	"github.com/newsflow/newsflow/internal/kafkacfg"
	"github.com/newsflow/newsflow/internal/ops"
	"github.com/newsflow/newsflow/pkg/dedup"
	"github.com/newsflow/newsflow/pkg/pipeline"
)

// Defaults of `newsflow consume` beyond those of the packages it wires.
const (
	defaultConsumeMetricsAddr = ":9108"
	// The search tier indexes articles and nothing else: the shared dedup
	// memory lives in Redis (issue 11; the Elasticsearch store costs it more
	// CPU than the articles, internal/bench/RESULTS.md).
	defaultDedupStore = storeRedis
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

Dedup memory (--dedup-store): the workers share it, so that the first
occurrence of a paragraph is the same for all of them and a redelivered
message comes out as the first time.
  redis          (default) a Redis 7.0+ or Valkey server or Redis Cluster:
                 one pipelined lookup and one pipeline of SET NX GET EXAT per
                 partition batch; every key expires --dedup-retention after
                 its creation, so memory is bounded (about 1.1 GB per million
                 paragraphs); run it with maxmemory-policy noeviction.
  elasticsearch  a fingerprint index beside the articles (--dedup-index): no
                 other server, but it costs Elasticsearch more CPU than the
                 articles (about 11 creates and 16 realtime gets per article)
                 and never forgets.
  memory         this worker only, forgotten at exit: one worker, tests.

Elasticsearch 429, 5xx and connection errors, and dedup store failures
(unreachable, timeouts, a cluster failing over, OOM), are retried with capped
exponential backoff and jitter while fetching pauses; nothing is dropped and
nothing is committed ahead of the index. Documents the mapping rejects (400)
are dead-lettered. At start the worker installs the index template (if the
cluster has no same or newer version), the alias with its first index, the
dead-letter topic, and checks the dedup store (Redis 7.0+ on every master, or
the fingerprint index); all of that is idempotent and retried while the
servers are unreachable. /readyz fails while Kafka, Elasticsearch or the
dedup store does not answer.

On SIGINT/SIGTERM: /readyz fails, fetching stops, fetched messages are
processed, bulk requests finish, the offsets are committed, the clients close.
What is not done within --shutdown-timeout is not committed and is delivered
again after a restart (duplicated work, never lost work). A second signal
exits at once with the same guarantee.

Metrics (on --metrics-addr /metrics): newsflow_consumer_messages_total{result},
newsflow_consumer_lag{topic,partition}, newsflow_elasticsearch_bulk_duration_seconds,
newsflow_elasticsearch_documents_total{result}, newsflow_dlq_messages_total{stage},
newsflow_end_to_end_latency_seconds, and retries, commits and dedup store metrics
(newsflow_dedup_store_*: requests and latency by op, keys created and in
conflict, cache hits; with redis the server's keys, expired and evicted keys,
used and maximum memory per node).`

// consumeSettings are the settings of `newsflow consume`.
type consumeSettings struct {
	kafka       kafkacfg.Settings
	topic       kafkacfg.TopicSpec
	reader      kafkacfg.ReaderConfig
	es          escfg.Settings
	metricsAddr string
	pprof       bool
	dedup       *dedupSettings
	worker      consumers.Config

	bulkTimeout time.Duration
	lagInterval time.Duration

	textAnalyzer      string
	dedupStore        string
	dedupIndex        string
	dedupCacheEntries int
	redis             *redisSettings
	redisCfg          redisdedup.Config

	memoryLimit     string
	heapLimit       int64  // resolved --memory-limit, 0: none
	heapLimitSource string // where it came from
}

func addConsumeSettings(s *cli.Set) *consumeSettings {
	c := &consumeSettings{}
	c.kafka.AddFlags(s)
	c.topic.AddFlags(s, 0, "when > 0, create the raw topic with this many partitions if it does not exist, and its dead-letter topic beside it (0: the raw topic must exist; the error says how to create it)")
	c.reader.AddFlags(s, kafkacfg.DefaultReaderConfig())
	c.es.AddFlags(s)
	s.String(&c.metricsAddr, "metrics-addr", "NEWSFLOW_METRICS_ADDR", defaultConsumeMetricsAddr, "listen address of /metrics, /healthz and /readyz (empty: none)")
	addWorkerSettings(s, &c.worker, consumers.Config{})
	s.Duration(&c.bulkTimeout, "bulk-timeout", "NEWSFLOW_BULK_TIMEOUT", elastic.DefaultRequestTimeout,
		"bound of one bulk request; a request cut by it is retried (the same documents, same versions)")
	s.Duration(&c.lagInterval, "lag-interval", "NEWSFLOW_LAG_INTERVAL", consumers.DefaultLagInterval,
		"how often newsflow_consumer_lag is measured (three broker requests each time)")
	s.String(&c.textAnalyzer, "text-analyzer", "NEWSFLOW_TEXT_ANALYZER", elastic.DefaultAnalyzer,
		"Elasticsearch analyzer of title, body and boilerplate in the index template (another language analyzer, or standard on a cluster without the analysis-common module); it applies to indices created after the template is installed")
	s.String(&c.dedupStore, "dedup-store", "NEWSFLOW_DEDUP_STORE", defaultDedupStore,
		"where the cross-article dedup memory lives: redis (shared by all workers, bounded by --dedup-retention, costs Elasticsearch nothing), elasticsearch (a fingerprint index beside the articles: no other server, but more Elasticsearch CPU than the articles themselves) or memory (this worker only; use with one worker)")
	s.String(&c.dedupIndex, "dedup-index", "NEWSFLOW_DEDUP_INDEX", esdedup.DefaultStoreIndex,
		"with --dedup-store elasticsearch: base name of the fingerprint index; the fingerprint format version is appended (-v4); must not match <index>-*")
	s.Int(&c.dedupCacheEntries, "dedup-cache-entries", "NEWSFLOW_DEDUP_CACHE_ENTRIES", redisdedup.DefaultCacheEntries,
		"records of the shared store (redis or elasticsearch) cached in this worker (about 170 bytes each); records never change, so the cache only saves round trips; -1: none")
	c.redis = addRedisSettings(s)
	s.Bool(&c.pprof, "pprof", "NEWSFLOW_PPROF", false,
		"serve Go's profiler at /debug/pprof/ on --metrics-addr (CPU and heap profiles of a worker under load); off by default, since profiles reveal internals")
	c.dedup = addDedupSettings(s, true)
	s.String(&c.memoryLimit, "memory-limit", "NEWSFLOW_MEMORY_LIMIT", memoryLimitAuto,
		"soft limit of the Go heap (runtime/debug.SetMemoryLimit): the garbage collector works harder near it instead of letting the heap grow to twice what is live; auto = 90% of the container's (cgroup's) memory limit, and without one 150MiB (a worker at the default settings then stays under 200 MB RSS for a few % more CPU), scaled up with --batch-size, --batch-bytes, --max-in-flight and --stages-in-flight above their defaults; none; or a size such as 300MiB ($GOMEMLIMIT, when set, wins); a limit below what the worker keeps live makes it spend much of its CPU collecting: raise it, or set none")
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
	if err := c.topic.Validate(); err != nil {
		return err
	}
	if err := c.reader.Validate(); err != nil {
		return err
	}
	switch c.dedupStore {
	case storeRedis:
		cfg, err := c.redis.config(nil, c.dedupCacheEntries, nil)
		if err != nil {
			return err
		}
		c.redisCfg = cfg
	case storeElasticsearch:
		if c.dedupIndex == "" || strings.HasPrefix(c.dedupIndex, c.es.Index+"-") {
			return fmt.Errorf("--dedup-index %q matches the article template pattern %s-*: choose a name outside it", c.dedupIndex, c.es.Index)
		}
	case storeMemory:
	default:
		return fmt.Errorf("--dedup-store %q: want redis, elasticsearch or memory", c.dedupStore)
	}
	var err error
	c.heapLimit, c.heapLimitSource, err = memoryLimit(c.memoryLimit, heapLimitOutsideContainer(c.worker), os.LookupEnv, os.ReadFile)
	return err
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
	if c.heapLimit > 0 {
		debug.SetMemoryLimit(c.heapLimit)
	}
	logger.Info("consumer starting", "kafka", c.kafka.String(), "group", c.reader.Group, "elasticsearch", c.es.String(), "dedup_store", c.dedupStore,
		"memory_limit_mib", c.heapLimit>>20, "memory_limit_from", c.heapLimitSource)

	reg := ops.NewRegistry()
	prober := ops.NewProber()
	// Not ready before the set-up below is done (the checks of the parts
	// are added as they are made, so without this /readyz would answer 200
	// while, say, the dedup store is still being checked).
	var setUp atomic.Bool
	prober.AddCheck("setup", func(context.Context) error {
		if !setUp.Load() {
			return errors.New("still setting up (index template, dedup store, worker)")
		}
		return nil
	})
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
	prober.AddCheck("elasticsearch", func(ctx context.Context) error { return elastic.Ping(ctx, es) })
	if err := backoff.Setup(ctx, c.worker.Backoff, logger, "install index template and alias", elastic.IsRetryable, func(ctx context.Context) error {
		return elastic.Install(ctx, es, c.es.Index, c.textAnalyzer, logger)
	}); err != nil {
		return err
	}
	var store dedup.Store
	switch c.dedupStore {
	case storeRedis, storeElasticsearch:
		shared, err := openSharedStore(ctx, c.dedupStore, c.redisCfg, es,
			esdedup.StoreConfig{Index: c.dedupIndex, CacheEntries: c.dedupCacheEntries}, c.worker.Backoff, prober, reg, logger)
		if err != nil {
			return err
		}
		if shared.close != nil {
			// Closed after the worker committed (deferred calls run last).
			defer func() {
				if err := shared.close(); err != nil {
					logger.Warn("close the dedup store", "err", err)
				}
			}()
		}
		logger.Info("dedup store ready", "store", shared.desc)
		store = shared.Store
	default:
		store = dedup.NewMemoryStore(c.dedup.memoryKeys)
		logger.Warn("dedup state kept in this worker's memory: other workers do not see it and a restart forgets it")
	}
	deduper, err := c.dedup.deduper(store)
	if err != nil {
		return err
	}

	kc, err := c.kafka.Clients("newsflow-consume")
	if err != nil {
		return err
	}
	defer kc.Close()
	worker, err := consumers.Assemble(consumers.AssemblyConfig{
		Worker: c.worker, Reader: c.reader, DLQTopic: c.kafka.DLQTopic(), LagInterval: c.lagInterval, CreateTopic: c.topic,
	}, consumers.AssemblyParts{
		Kafka:      kc,
		Processor:  pipeline.New(deduper, time.Now, reg),
		Indexer:    elastic.NewIndexer(es, elastic.IndexerConfig{Alias: c.es.Index, Backoff: c.worker.Backoff, RequestTimeout: c.bulkTimeout, Logger: logger, Registerer: reg}),
		Prober:     prober,
		Logger:     logger,
		Registerer: reg,
	})
	if err != nil {
		return err
	}
	setUp.Store(true)

	// Actors: the worker, and the signal. The first to return stops the
	// other; the worker then drains and commits (not ready from the start
	// of the stop), and the clients close after the group returns.
	var g actors.Group
	{
		wctx, cancel := context.WithCancel(context.Background())
		g.Add(func() error { return worker.Run(wctx) }, func(error) {
			prober.NotReady()
			cancel()
		})
	}
	g.Add(actors.ContextHandler(ctx))
	if err := g.Run(); err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	logger.Info("consumer stopped")
	return nil
}
