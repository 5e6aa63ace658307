// Package producers runs newsflow's producers in one process: feed pollers,
// a watched directory and the HTTP push endpoint, all publishing RawArticles
// to the raw Kafka topic through one writer. Every source is optional, and
// the whole is built from a Config value with no flag parsing, so
// `newsflow produce` and `newsflow up` (against an embedded broker) share it.
//
// # Delivery
//
// Articles are published with acks=all and a source hears "done" only after
// Kafka acknowledged: the push endpoint answers 202 then, a feed keeps its
// conditional-GET validators then, a watched file moves to done/ then, and
// the seen record remembers an item then. A crash can therefore repeat an
// article (it is sent again and overwrites itself in the index) but never
// lose one a source was told was delivered.
//
// Feeds and the watched directory are wire sources: an item whose key
// (source:source_id) and content hash match the seen record is skipped
// ("unchanged"), so restarts and feeds that list the same items for days do
// not re-send them, while a new version or a correction is sent again and
// logged as a replacement ("article replaces an earlier version").
// Pushed articles are always sent: the client decides what to push.
//
// # Shutdown
//
// When the context passed to Run ends: Ready fails (so /readyz turns 503
// and load balancers stop sending), the push endpoint answers 503 to new
// requests and waits for those in flight, feed polls and directory scans
// stop (an item already handed to the writer is still published), the
// writer flushes and closes, and the seen record is closed. Each wait is
// bounded by ShutdownTimeout; missing it can lose nothing a source was told
// was delivered, since those articles were acknowledged already.
package producers

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/newsflow/newsflow/internal/ops"
	"github.com/newsflow/newsflow/producers/feed"
	"github.com/newsflow/newsflow/producers/publish"
	"github.com/newsflow/newsflow/producers/push"
	"github.com/newsflow/newsflow/producers/seen"
	"github.com/newsflow/newsflow/producers/watch"
)

// DefaultShutdownTimeout bounds each step of the shutdown.
const DefaultShutdownTimeout = 30 * time.Second

// SeenDir is the subdirectory of DataDir holding the seen record.
const SeenDir = "producer"

// Config is everything the producers need. Zero values take the defaults
// of the sub-configurations.
type Config struct {
	// Kafka configures the writer and the topic. Brokers is required.
	Kafka publish.Config
	// DataDir holds the seen record (DataDir/producer/seen.log); required
	// when Feeds or Watch is set.
	DataDir string
	// SeenMaxEntries bounds the seen record. Default: 100,000.
	SeenMaxEntries int
	// Feeds are polled when Feeds.Feeds is not empty.
	Feeds feed.Config
	// Watch, when not nil, ingests the files of Watch.Dir.
	Watch *watch.Config
	// Push, when not nil, enables POST /v1/articles: served on Listen, or,
	// with Listen empty, through Handler on the caller's server.
	Push *push.Config
	// Listen is the push endpoint's address (host:port). Default: none.
	Listen string
	// ShutdownTimeout bounds each shutdown step. Default: 30s.
	ShutdownTimeout time.Duration
}

// Validate names the settings that cannot work together.
func (c Config) Validate() error {
	var errs []error
	if (len(c.Feeds.Feeds) > 0 || c.Watch != nil) && c.DataDir == "" {
		errs = append(errs, errors.New("feeds and the watched directory need a data directory for the seen record (--data-dir)"))
	}
	if c.Listen != "" && c.Push == nil {
		errs = append(errs, errors.New("a listen address without the push endpoint configured"))
	}
	if len(c.Feeds.Feeds) == 0 && c.Watch == nil && c.Push == nil {
		errs = append(errs, errors.New("no source: give at least one of --feed, --watch or --listen"))
	}
	return errors.Join(errs...)
}

// Options are the collaborators.
type Options struct {
	// Logger receives the logs. Default: slog.Default().
	Logger *slog.Logger
	// Registerer receives the metrics. Default: none.
	Registerer prometheus.Registerer
	// Now is the clock. Default: time.Now.
	Now func() time.Time
}

// Producer is the running set of producers.
type Producer struct {
	cfg      Config
	logger   *slog.Logger
	pub      *publish.Publisher
	seen     *seen.Store
	poller   *feed.Poller
	watcher  *watch.Watcher
	push     *push.Handler
	mux      *http.ServeMux
	server   *ops.Server
	stopping atomic.Bool
}

// New builds the producers: it opens the seen record (locking the data
// directory), binds the push address, and checks every setting, but does
// not contact Kafka until Run.
func New(cfg Config, opts Options) (_ *Producer, err error) {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if cfg.ShutdownTimeout == 0 {
		cfg.ShutdownTimeout = DefaultShutdownTimeout
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	p := &Producer{cfg: cfg, logger: opts.Logger}
	defer func() {
		if err != nil {
			if p.pub != nil {
				_ = p.pub.Close()
			}
			if p.seen != nil {
				_ = p.seen.Close()
			}
		}
	}()
	p.pub, err = publish.New(cfg.Kafka, opts.Logger, opts.Registerer)
	if err != nil {
		return nil, err
	}
	snd := &sender{pub: p.pub, logger: opts.Logger}
	if len(cfg.Feeds.Feeds) > 0 || cfg.Watch != nil {
		p.seen, err = seen.Open(filepath.Join(cfg.DataDir, SeenDir), seen.Options{MaxEntries: cfg.SeenMaxEntries, Logger: opts.Logger})
		if err != nil {
			return nil, err
		}
		snd.seen = p.seen
	}
	if len(cfg.Feeds.Feeds) > 0 {
		if p.poller, err = feed.New(cfg.Feeds, snd, opts.Logger, opts.Registerer, opts.Now); err != nil {
			return nil, err
		}
	}
	if cfg.Watch != nil {
		if p.watcher, err = watch.New(*cfg.Watch, snd, opts.Logger, opts.Registerer, opts.Now); err != nil {
			return nil, err
		}
	}
	if cfg.Push != nil {
		if p.push, err = push.New(*cfg.Push, p.pub, opts.Logger, opts.Registerer, opts.Now); err != nil {
			return nil, err
		}
		p.mux = http.NewServeMux()
		p.mux.Handle(push.Path, p.push)
		if cfg.Listen != "" {
			// The server of every newsflow HTTP surface: header and body
			// deadlines (a body must keep up ops.DefaultBodyMinRate),
			// bounded connections and requests in flight.
			if p.server, err = ops.Listen("push endpoint", cfg.Listen, p.mux, opts.Logger); err != nil {
				return nil, err
			}
		}
	}
	return p, nil
}

// Handler serves POST /v1/articles; nil when Push is not configured. Use it
// to mount the endpoint on another server when Listen is empty.
func (p *Producer) Handler() http.Handler {
	if p.mux == nil {
		return nil
	}
	return p.mux
}

// PushAddr is the bound push address ("" when not listening); useful with
// port 0.
func (p *Producer) PushAddr() string {
	if p.server == nil {
		return ""
	}
	return p.server.Addr()
}

// Ready reports whether the producers can take articles: not shutting
// down, and Kafka answers with the topic present. Add it to /readyz.
func (p *Producer) Ready(ctx context.Context) error {
	if p.stopping.Load() {
		return errors.New("shutting down")
	}
	return p.pub.Ping(ctx)
}

// Run makes sure the topic exists (waiting for Kafka), runs every source
// until ctx ends, then shuts down in order (see the package doc). It returns
// once everything accepted is in Kafka and the files are closed.
func (p *Producer) Run(ctx context.Context) error {
	defer p.closeAll()
	serveErr := make(chan error, 1)
	if p.server != nil {
		// Serve at once: until Kafka is ready pushes get a quick 503
		// instead of hanging in the listen backlog.
		p.logger.Info("push endpoint listening", "addr", p.PushAddr(), "path", push.Path)
		go func() {
			if err := p.server.Run(); err != nil {
				serveErr <- err
			}
		}()
	}
	if err := p.pub.EnsureTopic(ctx); err != nil {
		p.stopping.Store(true)
		p.stopServer()
		if ctx.Err() != nil {
			p.logger.Info("producers stopped before Kafka was ready", "err", err)
			return nil
		}
		return err
	}
	if p.push != nil {
		p.push.Open()
	}
	var wg sync.WaitGroup
	if p.poller != nil {
		wg.Add(1)
		go func() { defer wg.Done(); _ = p.poller.Run(ctx) }()
	}
	if p.watcher != nil {
		wg.Add(1)
		go func() { defer wg.Done(); _ = p.watcher.Run(ctx) }()
	}
	p.logger.Info("producers running", "feeds", len(p.cfg.Feeds.Feeds), "watch", p.cfg.Watch != nil, "push", p.push != nil, "push_addr", p.PushAddr(), "topic", p.pub.Topic())
	var runErr error
	select {
	case <-ctx.Done():
	case runErr = <-serveErr:
	}

	p.stopping.Store(true)
	p.logger.Info("producers stopping: refusing new pushes, finishing what was accepted")
	if p.push != nil {
		dctx, cancel := context.WithTimeout(context.Background(), p.cfg.ShutdownTimeout)
		if err := p.push.Drain(dctx); err != nil {
			p.logger.Warn("push drain", "err", err)
		}
		cancel()
	}
	p.stopServer()
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(p.cfg.ShutdownTimeout):
		p.logger.Warn("feed polls or file scans still running at the shutdown deadline")
	}
	return runErr
}

// stopServer closes the push listener and idle connections, waiting for
// requests in flight.
func (p *Producer) stopServer() {
	if p.server == nil {
		return
	}
	p.server.Stop(p.cfg.ShutdownTimeout)
}

// closeAll flushes the writer and closes the seen record.
func (p *Producer) closeAll() {
	if p.pub != nil {
		start := time.Now()
		if err := p.pub.Close(); err != nil {
			p.logger.Error("close kafka writer", "err", err)
		} else {
			p.logger.Info("kafka writer flushed and closed", "took", time.Since(start).Round(time.Millisecond))
		}
	}
	if p.seen != nil {
		if err := p.seen.Close(); err != nil {
			p.logger.Error("close seen record", "err", err)
		}
	}
}

// sender is the Sink of the wire sources: it skips items the seen record
// knows unchanged, publishes the rest, and records those Kafka took.
type sender struct {
	pub    *publish.Publisher
	seen   *seen.Store
	logger *slog.Logger
}

// Send publishes the new and changed items. An item listed twice in one
// batch is sent once (the first): sending both would leave the record with
// the second hash and make the first look changed at every poll. The error
// is publish.Errors (one entry per item sent, see publish.Retryable) or,
// when the seen record cannot be written, a retryable error.
func (s *sender) Send(ctx context.Context, items []publish.Item) error {
	var todo []publish.Item
	var entries []seen.Entry
	var replaces []bool
	inBatch := map[string]bool{}
	unchanged := map[string]int{}
	for _, it := range items {
		k, h := it.SeenKey(), it.Hash()
		if inBatch[k] || (s.seen != nil && s.seen.Unchanged(k, h)) {
			unchanged[it.Article.Source]++
			continue
		}
		inBatch[k] = true
		todo = append(todo, it)
		entries = append(entries, seen.Entry{Key: k, Hash: h})
		replaces = append(replaces, s.seen != nil && s.seen.Has(k))
	}
	for src, n := range unchanged {
		s.pub.Count(src, publish.ResultUnchanged, n)
	}
	err := s.pub.Publish(ctx, todo)
	var perrs publish.Errors
	if err != nil && !errors.As(err, &perrs) {
		perrs = make(publish.Errors, len(todo))
		for i := range perrs {
			perrs[i] = err
		}
	}
	var done []seen.Entry
	for i, it := range todo {
		if perrs != nil && perrs[i] != nil {
			s.logger.Warn("article not sent", "source", it.Article.Source, "article_id", it.Article.DeriveID(), "key", it.Key(), "err", perrs[i])
			continue
		}
		done = append(done, entries[i])
		if replaces[i] {
			// The same id with another content: a new version, a
			// correction, a changed status. The index keeps the newer.
			s.logger.Info("article replaces an earlier version", "source", it.Article.Source, "article_id", it.Article.DeriveID(), "key", it.Key(), "origin", it.Origin, "version", it.Version)
			continue
		}
		s.logger.Debug("article sent", "source", it.Article.Source, "article_id", it.Article.DeriveID(), "key", it.Key(), "origin", it.Origin)
	}
	if s.seen != nil {
		if rerr := s.seen.Record(done...); rerr != nil {
			// Retryable: the items are in Kafka, offering them again
			// costs duplicates, not losses.
			return fmt.Errorf("record %d sent items in the seen record: %w", len(done), rerr)
		}
	}
	if err != nil {
		return perrs
	}
	return nil
}

// Reject counts and logs an entry that is not an article.
func (s *sender) Reject(source string, reason error) {
	s.pub.Count(source, publish.ResultRejected, 1)
	s.logger.Warn("entry rejected", "source", source, "err", reason)
}
