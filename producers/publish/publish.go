// Package publish puts articles on the raw Kafka topic: one message per
// RawArticle, keyed "source:source_id", with the headers of DESIGN.md, written
// with acks=all by a kafka-go Writer that partitions keys with Murmur2 (the
// Java client's partitioner), so all versions of a story land on one
// partition, in the order they were sent.
//
// Publish is synchronous: when it returns nil every message is acknowledged
// by all in-sync replicas. That is what lets the push endpoint answer 202
// only for articles already in Kafka, and the seen record remember an item
// only once Kafka has it.
package publish

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/segmentio/kafka-go"

	"github.com/newsflow/newsflow/internal/kafkacfg"
	"github.com/newsflow/newsflow/pkg/article"
)

// Origins of Item.Origin.
const (
	OriginFeed  = "feed"
	OriginWatch = "watch"
	OriginPush  = "push"
)

// Results of newsflow_producer_articles_total.
const (
	// ResultSent: acknowledged by Kafka.
	ResultSent = "sent"
	// ResultUnchanged: already sent with the same content; skipped.
	ResultUnchanged = "unchanged"
	// ResultFailed: Kafka did not take it; the source will offer it again
	// (feeds on the next poll, files on the next scan, push clients get 503).
	ResultFailed = "failed"
	// ResultRejected: not an article (no body, bad JSON, too large…); it
	// will not be retried.
	ResultRejected = "rejected"
)

// Item is one article on its way to Kafka: the RawArticle (the message value)
// and the metadata that becomes headers.
type Item struct {
	Article article.RawArticle
	// Origin is OriginFeed, OriginWatch or OriginPush.
	Origin string
	// Version, PubStatus and EmbargoedUntil (RFC 3339, UTC) come from the
	// wire item; empty when the format has none.
	Version        string
	PubStatus      string
	EmbargoedUntil string
}

// Key is the Kafka message key: "source:source_id" (article.RawArticle.Key).
func (it Item) Key() string { return it.Article.Key() }

// Value is the message value: the RawArticle as JSON, HTML left unescaped.
func (it Item) Value() ([]byte, error) {
	var sb strings.Builder
	enc := json.NewEncoder(&sb)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(it.Article); err != nil {
		return nil, fmt.Errorf("encode article %s: %w", it.Key(), err)
	}
	return []byte(strings.TrimSuffix(sb.String(), "\n")), nil
}

// Headers are the message headers (see the Header constants).
func (it Item) Headers() []kafka.Header {
	ct := it.Article.ContentType
	if ct == "" {
		ct = article.ContentTypePlain
	}
	h := []kafka.Header{{Key: article.HeaderContentType, Value: []byte(ct)}}
	add := func(k, v string) {
		if v != "" {
			h = append(h, kafka.Header{Key: k, Value: []byte(v)})
		}
	}
	add(article.HeaderPubStatus, it.PubStatus)
	add(article.HeaderEmbargoedUntil, it.EmbargoedUntil)
	add(article.HeaderVersion, it.Version)
	add(article.HeaderOrigin, it.Origin)
	return h
}

// Hash is the content hash the seen record keeps: a digest of everything
// the message would carry except received_at. Two items with the same key
// and hash would produce the same message, so the second is "unchanged".
func (it Item) Hash() string {
	a := it.Article
	a.ReceivedAt = ""
	h := sha256.New()
	for _, s := range []string{a.ID, a.Source, a.SourceID, a.URL, a.Title, a.Body, a.ContentType,
		a.Published, a.Updated, a.Language, a.Byline, it.Version, it.PubStatus, it.EmbargoedUntil} {
		fmt.Fprintf(h, "%d:%s", len(s), s)
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// SeenKey is the key of the item in the seen record: Key when the article
// has an identifier (source_id, url or id), else one derived from its
// content, so that identical copies count as one item and different ones
// do not collide on "source:".
func (it Item) SeenKey() string {
	a := it.Article
	if a.SourceID != "" || a.URL != "" || a.ID != "" {
		return a.Key()
	}
	return a.Source + ":content:" + a.DeriveID()
}

// Size writes a byte count for people: "8 MiB (8388608 bytes)", or
// "900 bytes" under 1 KiB.
func Size(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB (%d bytes)", n>>20, n)
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB (%d bytes)", float64(n)/(1<<20), n)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB (%d bytes)", n>>10, n)
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB (%d bytes)", float64(n)/(1<<10), n)
	}
	return fmt.Sprintf("%d bytes", n)
}

// ErrTooLarge is wrapped by the error of an item whose message exceeds
// Config.BatchBytes (and so the broker's limit): it is never written.
var ErrTooLarge = errors.New("message too large")

// Errors reports the items of one Publish call that were not written:
// Errors[i] belongs to items[i] and is nil when that item is in Kafka.
type Errors []error

// Failed counts the items not written.
func (e Errors) Failed() int {
	n := 0
	for _, err := range e {
		if err != nil {
			n++
		}
	}
	return n
}

func (e Errors) Error() string {
	var first error
	for _, err := range e {
		if err != nil {
			first = err
			break
		}
	}
	return fmt.Sprintf("%d of %d articles not written to Kafka: %v", e.Failed(), len(e), first)
}

// Unwrap exposes the per-item errors to errors.Is and errors.As.
func (e Errors) Unwrap() []error {
	var out []error
	for _, err := range e {
		if err != nil {
			out = append(out, err)
		}
	}
	return out
}

// Retryable reports whether err (from Publish, or from a sink built on it)
// names an item that may be written if offered again: any error but an
// Errors whose failed items are all ErrTooLarge. Sources use it to tell
// "try again later" (Kafka down) from "this item will never fit".
func Retryable(err error) bool {
	if err == nil {
		return false
	}
	var e Errors
	if !errors.As(err, &e) {
		return true
	}
	for _, ie := range e {
		if ie != nil && !errors.Is(ie, ErrTooLarge) {
			return true
		}
	}
	return false
}

// Publisher writes items to the raw topic.
type Publisher struct {
	cfg     Config
	w       *kafka.Writer
	client  *kafka.Client
	ownTr   *kafka.Transport
	logger  *slog.Logger
	metrics *metrics

	pingMu   sync.Mutex
	pingAt   time.Time
	pingErr  error
	closeErr error
	once     sync.Once
}

// New returns a Publisher for cfg (defaults applied, then validated). It
// does not contact Kafka; EnsureTopic and Ping do.
func New(cfg Config, logger *slog.Logger, reg prometheus.Registerer) (*Publisher, error) {
	cfg = cfg.withDefaults()
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	codec, _ := compressionCodec(cfg.Compression)
	tr := cfg.Transport
	p := &Publisher{cfg: cfg, logger: logger}
	if tr == nil {
		tr = &kafka.Transport{ClientID: "newsflow-producer", DialTimeout: 10 * time.Second, MetadataTTL: 30 * time.Second}
		p.ownTr = tr
	}
	p.w = &kafka.Writer{
		Addr:                   kafka.TCP(cfg.Brokers...),
		Topic:                  cfg.Topic,
		Balancer:               &kafka.Murmur2Balancer{},
		MaxAttempts:            cfg.MaxAttempts,
		WriteBackoffMin:        100 * time.Millisecond,
		WriteBackoffMax:        2 * time.Second,
		BatchSize:              cfg.BatchSize,
		BatchBytes:             cfg.BatchBytes,
		BatchTimeout:           cfg.BatchTimeout,
		ReadTimeout:            cfg.WriteTimeout,
		WriteTimeout:           cfg.WriteTimeout,
		RequiredAcks:           kafka.RequireAll,
		Compression:            codec,
		AllowAutoTopicCreation: false,
		Transport:              tr,
		ErrorLogger:            kafka.LoggerFunc(func(f string, a ...any) { logger.Warn("kafka writer: " + fmt.Sprintf(f, a...)) }),
	}
	p.client = &kafka.Client{Addr: kafka.TCP(cfg.Brokers...), Transport: tr, Timeout: cfg.WriteTimeout}
	p.metrics = newMetrics(reg, p.w)
	return p, nil
}

// Topic is the topic written to.
func (p *Publisher) Topic() string { return p.cfg.Topic }

// Publish writes items and waits until Kafka acknowledged them (acks=all)
// or the writer's attempts ran out. It does not give up when ctx is
// cancelled: a write abandoned half-way may still land in Kafka, and the
// caller could then not say what was sent; the wait is bounded by
// MaxAttempts × WriteTimeout plus backoff instead. ctx only carries values.
//
// It returns nil when every item is in Kafka, else Errors (one entry per
// item, nil for those written). Items too large for a batch fail with
// ErrTooLarge and the others are still written.
func (p *Publisher) Publish(ctx context.Context, items []Item) error {
	if len(items) == 0 {
		return nil
	}
	ctx = context.WithoutCancel(ctx)
	start := time.Now()
	errs := make(Errors, len(items))
	msgs := make([]kafka.Message, 0, len(items))
	idx := make([]int, 0, len(items))
	for i, it := range items {
		v, err := it.Value()
		if err != nil {
			errs[i] = err
			continue
		}
		m := kafka.Message{Key: []byte(it.Key()), Value: v, Headers: it.Headers()}
		if size := messageSize(m); size > p.cfg.BatchBytes {
			errs[i] = fmt.Errorf("article %s is %d bytes, over the %s limit of one article (one Kafka message; newsflow produce --batch-bytes, at most the broker's message.max.bytes): shorten it: %w", it.Key(), size, Size(p.cfg.BatchBytes), ErrTooLarge)
			continue
		}
		msgs = append(msgs, m)
		idx = append(idx, i)
	}
	if len(msgs) > 0 {
		err := p.w.WriteMessages(ctx, msgs...)
		var werrs kafka.WriteErrors
		switch {
		case err == nil:
		case errors.As(err, &werrs) && len(werrs) == len(msgs):
			for j, e := range werrs {
				if e != nil {
					errs[idx[j]] = fmt.Errorf("write to topic %s: %w", p.cfg.Topic, e)
				}
			}
		default:
			for _, i := range idx {
				errs[i] = fmt.Errorf("write to topic %s: %w", p.cfg.Topic, hint(err, p.cfg))
			}
		}
	}
	p.metrics.publishDuration.Observe(time.Since(start).Seconds())
	for i, it := range items {
		if errs[i] == nil {
			p.metrics.article(it.Article.Source, ResultSent).Inc()
		} else if errors.Is(errs[i], ErrTooLarge) {
			p.metrics.article(it.Article.Source, ResultRejected).Inc()
		} else {
			p.metrics.article(it.Article.Source, ResultFailed).Inc()
		}
	}
	if errs.Failed() == 0 {
		return nil
	}
	return errs
}

// Count adds n to newsflow_producer_articles_total{source,result}, for
// outcomes decided before Publish (unchanged, rejected).
func (p *Publisher) Count(source, result string, n int) {
	if n > 0 {
		p.metrics.article(source, result).Add(float64(n))
	}
}

// messageSize is kafka-go's size estimate of a message, which its Writer
// compares with BatchBytes.
func messageSize(m kafka.Message) int64 {
	n := int64(len(m.Key) + len(m.Value))
	for _, h := range m.Headers {
		n += int64(len(h.Key) + len(h.Value))
	}
	return n + 8*8 // offset, time, length fields and the record overhead
}

// hint adds the likely cause to errors a user sees.
func hint(err error, cfg Config) error {
	switch {
	case errors.Is(err, kafka.UnknownTopicOrPartition):
		return fmt.Errorf("%w (does topic %q exist? it is created at start only with a partition count, see --topic-partitions)", err, cfg.Topic)
	case isDialError(err):
		return fmt.Errorf("%w (is the broker running on %s?)", err, strings.Join(cfg.Brokers, ","))
	}
	return kafkacfg.Explain(err, cfg.Brokers)
}

func isDialError(err error) bool {
	s := err.Error()
	return strings.Contains(s, "connection refused") || strings.Contains(s, "no such host") || strings.Contains(s, "i/o timeout")
}

// Ping checks that Kafka answers and the topic exists. It makes one real
// round trip (ApiVersions; kafka-go serves metadata from a cache that never
// notices a dead broker) and caches the answer for a second, so /readyz
// can call it freely.
func (p *Publisher) Ping(ctx context.Context) error {
	p.pingMu.Lock()
	defer p.pingMu.Unlock()
	if time.Since(p.pingAt) < time.Second {
		return p.pingErr
	}
	p.pingErr = p.ping(ctx)
	p.pingAt = time.Now()
	return p.pingErr
}

func (p *Publisher) ping(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	if _, err := p.client.ApiVersions(ctx, &kafka.ApiVersionsRequest{}); err != nil {
		return fmt.Errorf("kafka: %w", hint(err, p.cfg))
	}
	n, err := p.partitions(ctx)
	if err != nil {
		return err
	}
	if n == 0 {
		return fmt.Errorf("kafka: topic %q does not exist", p.cfg.Topic)
	}
	return nil
}

// partitions returns the topic's partition count, 0 when it does not exist.
func (p *Publisher) partitions(ctx context.Context) (int, error) {
	md, err := p.client.Metadata(ctx, &kafka.MetadataRequest{Topics: []string{p.cfg.Topic}})
	if err != nil {
		return 0, fmt.Errorf("kafka metadata: %w", hint(err, p.cfg))
	}
	for _, t := range md.Topics {
		if t.Name != p.cfg.Topic {
			continue
		}
		if errors.Is(t.Error, kafka.UnknownTopicOrPartition) {
			return 0, nil
		}
		if t.Error != nil {
			return 0, fmt.Errorf("kafka metadata of topic %s: %w", p.cfg.Topic, t.Error)
		}
		return len(t.Partitions), nil
	}
	return 0, nil
}

// EnsureTopic makes sure the topic exists. When it is absent and
// Config.Partitions > 0 it is created with that many partitions and
// Config.ReplicationFactor; with Partitions 0 an absent topic is an error
// (the deployment creates topics). Brokers that refuse connections are
// retried until ctx ends.
func (p *Publisher) EnsureTopic(ctx context.Context) error {
	var n int
	var err error
	for delay := 200 * time.Millisecond; ; delay = min(2*delay, 5*time.Second) {
		n, err = p.partitions(ctx)
		if err == nil {
			break
		}
		if kafkacfg.IsAuthError(err) {
			// Wrong credentials or certificates: no retry fixes them.
			return err
		}
		p.logger.Warn("kafka not answering; retrying", "err", err, "retry_in", delay)
		select {
		case <-ctx.Done():
			return fmt.Errorf("wait for kafka: %w", err)
		case <-time.After(delay):
		}
	}
	if n > 0 {
		p.logger.Info("kafka topic ready", "topic", p.cfg.Topic, "partitions", n)
		return nil
	}
	if p.cfg.Partitions <= 0 {
		return &kafkacfg.MissingTopicError{
			Topic: p.cfg.Topic, Brokers: p.cfg.Brokers, Command: "produce", Spec: p.cfg.topicSpec(),
			Secure: p.cfg.Transport != nil && (p.cfg.Transport.SASL != nil || p.cfg.Transport.TLS != nil),
		}
	}
	if err := kafkacfg.CreateTopic(ctx, p.client, p.cfg.Topic, p.cfg.topicSpec()); err != nil {
		return hint(err, p.cfg)
	}
	p.logger.Info("kafka topic created", "topic", p.cfg.Topic, "partitions", p.cfg.Partitions, "replication_factor", p.cfg.ReplicationFactor, "settings", p.cfg.TopicConfigs)
	return nil
}

// Close flushes batches not yet written and closes the writer; Publish
// calls in flight finish first. It is safe to call more than once.
func (p *Publisher) Close() error {
	p.once.Do(func() {
		p.closeErr = p.w.Close()
		if p.ownTr != nil {
			p.ownTr.CloseIdleConnections()
		}
	})
	return p.closeErr
}
