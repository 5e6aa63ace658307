package elastic

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"

	"github.com/newsflow/newsflow/consumers"
	"github.com/newsflow/newsflow/consumers/backoff"
)

// VersionType is the external versioning used for article documents.
//
// external_gte, not external: a redelivered or replayed message carries the
// same version as the copy already indexed, and must succeed (it rewrites
// the identical document) rather than fail with a conflict that would have
// to be told apart from a genuinely older copy. A strictly older version
// still gets 409 and is counted as skipped. The price: two different copies
// with the same update time replace each other in arrival order, which is
// also what a feed that corrects a story without touching its update time
// wants.
const VersionType = "external_gte"

// Class is how one bulk item answer is handled.
type Class int

// Classes of bulk item answers.
const (
	// ClassDone: 2xx.
	ClassDone Class = iota
	// ClassOlder: 409 version_conflict_engine_exception (external version
	// not newer than the indexed one).
	ClassOlder
	// ClassRetry: 429, 5xx, and statuses that describe the cluster rather
	// than the document (401, 403 such as a read-only block after disk
	// flood, 404 missing alias, 408, other 409s): retried with backoff.
	ClassRetry
	// ClassReject: 400 (mapping, parsing, immense term, …) and 413:
	// retrying cannot help, the message is dead-lettered.
	ClassReject
)

func (c Class) String() string {
	return [...]string{"done", "older", "retry", "reject"}[c]
}

// Item is one classified item of a bulk response.
type Item struct {
	ID     string
	Status int
	Error  *ErrorCause
	Class  Class
}

// ClassifyStatus classifies a bulk item by its status and error type.
func ClassifyStatus(status int, errType string) Class {
	switch {
	case status >= 200 && status < 300:
		return ClassDone
	case status == http.StatusConflict && errType == "version_conflict_engine_exception":
		return ClassOlder
	case status == http.StatusBadRequest, status == http.StatusRequestEntityTooLarge:
		return ClassReject
	default:
		return ClassRetry
	}
}

// ParseBulkResponse reads a bulk response body and classifies its items,
// which must number n (one per action sent).
func ParseBulkResponse(body []byte, n int) ([]Item, error) {
	var resp struct {
		Errors bool `json:"errors"`
		Items  []map[string]struct {
			ID     string      `json:"_id"`
			Status int         `json:"status"`
			Error  *ErrorCause `json:"error"`
		} `json:"items"`
	}
	if err := json.Unmarshal(body, &resp); err != nil {
		return nil, fmt.Errorf("parse bulk response: %w", err)
	}
	if len(resp.Items) != n {
		return nil, fmt.Errorf("bulk response has %d items for %d actions", len(resp.Items), n)
	}
	items := make([]Item, n)
	for i, m := range resp.Items {
		if len(m) != 1 {
			return nil, fmt.Errorf("bulk response item %d has %d actions", i, len(m))
		}
		for action, it := range m {
			typ := ""
			if it.Error != nil {
				typ = it.Error.Type
			}
			class := ClassifyStatus(it.Status, typ)
			if action == "delete" && it.Status == http.StatusNotFound && it.Error == nil {
				// Deleting a document that is not there: done (a missing
				// alias or index answers 404 with an error object instead).
				class = ClassDone
			}
			items[i] = Item{ID: it.ID, Status: it.Status, Error: it.Error, Class: class}
		}
	}
	return items, nil
}

// Result labels of newsflow_elasticsearch_documents_total.
const (
	DocIndexed      = "indexed"
	DocDeleted      = "deleted"
	DocSkippedOlder = "skipped_older"
	DocRejected     = "rejected"
	DocRetried      = "retried"
)

// Reason labels of newsflow_elasticsearch_retries_total.
const (
	RetryConnection = "connection"
	RetryThrottled  = "throttled"    // 429
	RetryServer     = "server_error" // 5xx
	RetryCluster    = "cluster"      // 401/403/404/408/other item statuses
	RetryResponse   = "bad_response" // unparsable answer
)

// IndexerConfig configures an Indexer.
type IndexerConfig struct {
	// Alias is the write alias. Default: newsflow-articles.
	Alias string
	// Backoff spaces retries. Default: 100ms doubling to 30s.
	Backoff backoff.Policy
	// RequestTimeout bounds one bulk request. Default: 60s.
	RequestTimeout time.Duration
	// Logger receives retry warnings. Default: discard.
	Logger *slog.Logger
	// Registerer receives the metrics; nil means none.
	Registerer prometheus.Registerer
}

// DefaultRequestTimeout bounds one bulk request.
const DefaultRequestTimeout = 60 * time.Second

// Indexer writes documents with the bulk API and retries what may pass.
type Indexer struct {
	es      Doer
	cfg     IndexerConfig
	metrics *bulkMetrics
}

type bulkMetrics struct {
	duration  prometheus.Histogram
	documents *prometheus.CounterVec
	retries   *prometheus.CounterVec
}

// NewIndexer returns an Indexer writing to cfg.Alias through es.
func NewIndexer(es Doer, cfg IndexerConfig) *Indexer {
	if cfg.Alias == "" {
		cfg.Alias = "newsflow-articles"
	}
	if cfg.RequestTimeout <= 0 {
		cfg.RequestTimeout = DefaultRequestTimeout
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	f := promauto.With(cfg.Registerer)
	m := &bulkMetrics{
		duration: f.NewHistogram(prometheus.HistogramOpts{
			Name:    "newsflow_elasticsearch_bulk_duration_seconds",
			Help:    "Duration of one bulk request to Elasticsearch, retries counted separately.",
			Buckets: prometheus.ExponentialBuckets(0.005, 2, 14),
		}),
		documents: f.NewCounterVec(prometheus.CounterOpts{
			Name: "newsflow_elasticsearch_documents_total",
			Help: "Bulk items by result: indexed, skipped_older (a newer version is indexed), rejected (dead-lettered), retried.",
		}, []string{"result"}),
		retries: f.NewCounterVec(prometheus.CounterOpts{
			Name: "newsflow_elasticsearch_retries_total",
			Help: "Bulk requests retried, by reason: connection, throttled (429), server_error (5xx), cluster (other item statuses), bad_response.",
		}, []string{"reason"}),
	}
	for _, r := range []string{DocIndexed, DocDeleted, DocSkippedOlder, DocRejected, DocRetried} {
		m.documents.WithLabelValues(r)
	}
	for _, r := range []string{RetryConnection, RetryThrottled, RetryServer, RetryCluster, RetryResponse} {
		m.retries.WithLabelValues(r)
	}
	return &Indexer{es: es, cfg: cfg, metrics: m}
}

// Index writes docs and returns one Result per doc, in order. Items that
// fail with a retryable status, and whole requests that fail with a
// connection error, 429 or 5xx, are retried (only the unfinished items)
// with capped exponential backoff until they finish or ctx ends; then the
// remaining ones are Unfinished. A rejection is final. Index never drops a
// document: every one ends Indexed (Withdrawn for a delete), SkippedOlder,
// Rejected or Unfinished. A delete carries the story's version like an
// index action, so it removes only what is not newer, and Elasticsearch
// keeps the version as a tombstone (index.gc_deletes, 60 s by default)
// against a late older copy.
func (ix *Indexer) Index(ctx context.Context, docs []consumers.Doc) []consumers.Result {
	res := make([]consumers.Result, len(docs))
	pending := make([]int, len(docs))
	for i := range docs {
		pending[i] = i
	}
	attempt := 0
	for len(pending) > 0 && ctx.Err() == nil {
		retry, wait, reason := ix.send(ctx, docs, pending, res)
		if len(retry) == 0 {
			return res
		}
		ix.metrics.retries.WithLabelValues(reason).Inc()
		ix.metrics.documents.WithLabelValues(DocRetried).Add(float64(len(retry)))
		if attempt == 0 || attempt%10 == 0 {
			ix.cfg.Logger.Warn("elasticsearch bulk retry", "docs", len(retry), "reason", reason, "attempt", attempt+1)
		}
		pending = retry
		if err := ix.cfg.Backoff.Wait(ctx, attempt, wait); err != nil {
			break
		}
		attempt++
	}
	return res
}

// send does one bulk request for docs[pending] and fills res for the items
// that finished. It returns the indexes to retry, a Retry-After, and the
// retry reason.
func (ix *Indexer) send(ctx context.Context, docs []consumers.Doc, pending []int, res []consumers.Result) (retry []int, wait time.Duration, reason string) {
	// One buffer of the request's size: a bulk of 500 documents runs to
	// megabytes, and growing it step by step would leave as much garbage.
	size := 0
	for _, i := range pending {
		size += len(docs[i].ID) + len(docs[i].Source) + 80
	}
	buf := make([]byte, 0, size)
	for _, i := range pending {
		d := docs[i]
		if d.Delete {
			buf = append(buf, `{"delete":{"_id":`...)
		} else {
			buf = append(buf, `{"index":{"_id":`...)
		}
		buf = AppendJSONString(buf, d.ID)
		buf = append(buf, `,"version":`...)
		buf = strconv.AppendInt(buf, d.Version, 10)
		buf = append(buf, `,"version_type":"`+VersionType+`"}}`+"\n"...)
		if !d.Delete {
			buf = append(buf, bytes.TrimRight(d.Source, "\n")...)
			buf = append(buf, '\n')
		}
	}
	rctx, cancel := context.WithTimeout(ctx, ix.cfg.RequestTimeout)
	defer cancel()
	path := "/" + url.PathEscape(ix.cfg.Alias) + "/_bulk?require_alias=true&filter_path=errors,items.*._id,items.*.status,items.*.error"
	start := time.Now()
	r, err := Do(rctx, ix.es, http.MethodPost, path, buf, "application/x-ndjson")
	ix.metrics.duration.Observe(time.Since(start).Seconds())
	if err != nil {
		var re *RetryableError
		switch {
		case errors.As(err, &re) && re.Status == http.StatusTooManyRequests:
			return pending, re.RetryAfter, RetryThrottled
		case errors.As(err, &re) && re.Status >= 500:
			return pending, re.RetryAfter, RetryServer
		default:
			// Connection error, or ctx ended mid-request (the loop stops).
			return pending, 0, RetryConnection
		}
	}
	switch {
	case r.Status == http.StatusRequestEntityTooLarge && len(pending) > 1:
		// Too big for http.max_content_length: split and send halves.
		half := len(pending) / 2
		a, wa, ra := ix.send(ctx, docs, pending[:half], res)
		b, wb, rb := ix.send(ctx, docs, pending[half:], res)
		if len(a) == 0 {
			return b, wb, rb
		}
		return append(a, b...), max(wa, wb), ra
	case r.Status == http.StatusRequestEntityTooLarge:
		i := pending[0]
		res[i] = consumers.Result{Outcome: consumers.Rejected, Reason: fmt.Sprintf("document of %d bytes is larger than the cluster accepts (http.max_content_length)", len(docs[i].Source))}
		ix.metrics.documents.WithLabelValues(DocRejected).Inc()
		return nil, 0, ""
	case r.Status != http.StatusOK:
		ix.cfg.Logger.Error("elasticsearch refused the bulk request; retrying", "status", r.Status, "error", Describe(r))
		return pending, 0, RetryCluster
	}
	items, err := ParseBulkResponse(r.Body, len(pending))
	if err != nil {
		ix.cfg.Logger.Error("unreadable bulk response; retrying", "err", err)
		return pending, 0, RetryResponse
	}
	reason = ""
	for k, it := range items {
		i := pending[k]
		switch it.Class {
		case ClassDone:
			if docs[i].Delete {
				res[i] = consumers.Result{Outcome: consumers.Withdrawn}
				ix.metrics.documents.WithLabelValues(DocDeleted).Inc()
				continue
			}
			res[i] = consumers.Result{Outcome: consumers.Indexed}
			ix.metrics.documents.WithLabelValues(DocIndexed).Inc()
		case ClassOlder:
			res[i] = consumers.Result{Outcome: consumers.SkippedOlder}
			ix.metrics.documents.WithLabelValues(DocSkippedOlder).Inc()
		case ClassReject:
			res[i] = consumers.Result{Outcome: consumers.Rejected, Reason: truncate(fmt.Sprintf("elasticsearch rejected the document (status %d): %s", it.Status, it.Error.String()), 2000)}
			ix.metrics.documents.WithLabelValues(DocRejected).Inc()
		case ClassRetry:
			retry = append(retry, i)
			r := RetryCluster
			switch {
			case it.Status == http.StatusTooManyRequests:
				r = RetryThrottled
			case it.Status >= 500:
				r = RetryServer
			default:
				ix.cfg.Logger.Error("elasticsearch refused a document for a reason of the cluster; retrying", "article_id", it.ID, "status", it.Status, "error", it.Error.String())
			}
			if reason == "" || r == RetryThrottled {
				reason = r
			}
		}
	}
	return retry, 0, reason
}
