package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	actors "github.com/oklog/run"
	"github.com/segmentio/kafka-go"

	"github.com/newsflow/newsflow/consumers"
	"github.com/newsflow/newsflow/consumers/dlq"
	"github.com/newsflow/newsflow/consumers/lag"
	"github.com/newsflow/newsflow/index/bleve"
	"github.com/newsflow/newsflow/index/boltdedup"
	"github.com/newsflow/newsflow/index/elastic"
	"github.com/newsflow/newsflow/index/esdedup"
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
	"github.com/newsflow/newsflow/producers/watch"
	"github.com/newsflow/newsflow/samples"
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
	upSessionTimeout    = 10 * time.Second
	upHeartbeatInterval = time.Second
)

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
  dedup memory   <data-dir>/dedup.db (the Elasticsearch fingerprint index with
                 --elasticsearch-url), so repeats are found across restarts.
  samples        IPTC ninjs and NewsML-G2 examples shipped in the binary, published
                 at the first start (--samples=false: none); the producers' record
                 in <data-dir>/producer keeps them, and every feed or file item,
                 from being sent twice.

One address (--listen) serves everything:
  /                    the search page
  /api/search, /api/articles/{id}, /api/stats    its API (see DESIGN.md)
  POST /v1/articles    the push endpoint (RawArticle or JSON lines); without a
                       token on a loopback address, else --token-file is required
  /metrics, /healthz, /readyz

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
	kafka         kafkacfg.Settings
	embeddedAddr  string
	partitions    int
	group         string
	es            escfg.Settings
	textAnalyzer  string
	dedupIndex    string
	feeds         []string
	pollInterval  time.Duration
	watchDir      string
	watchSource   string
	watchInterval time.Duration
	watchSettle   time.Duration
	tokenFile     string
	samples       bool
	progress      time.Duration
	shutdown      time.Duration
	dedup         *dedupSettings
}

func addUpSettings(s *cli.Set) *upSettings {
	c := &upSettings{}
	s.String(&c.dataDir, "data-dir", "NEWSFLOW_DATA_DIR", defaultDataDir,
		"where the embedded broker, the index, the dedup memory and the producers' record live (kafka/, index/, dedup.db, producer/); one newsflow up per directory")
	s.String(&c.listen, "listen", "NEWSFLOW_LISTEN", defaultUpListen,
		"address of the search page, its API, the push endpoint and /metrics; a non-loopback address needs --token-file")

	// Kafka: the same settings as produce and consume, but no brokers by
	// default (the embedded broker).
	c.kafka.AddFlagsWith(s, nil, "Kafka bootstrap brokers, host:port; empty: the embedded broker")
	s.String(&c.embeddedAddr, "embedded-kafka-addr", "NEWSFLOW_EMBEDDED_KAFKA_ADDR", embedded.DefaultAddr,
		"listen address of the embedded broker (port 0: a free one, logged at start); set a port to point kcat or another client at it")
	s.Int(&c.partitions, "topic-partitions", "NEWSFLOW_TOPIC_PARTITIONS", defaultUpPartitions,
		"partitions of the raw and dead-letter topics when they are created (the worker processes partitions in parallel)")
	s.String(&c.group, "group", "NEWSFLOW_GROUP", kafkacfg.DefaultGroup, "consumer group of the worker")

	c.es.AddFlagsWith(s, nil, "Elasticsearch node URLs; empty: the embedded bleve index (--index and the credentials apply only with a URL)")
	s.String(&c.textAnalyzer, "text-analyzer", "NEWSFLOW_TEXT_ANALYZER", bleve.AnalyzerEnglish,
		"analyzer of title and body: english (stems, drops stop words) or standard (words as written); applies when the index is created")
	s.String(&c.dedupIndex, "dedup-index", "NEWSFLOW_DEDUP_INDEX", esdedup.DefaultStoreIndex,
		"with --elasticsearch-url: base name of the fingerprint index of the dedup memory (as newsflow consume); must not match <index>-*")

	s.List(&c.feeds, "feed", "NEWSFLOW_FEEDS", nil, "feed to poll, name=URL or URL (repeatable; comma-separated in the environment)")
	s.Duration(&c.pollInterval, "poll-interval", "NEWSFLOW_POLL_INTERVAL", feed.DefaultInterval, "time between polls of each feed")
	s.String(&c.watchDir, "watch", "NEWSFLOW_WATCH", "", "directory whose new files are ingested (.txt, .html, .json ninjs, .xml, .jsonl); read files move to done/ or failed/")
	s.String(&c.watchSource, "watch-source", "NEWSFLOW_WATCH_SOURCE", watch.DefaultSource, "source of articles from files that do not name one")
	s.Duration(&c.watchInterval, "watch-interval", "NEWSFLOW_WATCH_INTERVAL", watch.DefaultInterval, "time between scans of the watched directory")
	s.Duration(&c.watchSettle, "watch-settle", "NEWSFLOW_WATCH_SETTLE", watch.DefaultSettle, "how long a file must hold still before it is read")
	s.String(&c.tokenFile, "token-file", "NEWSFLOW_TOKEN_FILE", "", "file holding the bearer token the push endpoint requires (needed when --listen is not loopback)")
	s.Bool(&c.samples, "samples", "NEWSFLOW_SAMPLES", true, "publish the sample articles shipped with newsflow (once: later starts skip them)")
	s.Duration(&c.progress, "progress-interval", "NEWSFLOW_PROGRESS_INTERVAL", defaultUpProgress, "how often a progress line is printed while articles flow (0: never)")
	s.Duration(&c.shutdown, "shutdown-timeout", "NEWSFLOW_SHUTDOWN_TIMEOUT", producers.DefaultShutdownTimeout, "longest each shutdown step waits")
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
	case c.partitions < 1:
		return fmt.Errorf("--topic-partitions %d: want at least 1", c.partitions)
	case c.group == "":
		return errors.New("--group is empty")
	case c.textAnalyzer != bleve.AnalyzerEnglish && c.textAnalyzer != bleve.AnalyzerStandard && c.embeddedIndex():
		return fmt.Errorf("--text-analyzer %q: the embedded index knows english and standard", c.textAnalyzer)
	case c.progress < 0:
		return errors.New("--progress-interval must not be negative")
	}
	if _, _, err := net.SplitHostPort(c.listen); err != nil {
		return fmt.Errorf("--listen %q: want host:port: %w", c.listen, err)
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
		if c.dedupIndex == "" || strings.HasPrefix(c.dedupIndex, c.es.Index+"-") {
			return fmt.Errorf("--dedup-index %q: give a name outside the article template pattern %s-*", c.dedupIndex, c.es.Index)
		}
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
		Interval: c.pollInterval,
		// The sample feeds are answered in-process; other URLs go out.
		Client: &http.Client{Timeout: feed.DefaultTimeout, Transport: samples.Transport(nil)},
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
	pc := &push.Config{AllowAnonymous: c.tokenFile == ""}
	if c.tokenFile != "" {
		b, err := os.ReadFile(c.tokenFile)
		if err != nil {
			return producers.Config{}, fmt.Errorf("--token-file: %w", err)
		}
		if pc.Token = strings.TrimSpace(string(b)); pc.Token == "" {
			return producers.Config{}, fmt.Errorf("--token-file %s is empty", c.tokenFile)
		}
	}
	cfg := producers.Config{
		Kafka: publish.Config{
			Brokers: brokers, Topic: c.kafka.Topic, Transport: tr,
			// Create the topic on a real cluster that lacks it.
			Partitions: c.partitions,
		},
		DataDir:         c.dataDir,
		Feeds:           fc,
		Push:            pc,
		ShutdownTimeout: c.shutdown,
	}
	if c.watchDir != "" {
		cfg.Watch = &watch.Config{Dir: c.watchDir, Source: c.watchSource, Interval: c.watchInterval, Settle: c.watchSettle}
	}
	return cfg, cfg.Validate()
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
	workerCfg := consumers.Config{Topic: c.kafka.Topic, FlushInterval: defaultUpFlush, ShutdownTimeout: c.shutdown}
	setupPolicy := workerCfg.Backoff

	// Index and dedup memory: bleve and bbolt, or Elasticsearch.
	var (
		indexer  consumers.Indexer
		searcher search.Searcher
		store    dedup.Store
		where    string
	)
	if c.embeddedIndex() {
		bolt, err := boltdedup.Open(filepath.Join(c.dataDir, upDedupDB))
		if err != nil {
			return err
		}
		cl.add("dedup store", bolt.Close)
		idx, err := bleve.Open(filepath.Join(c.dataDir, upIndexDir), bleve.Options{Analyzer: c.textAnalyzer, Logger: logger, Registerer: reg})
		if err != nil {
			return err
		}
		cl.add("index", idx.Close)
		indexer, searcher, store = idx, idx, bolt
		n, _ := idx.Count()
		where = fmt.Sprintf("bleve index %s (%d articles)", filepath.Join(c.dataDir, upIndexDir), n)
	} else {
		es, err := c.es.Client()
		if err != nil {
			return err
		}
		if err := retrySetup(ctx, logger, setupPolicy, "install index template and alias", func(ctx context.Context) error {
			return elastic.Install(ctx, es, c.es.Index, c.textAnalyzer, logger)
		}); err != nil {
			return err
		}
		ess := esdedup.NewStore(es, esdedup.StoreConfig{Index: c.dedupIndex, CacheEntries: esdedup.DefaultCacheEntries, Registerer: reg})
		if err := retrySetup(ctx, logger, setupPolicy, "create the fingerprint index", ess.Setup); err != nil {
			return err
		}
		prober.AddCheck("elasticsearch", func(ctx context.Context) error { return elastic.Ping(ctx, es) })
		indexer = elastic.NewIndexer(es, elastic.IndexerConfig{Alias: c.es.Index, Logger: logger, Registerer: reg})
		searcher, store = elastic.NewSearcher(es, c.es.Index), ess
		where = "Elasticsearch " + c.es.String()
	}

	// Kafka: the embedded broker, or a cluster.
	brokers := c.kafka.Brokers
	useEmbedded := c.embeddedKafka()
	if useEmbedded {
		b, err := embedded.Start(embedded.Config{
			DataDir: filepath.Join(c.dataDir, upKafkaDir), Addr: c.embeddedAddr,
			Topics: []string{c.kafka.Topic, c.kafka.DLQTopic()}, Partitions: c.partitions, Logger: logger,
		})
		if err != nil {
			return err
		}
		cl.add("embedded broker", func() error { b.Close(); return nil })
		brokers = []string{b.Addr()}
		c.kafka.Brokers = brokers
		if err := c.kafka.Resolve(nil); err != nil {
			return err
		}
		logger.Info("embedded kafka broker listening", "addr", b.Addr(), "data", filepath.Join(c.dataDir, upKafkaDir))
	}
	transport, err := c.kafka.Transport("newsflow-up")
	if err != nil {
		return err
	}
	// Topics made a moment ago must show in metadata at once.
	transport.MetadataTTL = time.Second
	defer transport.CloseIdleConnections()

	// Producers, with the push endpoint mounted on the page's server.
	pcfg, err := c.producersConfig(brokers, transport)
	if err != nil {
		return err
	}
	prod, err := producers.New(pcfg, producers.Options{Logger: logger, Registerer: reg})
	if err != nil {
		return err
	}
	prober.AddCheck("producer", prod.Ready)

	// The consumer worker, as in newsflow consume.
	client := &kafka.Client{Addr: kafka.TCP(brokers...), Transport: transport, Timeout: 10 * time.Second}
	prober.AddCheck("kafka", func(ctx context.Context) error {
		_, err := client.Metadata(ctx, &kafka.MetadataRequest{Topics: []string{c.kafka.Topic}})
		return err
	})
	dialer, err := c.kafka.Dialer("newsflow-up")
	if err != nil {
		return err
	}
	deduper, err := c.dedup.deduper(store)
	if err != nil {
		return err
	}
	stats := search.NewStats(reg, 0, nil)

	// The page, its API, the push endpoint and the ops endpoints on one port.
	mux := http.NewServeMux()
	opsMux := ops.Handler(reg, prober)
	for _, p := range []string{"/metrics", "/healthz", "/readyz"} {
		mux.Handle(p, opsMux)
	}
	mux.Handle("/api/", search.NewHandler(search.Options{Searcher: searcher, Stats: stats, Logger: logger}))
	mux.Handle(push.Path, prod.Handler())
	mux.Handle("/samples/", http.StripPrefix("/samples", samples.Handler()))
	mux.Handle("/", web.Handler())
	srv, err := ops.Listen("search page", c.listen, mux, logger)
	if err != nil {
		return err
	}
	url := "http://" + srv.Addr() + "/"

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
	var reader *kafka.Reader
	var dlqWriter *kafka.Writer
	{
		// The worker starts once the producers made sure of the topic (on
		// a cluster) and stops after they flushed, so what they accepted
		// is indexed before the process exits.
		wctx, cancel := context.WithCancel(context.Background())
		g.Add(func() error {
			defer close(consumed)
			if !useEmbedded {
				if err := retrySetup(wctx, logger, setupPolicy, "create the dead-letter topic", func(ctx context.Context) error {
					if err := waitTopic(ctx, client, c.kafka.Topic); err != nil {
						return err
					}
					return dlq.EnsureTopic(ctx, client, c.kafka.Topic, c.kafka.DLQTopic(), logger)
				}); err != nil {
					if wctx.Err() != nil {
						return nil
					}
					return err
				}
			}
			reader = kafka.NewReader(kafka.ReaderConfig{
				Brokers:           brokers,
				GroupID:           c.group,
				Topic:             c.kafka.Topic,
				Dialer:            dialer,
				MinBytes:          1,
				MaxBytes:          10 << 20,
				MaxWait:           defaultUpFetchMaxWait,
				HeartbeatInterval: upHeartbeatInterval,
				SessionTimeout:    upSessionTimeout,
				CommitInterval:    0,
				StartOffset:       kafka.FirstOffset,
				ErrorLogger:       kafkaLogger(logger, slog.LevelDebug),
			})
			consumers.RegisterReaderStats(reader, reg)
			dlqWriter = &kafka.Writer{
				Addr: kafka.TCP(brokers...), Topic: c.kafka.DLQTopic(), Balancer: &kafka.Murmur2Balancer{},
				RequiredAcks: kafka.RequireAll, BatchTimeout: 10 * time.Millisecond, Transport: transport,
			}
			w, err := consumers.New(workerCfg, consumers.Options{
				Fetcher:     reader,
				Processor:   pipeline.New(deduper, time.Now, reg),
				Indexer:     indexer,
				DeadLetters: dlq.NewProducer(dlqWriter, c.kafka.DLQTopic(), reg),
				Logger:      logger,
				Registerer:  reg,
			})
			if err != nil {
				return err
			}
			return w.Run(wctx)
		}, func(error) {
			prober.NotReady()
			select {
			case <-produced:
			case <-time.After(c.shutdown):
				logger.Warn("producers still flushing at the shutdown deadline; stopping the worker")
			}
			cancel()
		})
	}
	{
		monitor := lag.NewMonitor(client, c.group, c.kafka.Topic, defaultUpLagInterval, reg, logger)
		lctx, cancel := context.WithCancel(context.Background())
		g.Add(func() error { return monitor.Run(lctx) }, func(error) { cancel() })
	}
	{
		// The page stays up while the pipeline drains.
		g.Add(srv.Run, func(error) {
			select {
			case <-consumed:
			case <-time.After(2 * c.shutdown):
			}
			srv.Stop(5 * time.Second)
		})
	}
	{
		pctx, cancel := context.WithCancel(context.Background())
		g.Add(func() error {
			progress(pctx, st.stdout, stats, c.progress, url, started)
			return nil
		}, func(error) { cancel() })
	}
	{
		sctx, cancel := context.WithCancel(ctx)
		g.Add(func() error {
			<-sctx.Done()
			return nil
		}, func(error) { cancel() })
	}

	fmt.Fprintf(st.stdout, "newsflow up: Kafka %s, index %s, data in %s\n", kafkaWhere(c, useEmbedded), where, c.dataDir)
	fmt.Fprintf(st.stdout, "newsflow up: search page %s  (push: POST %sv1/articles, metrics: %smetrics; Ctrl-C to stop)\n", url, url, url)
	logger.Info("newsflow up running", "url", url, "data_dir", c.dataDir, "samples", c.samples, "feeds", len(c.feeds), "watch", c.watchDir)
	runErr := g.Run()

	if reader != nil {
		if err := reader.Close(); err != nil {
			logger.Warn("close kafka reader", "err", err)
		}
	}
	if dlqWriter != nil {
		if err := dlqWriter.Close(); err != nil {
			logger.Warn("close dead-letter writer", "err", err)
		}
	}
	cl.closeAll()
	final := stats.Snapshot()
	fmt.Fprintf(st.stdout, "newsflow up: stopped after %s: %s\n", time.Since(started).Round(time.Second), totals(final))
	return runErr
}

func kafkaWhere(c *upSettings, embedded bool) string {
	if embedded {
		return "embedded broker " + c.kafka.Brokers[0]
	}
	return strings.Join(c.kafka.Brokers, ",")
}

// waitTopic waits until topic exists (the producers create it).
func waitTopic(ctx context.Context, client *kafka.Client, topic string) error {
	for {
		md, err := client.Metadata(ctx, &kafka.MetadataRequest{Topics: []string{topic}})
		if err == nil {
			for _, t := range md.Topics {
				if t.Name == topic && t.Error == nil && len(t.Partitions) > 0 {
					return nil
				}
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("topic %s does not exist yet: %w", topic, ctx.Err())
		case <-time.After(500 * time.Millisecond):
		}
	}
}

// progress prints a line every interval while articles flow (and once when
// they stop), and the page URL with the time it took once the first article
// is searchable.
func progress(ctx context.Context, w io.Writer, stats *search.Stats, every time.Duration, url string, started time.Time) {
	if every <= 0 {
		<-ctx.Done()
		return
	}
	var mu sync.Mutex
	say := func(format string, a ...any) {
		mu.Lock()
		defer mu.Unlock()
		fmt.Fprintf(w, format, a...)
	}
	first := stats.Snapshot()
	base := first.Indexed
	announced := false
	lastLine := ""
	t := time.NewTicker(minDuration(every, time.Second))
	defer t.Stop()
	lastPrint := time.Now()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		s := stats.Snapshot()
		if !announced && s.Indexed > base {
			announced = true
			say("newsflow up: first articles searchable after %s: open %s\n", time.Since(started).Round(100*time.Millisecond), url)
		}
		if time.Since(lastPrint) < every {
			continue
		}
		line := totals(s)
		active := s.ProducedRate > 0 || s.IndexedRate > 0 || s.Lag > 0 || s.InFlight > 0
		if line == lastLine {
			continue
		}
		if active {
			line = fmt.Sprintf("%s · %.1f produced/s, %.1f indexed/s", line, s.ProducedRate, s.IndexedRate)
		}
		say("newsflow up: %s\n", line)
		lastLine, lastPrint = totals(s), time.Now()
	}
}

func totals(s search.Snapshot) string {
	skipped := ""
	if s.Unchanged > 0 {
		skipped = fmt.Sprintf(" (%.0f already sent)", s.Unchanged)
	}
	return fmt.Sprintf("%.0f produced%s, %.0f indexed, %.0f dead-lettered, lag %.0f", s.Produced, skipped, s.Indexed, s.DeadLettered, s.Lag)
}

func minDuration(a, b time.Duration) time.Duration {
	if a < b {
		return a
	}
	return b
}
