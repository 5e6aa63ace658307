package consumers

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"

	"github.com/newsflow/newsflow/consumers/offsets"
	"github.com/newsflow/newsflow/pkg/pipeline"
)

// Results, the result label of newsflow_consumer_messages_total. Every
// fetched message ends in exactly one of them, or is still in flight
// (newsflow_consumer_in_flight_messages), or was abandoned at shutdown and
// is delivered again.
const (
	// ResultIndexed: the document was created or replaced.
	ResultIndexed = "indexed"
	// ResultDeadLettered: stored in the dead-letter topic.
	ResultDeadLettered = "dead_lettered"
	// ResultSkippedOlder: Elasticsearch holds a newer version of the story.
	ResultSkippedOlder = "skipped_older"
	// ResultWithdrawn: the story was withheld or canceled by its feed
	// (header newsflow.pub_status): its document was removed.
	ResultWithdrawn = "withdrawn"
)

// Retry reasons of newsflow_consumer_retries_total besides the stage names.
const (
	retryFetch = "fetch"
	retryDLQ   = "dlq"
)

type metrics struct {
	fetched   prometheus.Counter
	messages  *prometheus.CounterVec
	retries   *prometheus.CounterVec
	commits   *prometheus.CounterVec
	latency   prometheus.Histogram
	batchSize prometheus.Histogram
	panics    prometheus.Counter
}

func newMetrics(reg prometheus.Registerer, tr *offsets.Tracker) *metrics {
	f := promauto.With(reg)
	m := &metrics{
		fetched: f.NewCounter(prometheus.CounterOpts{
			Name: "newsflow_consumer_fetched_messages_total",
			Help: "Messages fetched from Kafka, redeliveries included.",
		}),
		messages: f.NewCounterVec(prometheus.CounterOpts{
			Name: "newsflow_consumer_messages_total",
			Help: "Messages done, by result: indexed, dead_lettered, skipped_older (a newer version is indexed).",
		}, []string{"result"}),
		retries: f.NewCounterVec(prometheus.CounterOpts{
			Name: "newsflow_consumer_retries_total",
			Help: "Retried failures of the worker, by stage: a pipeline stage (dedup: the store did not answer), fetch, dlq.",
		}, []string{"stage"}),
		commits: f.NewCounterVec(prometheus.CounterOpts{
			Name: "newsflow_consumer_commits_total",
			Help: "Offset commits, by result (ok, error).",
		}, []string{"result"}),
		latency: f.NewHistogram(prometheus.HistogramOpts{
			Name:    "newsflow_end_to_end_latency_seconds",
			Help:    "From received_at (else the Kafka timestamp) to the bulk response that indexed the document.",
			Buckets: prometheus.ExponentialBuckets(0.01, 2, 16),
		}),
		batchSize: f.NewHistogram(prometheus.HistogramOpts{
			Name:    "newsflow_consumer_batch_messages",
			Help:    "Messages per batch.",
			Buckets: prometheus.ExponentialBuckets(1, 2, 12),
		}),
	}
	m.panics = f.NewCounter(prometheus.CounterOpts{
		Name: "newsflow_consumer_panics_total",
		Help: "Stage panics caught; the message was dead-lettered with stage pipeline.",
	})
	f.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "newsflow_consumer_in_flight_messages",
		Help: "Fetched messages not yet done (not committable).",
	}, func() float64 { return float64(tr.Pending()) })
	for _, r := range []string{ResultIndexed, ResultDeadLettered, ResultSkippedOlder, ResultWithdrawn} {
		m.messages.WithLabelValues(r)
	}
	for _, r := range []string{pipeline.StageDedup, retryFetch, retryDLQ} {
		m.retries.WithLabelValues(r)
	}
	for _, r := range []string{"ok", "error"} {
		m.commits.WithLabelValues(r)
	}
	return m
}
