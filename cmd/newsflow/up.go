package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/elastic/go-elasticsearch/v8"
	actors "github.com/oklog/run"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/segmentio/kafka-go"

	"github.com/newsflow/newsflow/consumers"
	"github.com/newsflow/newsflow/consumers/backoff"
	"github.com/newsflow/newsflow/consumers/dlq"
	"github.com/newsflow/newsflow/index/bleve"
	"github.com/newsflow/newsflow/index/boltdedup"
	"github.com/newsflow/newsflow/index/elastic"
	"github.com/newsflow/newsflow/index/esdedup"
	"github.com/newsflow/newsflow/index/redisdedup"
	"github.com/newsflow/newsflow/internal/cli"
	"github.com/newsflow/newsflow/internal/embedded"
	"github.com/newsflow/newsflow/internal/escfg"
	"github.com/newsflow/newsflow/internal/kafkacfg"
	"github.com/newsflow/newsflow/internal/ops"
	"github.com/newsflow/newsflow/pkg/dedup"
	"github.com/newsflow/newsflow/pkg/pipeline"
	"github.com/newsflow/newsflow/producers"
	"github.com/newsflow/newsflow/producers/feed"
	"github.com/newsflow/newsflow/producers/publish"
	"github.com/newsflow/newsflow/producers/push"
	"github.com/newsflow/newsflow/producers/samples"
	"github.com/newsflow/newsflow/producers/watch"
	"github.com/newsflow/newsflow/search"
	"github.com/newsflow/newsflow/web"
)

// Defaults of `newsflow up`.
const (
	defaultUpListen       = "127.0.0.1:8080"
	defaultUpPartitions   = 4
	defaultUpProgress     = 5 * time.Second
	defaultUpFlush        = 250 * time.Millisecond
	defaultUpFetchMaxWait = 250 * time.Millisecond
	defaultUpLagInterval  = 2 * time.Second
	// A short session: after a crash, the next start waits for the old
	// member's session to expire before it gets the partitions (kfake's
	// minimum is 6s).
	defaultUpSessionTimeout    = 10 * time.Second
	defaultUpHeartbeatInterval = time.Second
)

// upReaderDefaults are the reader settings of `newsflow up`: those of
// consume, with a short session and fetch wait for one process on one
// machine.
func upReaderDefaults() kafkacfg.ReaderConfig {
	r := kafkacfg.DefaultReaderConfig()
	r.SessionTimeout, r.HeartbeatInterval, r.FetchMaxWait = defaultUpSessionTimeout, defaultUpHeartbeatInterval, defaultUpFetchMaxWait
	return r
}

// Layout of --data-dir.
const (
	upKafkaDir = "kafka"    // the embedded broker's logs, topics and group offsets
	upIndexDir = "index"    // the bleve index
	upDedupDB  = "dedup.db" // the cross-article dedup memory (bbolt)
	// producers.SeenDir ("producer") holds the seen record of feed and file items.
)

const upDetails = `Runs the whole pipeline in one process, over the same code as a deployment:
producers (feeds, a watched directory, the push endpoint) → Kafka → consumer
worker (normalize, dedup paragraphs, extract figures) → index, and serves the
search page. Nothing to install:
  Kafka          an embedded broker speaking the Kafka protocol (franz-go kfake),
                 on 127.0.0.1 with a free port, persisted in <data-dir>/kafka;
                 --kafka-brokers uses a real cluster instead.
  index          a bleve full-text index in <data-dir>/index, behind the same
                 indexer interface as Elasticsearch; --elasticsearch-url uses a
                 cluster instead (index template and alias of newsflow consume).
  dedup memory   <data-dir>/dedup.db (bbolt), so repeats are found across
                 restarts; one process is one worker, so an embedded store is
                 all it needs, with Elasticsearch too. --dedup-store redis
                 shares the memory of newsflow consume workers (the same
                 --dedup-redis-* settings); --dedup-store elasticsearch keeps
                 it in a fingerprint index beside the articles.
  samples        IPTC ninjs and NewsML-G2 examples shipped in the binary, published
                 at the first start (--samples=false: none); the producers' record
                 in <data-dir>/producer keeps them, and every feed or file item,
                 from being sent twice.

One address (--listen) serves everything:
  /                    the search page
  /api/search, /api/articles/{id}, /api/stats, /api/deadletters, /api/info
                       its API (search/README.md)
  POST /v1/articles    the push endpoint (RawArticle or JSON lines)
  /metrics, /healthz, /readyz   (on --metrics-addr instead when it is another
                       address)
Every address bounds its clients: headers within 5 s, a body started within
5 s and kept above 32 KiB/s, 256 connections and 64 requests at once (503 with
Retry-After past them).
On a loopback address nothing needs a token. On any other address --token-file
is required, and the page, /api/* and the push all need its token (Bearer, or
any user name and the token as password when the browser asks); the probes and
/metrics do not.

Limits: an article is at most 1 MiB (one Kafka message); a push request at most
--push-max-bytes (8 MiB), larger gets 413; a watched file at most
--watch-max-bytes (32 MiB). A push line or file entry the worker would refuse
(no text left, a date that is not one, bytes that are not UTF-8, …) gets its
error at once: 400 with the line, or the file in failed/ with the reason.

Watched files are identified by the id inside them (ninjs uri, NewsML-G2
guid, RSS guid, a JSON line's source_id), and .txt/.html files by their text,
never by their name: another story saved under a used name is a new article,
the same text under another name is skipped. An item with a known id and a new
text replaces the earlier version (logged as such).

A restart with the same --data-dir loses nothing and ingests nothing twice: the
broker keeps its messages and the group's committed offsets, the index its
documents, the producers their record of what was sent.

Ctrl-C stops in order: the producers flush what they accepted, the worker
indexes what it fetched and commits, the index and the broker are closed. A
second Ctrl-C exits at once (what was not committed is delivered again at the
next start).`

// upSettings are the settings of `newsflow up`.
type upSettings struct {
	dataDir       string
	listen        string
	metricsAddr   string
	kafka         kafkacfg.Settings
	embeddedAddr  string
	topic         kafkacfg.TopicSpec
	reader        kafkacfg.ReaderConfig
	worker        consumers.Config
	bulkTimeout   time.Duration
	es            escfg.Settings
	textAnalyzer  string
	dedupIndex    string
	dedupStore    string
	redis         *redisSettings
	redisCfg      redisdedup.Config
	feeds         []string
	pollInterval  time.Duration
	feedTimeout   time.Duration
	feedMax       int
	watchDir      string
	watchSource   string
	watchInterval time.Duration
	watchSettle   time.Duration
	watchMax      int
	pushMax       int
	tokenFile     string
	samples       bool
	progress      time.Duration
	dedup         *dedupSettings
}

func addUpSettings(s *cli.Set) *upSettings {
	c := &upSettings{}
	s.String(&c.dataDir, "data-dir", "NEWSFLOW_DATA_DIR", defaultDataDir,
		"where the embedded broker, the index, the dedup memory and the producers' record live (kafka/, index/, dedup.db, producer/); one newsflow up per directory")
	s.String(&c.listen, "listen", "NEWSFLOW_LISTEN", defaultUpListen,
		"address of the search page, its API, the push endpoint and /metrics; a non-loopback address needs --token-file")
	s.String(&c.metricsAddr, "metrics-addr", "NEWSFLOW_METRICS_ADDR", "",
		"listen address of /metrics, /healthz and /readyz; empty or the --listen address: on the page's port (as produce and consume have their own, a separate address keeps metrics off a public page)")

	// Kafka: the same settings as produce and consume, but no brokers by
	// default (the embedded broker).
	c.kafka.AddFlagsWith(s, nil, "Kafka bootstrap brokers, host:port; empty: the embedded broker")
	s.String(&c.embeddedAddr, "embedded-kafka-addr", "NEWSFLOW_EMBEDDED_KAFKA_ADDR", embedded.DefaultAddr,
		"listen address of the embedded broker (port 0: a free one, logged at start); set a port to point kcat or another client at it")
	c.topic.AddFlags(s, defaultUpPartitions,
		"partitions of the raw and dead-letter topics when they are created (the worker processes partitions in parallel); --topic-replication and --topic-config apply on a cluster (--kafka-brokers)")
	c.reader.AddFlags(s, upReaderDefaults())
	addWorkerSettings(s, &c.worker, consumers.Config{FlushInterval: defaultUpFlush, ShutdownTimeout: producers.DefaultShutdownTimeout})

	c.es.AddFlagsWith(s, nil, "Elasticsearch node URLs; empty: the embedded bleve index (--index and the credentials apply only with a URL)")
	s.String(&c.textAnalyzer, "text-analyzer", "NEWSFLOW_TEXT_ANALYZER", bleve.AnalyzerEnglish,
		"analyzer of title and body: english (stems, drops stop words) or standard (words as written); applies when the index is created")
	s.Duration(&c.bulkTimeout, "bulk-timeout", "NEWSFLOW_BULK_TIMEOUT", elastic.DefaultRequestTimeout,
		"with --elasticsearch-url: bound of one bulk request; a request cut by it is retried")
	s.String(&c.dedupStore, "dedup-store", "NEWSFLOW_DEDUP_STORE", storeBolt,
		"where the cross-article dedup memory lives: bolt (<data-dir>/dedup.db, this process only), redis (shared with newsflow consume workers; --dedup-redis-*), or elasticsearch (with --elasticsearch-url: a fingerprint index, which costs Elasticsearch more CPU than the articles)")
	s.String(&c.dedupIndex, "dedup-index", "NEWSFLOW_DEDUP_INDEX", esdedup.DefaultStoreIndex,
		"with --dedup-store elasticsearch: base name of the fingerprint index of the dedup memory (as newsflow consume); must not match <index>-*")
	c.redis = addRedisSettings(s)

	s.List(&c.feeds, "feed", "NEWSFLOW_FEEDS", nil, "feed to poll, name=URL or URL (repeatable; comma-separated in the environment)")
	s.Duration(&c.pollInterval, "poll-interval", "NEWSFLOW_POLL_INTERVAL", feed.DefaultInterval, "time between polls of each feed")
	s.Duration(&c.feedTimeout, "feed-timeout", "NEWSFLOW_FEED_TIMEOUT", feed.DefaultTimeout, "longest a feed request may take, body included")
	s.Int(&c.feedMax, "feed-max-bytes", "NEWSFLOW_FEED_MAX_BYTES", feed.DefaultMaxBytes, "largest feed body read; larger is a too_large error")
	s.String(&c.watchDir, "watch", "NEWSFLOW_WATCH", "", "directory whose new files are ingested (.txt, .html, .json ninjs, .xml, .jsonl); read files move to done/ or failed/")
	s.String(&c.watchSource, "watch-source", "NEWSFLOW_WATCH_SOURCE", watch.DefaultSource, "source of articles from files that do not name one")
	s.Duration(&c.watchInterval, "watch-interval", "NEWSFLOW_WATCH_INTERVAL", watch.DefaultInterval, "time between scans of the watched directory")
	s.Duration(&c.watchSettle, "watch-settle", "NEWSFLOW_WATCH_SETTLE", watch.DefaultSettle, "how long a file must hold still before it is read")
	s.Int(&c.watchMax, "watch-max-bytes", "NEWSFLOW_WATCH_MAX_BYTES", watch.DefaultMaxBytes, "largest file read from --watch; larger files go to failed/")
	s.Int(&c.pushMax, "push-max-bytes", "NEWSFLOW_PUSH_MAX_BYTES", push.DefaultMaxBytes, "largest push request body (one article is at most 1 MiB, a Kafka message); larger gets 413")
	s.String(&c.tokenFile, "token-file", "NEWSFLOW_TOKEN_FILE", "", "file holding the bearer token of the push endpoint; with a --listen that is not loopback it is required, and the page and /api/* require it too")
	s.Bool(&c.samples, "samples", "NEWSFLOW_SAMPLES", true, "publish the sample articles shipped with newsflow (once: later starts skip them)")
	s.Duration(&c.progress, "progress-interval", "NEWSFLOW_PROGRESS_INTERVAL", defaultUpProgress, "how often a progress line is printed while articles flow (0: never)")
	c.dedup = addDedupSettings(s, false)
	return c
}

// embeddedKafka and embeddedIndex report the defaults in use.
func (c *upSettings) embeddedKafka() bool { return len(c.kafka.Brokers) == 0 }
func (c *upSettings) embeddedIndex() bool { return len(c.es.URLs) == 0 }

func (c *upSettings) validate() error {
	switch {
	case c.dataDir == "":
		return errors.New("--data-dir is empty")
	case c.listen == "":
		return errors.New("--listen is empty: the search page needs an address")
	case c.topic.Partitions < 1:
		return fmt.Errorf("--topic-partitions %d: want at least 1", c.topic.Partitions)
	case c.textAnalyzer != bleve.AnalyzerEnglish && c.textAnalyzer != bleve.AnalyzerStandard && c.embeddedIndex():
		return fmt.Errorf("--text-analyzer %q: the embedded index knows english and standard", c.textAnalyzer)
	case c.progress < 0:
		return errors.New("--progress-interval must not be negative")
	case c.feedMax <= 0 || c.feedTimeout <= 0:
		return fmt.Errorf("--feed-max-bytes %d and --feed-timeout %s: want more than 0", c.feedMax, c.feedTimeout)
	case c.watchMax <= 0:
		return fmt.Errorf("--watch-max-bytes %d: want more than 0", c.watchMax)
	case c.pushMax <= 0:
		return fmt.Errorf("--push-max-bytes %d: want more than 0", c.pushMax)
	}
	c.worker.Topic = c.kafka.Topic
	if err := c.worker.Validate(); err != nil {
		return err
	}
	if err := c.reader.Validate(); err != nil {
		return err
	}
	if err := c.topic.Validate(); err != nil {
		return err
	}
	if _, _, err := net.SplitHostPort(c.listen); err != nil {
		return fmt.Errorf("--listen %q: want host:port: %w", c.listen, err)
	}
	if c.metricsAddr != "" {
		if _, _, err := net.SplitHostPort(c.metricsAddr); err != nil {
			return fmt.Errorf("--metrics-addr %q: want host:port: %w", c.metricsAddr, err)
		}
	}
	if !c.embeddedKafka() {
		if err := c.kafka.Resolve(nil); err != nil {
			return err
		}
	} else if c.kafka.SASLMechanism != "" || c.kafka.TLS || c.kafka.CAFile != "" {
		return errors.New("Kafka SASL and TLS settings need --kafka-brokers (the embedded broker is plain TCP on loopback)")
	}
	if !c.embeddedIndex() {
		if err := c.es.Resolve(nil); err != nil {
			return err
		}
	}
	switch c.dedupStore {
	case storeBolt:
	case storeElasticsearch:
		if c.embeddedIndex() {
			return errors.New("--dedup-store elasticsearch needs --elasticsearch-url (the embedded index keeps no fingerprints)")
		}
		if c.dedupIndex == "" || strings.HasPrefix(c.dedupIndex, c.es.Index+"-") {
			return fmt.Errorf("--dedup-index %q: give a name outside the article template pattern %s-*", c.dedupIndex, c.es.Index)
		}
	case storeRedis:
		cfg, err := c.redis.config(nil, 0, nil)
		if err != nil {
			return err
		}
		c.redisCfg = cfg
	default:
		return fmt.Errorf("--dedup-store %q: want bolt, redis or elasticsearch", c.dedupStore)
	}
	if c.tokenFile == "" && !loopback(c.listen) {
		return fmt.Errorf("--listen %s is not a loopback address: set --token-file, or anyone who reaches it can push articles", c.listen)
	}
	for _, f := range c.feeds {
		if _, err := feed.ParseFeed(f); err != nil {
			return fmt.Errorf("--feed: %w", err)
		}
	}
	return nil
}

// loopback reports whether host:port can only be reached from this machine.
func loopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// producersConfig builds the producers' configuration for brokers.
func (c *upSettings) producersConfig(brokers []string, tr *kafka.Transport) (producers.Config, error) {
	fc := feed.Config{
		Interval: c.pollInterval, Timeout: c.feedTimeout, MaxBytes: int64(c.feedMax),
		// The sample feeds are answered in-process; other URLs go out.
		Client: &http.Client{Timeout: c.feedTimeout, Transport: samples.Transport(nil)},
	}
	for _, f := range c.feeds {
		fd, err := feed.ParseFeed(f)
		if err != nil {
			return producers.Config{}, fmt.Errorf("--feed: %w", err)
		}
		fc.Feeds = append(fc.Feeds, fd)
	}
	if c.samples {
		fc.Feeds = append(fc.Feeds, samples.Feeds()...)
	}
	pc := &push.Config{AllowAnonymous: c.tokenFile == "", MaxBytes: int64(c.pushMax)}
	var err error
	if pc.Token, err = c.token(); err != nil {
		return producers.Config{}, err
	}
	cfg := producers.Config{
		Kafka: publish.Config{
			Brokers: brokers, Topic: c.kafka.Topic, Transport: tr,
			// Create the topic on a real cluster that lacks it.
			Partitions: c.topic.Partitions, ReplicationFactor: c.topic.Replication, TopicConfigs: c.topic.Configs,
		},
		DataDir:         c.dataDir,
		Feeds:           fc,
		Push:            pc,
		ShutdownTimeout: c.worker.ShutdownTimeout,
	}
	if c.watchDir != "" {
		cfg.Watch = &watch.Config{Dir: c.watchDir, Source: c.watchSource, Interval: c.watchInterval, Settle: c.watchSettle, MaxBytes: int64(c.watchMax)}
	}
	return cfg, cfg.Validate()
}

// token reads --token-file ("" without one).
func (c *upSettings) token() (string, error) {
	if c.tokenFile == "" {
		return "", nil
	}
	b, err := os.ReadFile(c.tokenFile)
	if err != nil {
		return "", fmt.Errorf("--token-file: %w", err)
	}
	tok := strings.TrimSpace(string(b))
	if tok == "" {
		return "", fmt.Errorf("--token-file %s is empty", c.tokenFile)
	}
	return tok, nil
}

// closers closes what was opened, in reverse order.
type closers struct {
	logger *slog.Logger
	fns    []func() error
	names  []string
}

func (cl *closers) add(name string, f func() error) {
	cl.names = append(cl.names, name)
	cl.fns = append(cl.fns, f)
}

func (cl *closers) closeAll() {
	for i := len(cl.fns) - 1; i >= 0; i-- {
		if err := cl.fns[i](); err != nil {
			cl.logger.Warn("close "+cl.names[i], "err", err)
		}
	}
	cl.fns, cl.names = nil, nil
}

func runUp(ctx context.Context, st streams, args []string) error {
	s := cli.New("up", "newsflow up: the whole pipeline and its search page in one process, nothing to install.")
	logs := addLogSettings(s)
	c := addUpSettings(s)
	if _, err := parse(s, st, args, "newsflow up [flags]", upDetails); err != nil {
		return err
	}
	logger, err := logs.logger(st.stderr)
	if err != nil {
		return err
	}
	if err := c.validate(); err != nil {
		return err
	}
	started := time.Now()
	if err := os.MkdirAll(c.dataDir, 0o755); err != nil {
		return fmt.Errorf("create --data-dir: %w", err)
	}
	cl := &closers{logger: logger}
	defer cl.closeAll()

	reg := ops.NewRegistry()
	prober := ops.NewProber()

	// The embedded dedup store first: its lock tells at once that another
	// newsflow up uses this --data-dir (bleve would wait for its own).
	var store dedup.Store
	if c.dedupStore == storeBolt {
		bolt, err := boltdedup.Open(filepath.Join(c.dataDir, upDedupDB))
		if err != nil {
			return err
		}
		cl.add("dedup store", bolt.Close)
		store = bolt
	}

	// Index: bleve, or Elasticsearch.
	var (
		indexer  consumers.Indexer
		searcher search.Searcher
		where    string
		es       *elasticsearch.Client
		rebuild  bool // the index is new: read the raw topic from the start
	)
	if c.embeddedIndex() {
		idx, rebuilt, err := openIndex(c, logger, reg)
		if err != nil {
			return err
		}
		rebuild = rebuilt
		cl.add("index", idx.Close)
		indexer, searcher = idx, idx
		n, _ := idx.Count()
		where = fmt.Sprintf("bleve index %s (%d articles)", filepath.Join(c.dataDir, upIndexDir), n)
	} else {
		var err error
		if es, err = c.es.Client(); err != nil {
			return err
		}
		if err := backoff.Setup(ctx, c.worker.Backoff, logger, "install index template and alias", elastic.IsRetryable, func(ctx context.Context) error {
			return elastic.Install(ctx, es, c.es.Index, c.textAnalyzer, logger)
		}); err != nil {
			return err
		}
		prober.AddCheck("elasticsearch", func(ctx context.Context) error { return elastic.Ping(ctx, es) })
		indexer = elastic.NewIndexer(es, elastic.IndexerConfig{Alias: c.es.Index, Backoff: c.worker.Backoff, RequestTimeout: c.bulkTimeout, Logger: logger, Registerer: reg})
		searcher = elastic.NewSearcher(es, c.es.Index)
		where = "Elasticsearch " + c.es.String()
	}

	// Dedup memory on a server: Redis or the Elasticsearch fingerprint index.
	if c.dedupStore == storeRedis || c.dedupStore == storeElasticsearch {
		shared, err := openSharedStore(ctx, c.dedupStore, c.redisCfg, es,
			esdedup.StoreConfig{Index: c.dedupIndex, CacheEntries: esdedup.DefaultCacheEntries}, c.worker.Backoff, prober, reg, logger)
		if err != nil {
			return err
		}
		if shared.close != nil {
			cl.add("dedup store", shared.close)
		}
		store = shared.Store
		where += ", dedup memory " + shared.desc
	}

	// Kafka: the embedded broker, or a cluster.
	useEmbedded := c.embeddedKafka()
	if useEmbedded {
		b, err := embedded.Start(embedded.Config{
			DataDir: filepath.Join(c.dataDir, upKafkaDir), Addr: c.embeddedAddr,
			Topics: []string{c.kafka.Topic, c.kafka.DLQTopic()}, Partitions: c.topic.Partitions, Logger: logger,
		})
		if err != nil {
			return err
		}
		cl.add("embedded broker", func() error { b.Close(); return nil })
		if rebuild {
			if err := b.ForgetGroup(ctx, c.reader.Group); err != nil {
				return err
			}
		}
		c.kafka.Brokers = []string{b.Addr()}
		if err := c.kafka.Resolve(nil); err != nil {
			return err
		}
		logger.Info("embedded kafka broker listening", "addr", b.Addr(), "data", filepath.Join(c.dataDir, upKafkaDir))
	}
	kc, err := c.kafka.Clients("newsflow-up")
	if err != nil {
		return err
	}
	// Topics made a moment ago must show in metadata at once.
	kc.Transport.MetadataTTL = time.Second
	defer kc.Close()
	if useEmbedded {
		// The embedded broker is newsflow's own: a dead-letter topic an
		// older version made at the default size is raised, where a
		// deployment's worker refuses to start (dlq.CheckTopic).
		fctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		err := dlq.Fit(fctx, kc.Client, c.kafka.Topic, c.kafka.DLQTopic(), logger)
		cancel()
		if err != nil {
			return fmt.Errorf("embedded broker: %w", err)
		}
	}

	// Producers, with the push endpoint mounted on the page's server.
	pcfg, err := c.producersConfig(kc.Brokers, kc.Transport)
	if err != nil {
		return err
	}
	prod, err := producers.New(pcfg, producers.Options{Logger: logger, Registerer: reg})
	if err != nil {
		return err
	}
	prober.AddCheck("producer", prod.Ready)

	// The consumer worker, assembled as in newsflow consume.
	deduper, err := c.dedup.deduper(store)
	if err != nil {
		return err
	}
	worker, err := consumers.Assemble(consumers.AssemblyConfig{
		Worker: c.worker, Reader: c.reader, DLQTopic: c.kafka.DLQTopic(), LagInterval: defaultUpLagInterval,
		// On a cluster the producers create the raw topic; the worker
		// creates the dead-letter topic with the same replication and
		// settings.
		WaitForTopic:  !useEmbedded,
		CreateTopic:   kafkacfg.TopicSpec{Replication: c.topic.Replication, Configs: c.topic.Configs},
		KafkaLogLevel: slog.LevelDebug,
	}, consumers.AssemblyParts{
		Kafka:      kc,
		Processor:  pipeline.New(deduper, time.Now, reg),
		Indexer:    indexer,
		Prober:     prober,
		Logger:     logger,
		Registerer: reg,
	})
	if err != nil {
		return err
	}
	stats := search.NewStats(reg, 0, nil)

	// The page, its API, the push endpoint and the ops endpoints on one port;
	// the ops endpoints on a server of their own with --metrics-addr.
	mux := http.NewServeMux()
	opsMux := ops.Handler(reg, prober)
	var opsSrv *ops.Server
	if c.metricsAddr == "" || c.metricsAddr == c.listen {
		for _, p := range []string{"/metrics", "/healthz", "/readyz"} {
			mux.Handle(p, opsMux)
		}
	} else if opsSrv, err = ops.Listen("metrics", c.metricsAddr, opsMux, logger); err != nil {
		return err
	}
	token, err := c.token()
	if err != nil {
		return err
	}
	page := c.pageAccess(token)
	info := &search.Info{}
	mux.Handle("/api/", page(search.NewHandler(search.Options{
		Searcher: searcher, Stats: stats, Logger: logger, Info: info,
		DeadLetters: deadLetterLister(kc, c.kafka),
	})))
	mux.Handle(push.Path, prod.Handler())
	mux.Handle("/samples/", page(http.StripPrefix("/samples", samples.Handler())))
	mux.Handle("/", page(web.Handler()))
	srv, err := ops.Listen("search page", c.listen, mux, logger)
	if err != nil {
		return err
	}
	url := "http://" + srv.Addr() + "/"
	*info = *c.pageInfo(url, where)
	metricsURL := url + "metrics"
	if opsSrv != nil {
		metricsURL = "http://" + opsSrv.Addr() + "/metrics"
	}

	// Actors, stopped in order: the producers flush what they accepted; the
	// worker then indexes what it fetched and commits; the page stays up
	// until the worker is done.
	shutdown := c.worker.ShutdownTimeout
	var g actors.Group
	produced := make(chan struct{})
	{
		pctx, cancel := context.WithCancel(context.Background())
		g.Add(func() error {
			defer close(produced)
			return prod.Run(pctx)
		}, func(error) {
			prober.NotReady()
			cancel()
		})
	}
	consumed := make(chan struct{})
	{
		wctx, cancel := context.WithCancel(context.Background())
		g.Add(func() error {
			defer close(consumed)
			return worker.Run(wctx)
		}, func(error) {
			prober.NotReady()
			select {
			case <-produced:
			case <-time.After(shutdown):
				logger.Warn("producers still flushing at the shutdown deadline; stopping the worker")
			}
			cancel()
		})
	}
	g.Add(srv.Run, func(error) {
		select {
		case <-consumed:
		case <-time.After(2 * shutdown):
		}
		srv.Stop(5 * time.Second)
	})
	if opsSrv != nil {
		// As the page: /readyz says "not ready" and /metrics stays
		// scrapable until the worker is done.
		g.Add(opsSrv.Run, func(error) {
			select {
			case <-consumed:
			case <-time.After(2 * shutdown):
			}
			opsSrv.Stop(5 * time.Second)
		})
	}
	{
		pctx, cancel := context.WithCancel(context.Background())
		g.Add(func() error {
			progress(pctx, st.stdout, stats, c.progress, url, started)
			return nil
		}, func(error) { cancel() })
	}
	g.Add(actors.ContextHandler(ctx))

	fmt.Fprintf(st.stdout, "newsflow up: Kafka %s, index %s, data in %s\n", kafkaWhere(c, useEmbedded), where, c.dataDir)
	fmt.Fprintf(st.stdout, "newsflow up: search page %s  (push: POST %sv1/articles, metrics: %s; Ctrl-C to stop)\n", url, url, metricsURL)
	logger.Info("newsflow up running", "url", url, "metrics", metricsURL, "data_dir", c.dataDir, "samples", c.samples, "feeds", len(c.feeds), "watch", c.watchDir)
	runErr := g.Run()
	if errors.Is(runErr, context.Canceled) {
		runErr = nil
	}

	cl.closeAll()
	final := stats.Snapshot()
	fmt.Fprintf(st.stdout, "newsflow up: stopped after %s: %s\n", time.Since(started).Round(time.Second), totals(final))
	return runErr
}

// openIndex opens the bleve index of --data-dir. One built by another
// version of newsflow (its mapping changed) is moved aside to index.old-<time>
// and a new one is made, to be rebuilt from the embedded broker, which keeps
// every message: rebuilt is then true and the consumer group must start
// from the beginning. With --kafka-brokers the messages may be gone, so the
// old index is refused with what to do instead.
func openIndex(c *upSettings, logger *slog.Logger, reg *prometheus.Registry) (idx *bleve.Index, rebuilt bool, err error) {
	dir := filepath.Join(c.dataDir, upIndexDir)
	o := bleve.Options{Analyzer: c.textAnalyzer, Logger: logger, Registerer: reg}
	idx, err = bleve.Open(dir, o)
	if !errors.Is(err, bleve.ErrMappingChanged) {
		return idx, false, err
	}
	if !c.embeddedKafka() {
		return nil, false, fmt.Errorf("%w; then reset the offsets of group %s on %s to the earliest so that it is indexed again", err, c.reader.Group, c.kafka.Topic)
	}
	aside := fmt.Sprintf("%s.old-%s", dir, time.Now().UTC().Format("20060102T150405Z"))
	if rerr := os.Rename(dir, aside); rerr != nil {
		return nil, false, fmt.Errorf("move the outdated index aside: %w (%w)", rerr, err)
	}
	logger.Warn("the index was built by another version of newsflow: moved aside, rebuilding it from the embedded broker's messages",
		"old_index", aside, "index", dir, "reason", err)
	idx, err = bleve.Open(dir, o)
	return idx, true, err
}

func kafkaWhere(c *upSettings, embedded bool) string {
	if embedded {
		return "embedded broker " + c.kafka.Brokers[0]
	}
	return strings.Join(c.kafka.Brokers, ",")
}
