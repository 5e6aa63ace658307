package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	actors "github.com/oklog/run"

	"github.com/newsflow/newsflow/internal/cli"
	"github.com/newsflow/newsflow/internal/kafkacfg"
	"github.com/newsflow/newsflow/internal/ops"
	"github.com/newsflow/newsflow/producers"
	"github.com/newsflow/newsflow/producers/feed"
	"github.com/newsflow/newsflow/producers/publish"
	"github.com/newsflow/newsflow/producers/push"
	"github.com/newsflow/newsflow/producers/seen"
	"github.com/newsflow/newsflow/producers/watch"
)

// Defaults of produce that are not a package's.
const (
	defaultProduceMetricsAddr = ":9102"
	defaultDataDir            = "newsflow-data"
)

const produceDetails = `Sources (any combination, at least one):
  --feed name=URL   an RSS 2.0, Atom, ninjs or NewsML-G2 URL, recognised by content.
                    name is the articles' source and the feed label of metrics
                    (letters, digits, . _ -); a bare URL is named by its host.
                    Repeatable; NEWSFLOW_FEEDS takes a comma-separated list.
  --watch DIR       files dropped into DIR: .jsonl/.ndjson (RawArticle lines),
                    .json (ninjs), .xml (NewsML-G2, RSS, Atom), .txt, .html.
                    Each goes to DIR/done/, or to DIR/failed/ with DIR/failed/
                    <name>.reason. A file is read once its size and time held
                    still for --watch-settle; names starting with "." or ending
                    in .tmp/.part are skipped, so write-then-rename is always safe.
  --listen ADDR     POST /v1/articles: a RawArticle JSON object or JSON lines,
                    with "Authorization: Bearer <token>" (--token-file).
                    202 {"accepted":n}: all n are in Kafka (acks=all).
                    400 {"accepted":n,"errors":[{"line":l,"error":"…"}]}: the n
                    good lines are in Kafka; fix and resend only the listed ones.
                    401 bad token; 413 body over --push-max-bytes (nothing taken);
                    503 {"accepted":n,"errors":[…,"retry":true]} Kafka failed for
                    the marked lines; {"accepted":0,"error":"shutting down"} or
                    "starting: waiting for Kafka": nothing taken, retry later.

Delivery: a source hears "done" only after Kafka acknowledged (acks=all). Feed
and file items already sent with the same content are skipped, across
restarts, using a record in --data-dir (bounded by --seen-max-entries); a new
version or a correction is sent again. Pushed articles are always sent.
Messages: key source:source_id, value RawArticle JSON, headers
newsflow.content_type, newsflow.pub_status, newsflow.embargoed_until (RFC 3339),
newsflow.version, newsflow.origin (feed, watch, push). Partitioning is Murmur2
on the key (as Java clients), so every version of a story is on one partition,
in order.

Topic: not created by default (the deployment creates it with its retention and
replication): a missing topic stops the producer with the kafka-topics.sh
command that creates it. --topic-partitions N creates it at start when absent,
with --topic-replication R (default: the broker's) and --topic-config
key=value settings (repeatable: retention.ms=…, min.insync.replicas=2).

Batching: the writer collects messages per partition until --batch-size
messages, --batch-bytes bytes or --batch-timeout elapsed, whichever first. A
longer timeout makes bigger batches (fewer requests, better compression) and
slower answers: every push waits for its batch. --batch-bytes is also the
largest article accepted; keep it at or below the broker's message.max.bytes.

Shutdown (SIGINT/SIGTERM): /readyz fails, pushes get 503, polling and scanning
stop, everything accepted is flushed to Kafka, then the process exits; each
step waits at most --shutdown-timeout. A second signal exits at once.`

// produceSettings are the settings of `newsflow produce`.
type produceSettings struct {
	kafka        kafkacfg.Settings
	metricsAddr  string
	dataDir      string
	seenMax      int
	feeds        []string
	pollInterval time.Duration
	feedTimeout  time.Duration
	backoffMax   time.Duration
	feedMaxBytes int
	userAgent    string
	watchDir     string
	watchSource  string
	watchEvery   time.Duration
	watchSettle  time.Duration
	watchMax     int
	listen       string
	tokenFile    string
	pushMaxBytes int
	anonymous    bool
	compression  string
	batchSize    int
	batchBytes   int
	batchTimeout time.Duration
	writeTimeout time.Duration
	maxAttempts  int
	topic        kafkacfg.TopicSpec
	shutdown     time.Duration
}

func addProduceSettings(s *cli.Set) *produceSettings {
	var c produceSettings
	c.kafka.AddFlags(s)
	s.String(&c.metricsAddr, "metrics-addr", "NEWSFLOW_METRICS_ADDR", defaultProduceMetricsAddr, "listen address for /metrics, /healthz and /readyz (ready when Kafka answers and the topic exists)")
	s.String(&c.dataDir, "data-dir", "NEWSFLOW_DATA_DIR", defaultDataDir, "directory for local state: the record of feed and file items sent (producer/seen.log); locked, one producer per directory")
	s.Int(&c.seenMax, "seen-max-entries", "NEWSFLOW_SEEN_MAX_ENTRIES", seen.DefaultMaxEntries, "items the seen record remembers (about 250 bytes of memory and 100 of disk each); keep it above the number of items all feeds list at once, or evicted items still listed are sent again")

	s.List(&c.feeds, "feed", "NEWSFLOW_FEEDS", nil, "feed to poll, name=URL or URL (repeatable; comma-separated in the environment)")
	s.Duration(&c.pollInterval, "poll-interval", "NEWSFLOW_POLL_INTERVAL", feed.DefaultInterval, "time between polls of each feed; shorter catches news sooner and costs the feed's server more (conditional GET makes unchanged polls cheap)")
	s.Duration(&c.feedTimeout, "feed-timeout", "NEWSFLOW_FEED_TIMEOUT", feed.DefaultTimeout, "longest a feed request may take, body included")
	s.Duration(&c.backoffMax, "feed-backoff-max", "NEWSFLOW_FEED_BACKOFF_MAX", feed.DefaultBackoffMax, "after consecutive failures a feed waits poll-interval × 2^(failures-1) (or the server's Retry-After), at most this long")
	s.Int(&c.feedMaxBytes, "feed-max-bytes", "NEWSFLOW_FEED_MAX_BYTES", feed.DefaultMaxBytes, "largest feed body read; larger is a too_large error")
	s.String(&c.userAgent, "user-agent", "NEWSFLOW_USER_AGENT", feed.DefaultUserAgent, "User-Agent of feed requests; some feeds require a contact")

	s.String(&c.watchDir, "watch", "NEWSFLOW_WATCH", "", "directory whose new files are ingested (see above)")
	s.String(&c.watchSource, "watch-source", "NEWSFLOW_WATCH_SOURCE", watch.DefaultSource, "source of articles from files that do not name one (.txt, .html, ninjs, NewsML-G2, lines without source)")
	s.Duration(&c.watchEvery, "watch-interval", "NEWSFLOW_WATCH_INTERVAL", watch.DefaultInterval, "time between scans of the watched directory")
	s.Duration(&c.watchSettle, "watch-settle", "NEWSFLOW_WATCH_SETTLE", watch.DefaultSettle, "how long a file's size and time must hold still before it is read; longer is safer for writers that pause, shorter is faster")
	s.Int(&c.watchMax, "watch-max-bytes", "NEWSFLOW_WATCH_MAX_BYTES", watch.DefaultMaxBytes, "largest file read; larger files go to failed/")

	s.String(&c.listen, "listen", "NEWSFLOW_LISTEN", "", "address of the push endpoint POST /v1/articles (empty: no endpoint)")
	s.String(&c.tokenFile, "token-file", "NEWSFLOW_TOKEN_FILE", "", "file holding the bearer token the push endpoint requires (read at start)")
	s.Int(&c.pushMaxBytes, "push-max-bytes", "NEWSFLOW_PUSH_MAX_BYTES", push.DefaultMaxBytes, "largest push request body; larger gets 413")
	s.Bool(&c.anonymous, "push-allow-anonymous", "NEWSFLOW_PUSH_ALLOW_ANONYMOUS", false, "accept pushes without a token when --token-file is not set; only for an endpoint no one else can reach")

	s.String(&c.compression, "compression", "NEWSFLOW_COMPRESSION", publish.DefaultCompression, "none, gzip, snappy, lz4 or zstd; on the sample feeds zstd shrinks batches to 27% (snappy 42%) at 86 MB/s per core, far above a news producer's rate")
	s.Int(&c.batchSize, "batch-size", "NEWSFLOW_BATCH_SIZE", publish.DefaultBatchSize, "most messages per partition batch")
	s.Int(&c.batchBytes, "batch-bytes", "NEWSFLOW_BATCH_BYTES", publish.DefaultBatchBytes, "most bytes per partition batch, and the largest article accepted (the broker's default message.max.bytes is 1 MiB)")
	s.Duration(&c.batchTimeout, "batch-timeout", "NEWSFLOW_BATCH_TIMEOUT", publish.DefaultBatchTimeout, "how long a batch waits for more messages (linger); every push and poll waits up to this long for its acknowledgement")
	s.Duration(&c.writeTimeout, "write-timeout", "NEWSFLOW_WRITE_TIMEOUT", publish.DefaultWriteTimeout, "longest one produce request to Kafka may take")
	s.Int(&c.maxAttempts, "max-attempts", "NEWSFLOW_MAX_ATTEMPTS", publish.DefaultMaxAttempts, "tries per batch before its articles fail (the source offers them again later)")
	c.topic.AddFlags(s, 0, "when > 0, create the topic with this many partitions if it does not exist (0: it must exist; the error says how to create it)")
	s.Duration(&c.shutdown, "shutdown-timeout", "NEWSFLOW_SHUTDOWN_TIMEOUT", producers.DefaultShutdownTimeout, "longest each shutdown step waits (pushes in flight, polls, flush)")
	return &c
}

// config turns the settings into a producers.Config.
func (c *produceSettings) config(lookupEnv func(string) (string, bool)) (producers.Config, error) {
	if err := c.kafka.Resolve(lookupEnv); err != nil {
		return producers.Config{}, err
	}
	tr, err := c.kafka.Transport("newsflow-producer")
	if err != nil {
		return producers.Config{}, err
	}
	cfg := producers.Config{
		Kafka: publish.Config{
			Brokers: c.kafka.Brokers, Topic: c.kafka.Topic, Transport: tr,
			Compression: c.compression, BatchSize: c.batchSize, BatchBytes: int64(c.batchBytes), BatchTimeout: c.batchTimeout,
			WriteTimeout: c.writeTimeout, MaxAttempts: c.maxAttempts,
			Partitions: c.topic.Partitions, ReplicationFactor: c.topic.Replication, TopicConfigs: c.topic.Configs,
		},
		DataDir:         c.dataDir,
		SeenMaxEntries:  c.seenMax,
		ShutdownTimeout: c.shutdown,
		Listen:          c.listen,
		Feeds: feed.Config{
			Interval: c.pollInterval, Timeout: c.feedTimeout, BackoffMax: c.backoffMax,
			MaxBytes: int64(c.feedMaxBytes), UserAgent: c.userAgent,
		},
	}
	for _, f := range c.feeds {
		fd, err := feed.ParseFeed(f)
		if err != nil {
			return producers.Config{}, fmt.Errorf("--feed: %w", err)
		}
		cfg.Feeds.Feeds = append(cfg.Feeds.Feeds, fd)
	}
	if c.watchDir != "" {
		cfg.Watch = &watch.Config{Dir: c.watchDir, Source: c.watchSource, Interval: c.watchEvery, Settle: c.watchSettle, MaxBytes: int64(c.watchMax)}
	}
	if c.listen != "" {
		pc := &push.Config{AllowAnonymous: c.anonymous, MaxBytes: int64(c.pushMaxBytes)}
		if c.tokenFile != "" {
			b, err := os.ReadFile(c.tokenFile)
			if err != nil {
				return producers.Config{}, fmt.Errorf("--token-file: %w", err)
			}
			if pc.Token = strings.TrimSpace(string(b)); pc.Token == "" {
				return producers.Config{}, fmt.Errorf("--token-file %s is empty", c.tokenFile)
			}
		} else if !c.anonymous {
			return producers.Config{}, errors.New("--listen needs --token-file (or --push-allow-anonymous for an endpoint no one else can reach)")
		}
		cfg.Push = pc
	} else if c.tokenFile != "" {
		return producers.Config{}, errors.New("--token-file without --listen: the push endpoint is off")
	}
	return cfg, cfg.Validate()
}

func runProduce(ctx context.Context, st streams, args []string) error {
	s := cli.New("produce", "newsflow produce: publish feeds, a watched directory and pushed articles to Kafka.")
	logs := addLogSettings(s)
	c := addProduceSettings(s)
	if _, err := parse(s, st, args, "newsflow produce [flags]   (at least one of --feed, --watch, --listen)", produceDetails); err != nil {
		return err
	}
	logger, err := logs.logger(st.stderr)
	if err != nil {
		return err
	}
	cfg, err := c.config(os.LookupEnv)
	if err != nil {
		return err
	}
	reg := ops.NewRegistry()
	prober := ops.NewProber()
	p, err := producers.New(cfg, producers.Options{Logger: logger, Registerer: reg})
	if err != nil {
		return err
	}
	prober.AddCheck("producer", p.Ready)
	srv, err := ops.Listen("metrics", c.metricsAddr, ops.Handler(reg, prober), logger)
	if err != nil {
		return err
	}
	logger.Info("producer starting", "kafka", c.kafka.String(), "feeds", len(cfg.Feeds.Feeds), "watch", c.watchDir, "listen", p.PushAddr(), "data_dir", c.dataDir)

	var g actors.Group
	pctx, pcancel := context.WithCancel(context.Background())
	produced := make(chan struct{})
	g.Add(func() error {
		defer close(produced)
		return p.Run(pctx)
	}, func(error) {
		prober.NotReady()
		pcancel()
	})
	// The ops server outlives the producer, so /readyz says "not ready"
	// and /metrics stays scrapable while the producer drains.
	g.Add(srv.Run, func(error) {
		select {
		case <-produced:
		case <-time.After(4 * c.shutdown):
		}
		srv.Stop(5 * time.Second)
	})
	sctx, scancel := context.WithCancel(ctx)
	g.Add(func() error {
		<-sctx.Done() // the first SIGINT/SIGTERM
		return nil
	}, func(error) { scancel() })
	err = g.Run()
	logger.Info("producer stopped")
	return err
}
