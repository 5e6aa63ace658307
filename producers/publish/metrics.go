package publish

import (
	"sync"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
	"github.com/segmentio/kafka-go"
)

// maxSourceLabels bounds the distinct source label values: sources pushed
// over HTTP are chosen by clients, and a label per typo would grow the
// registry without end. Later sources are counted as "other".
const maxSourceLabels = 200

type metrics struct {
	articles        *prometheus.CounterVec
	publishDuration prometheus.Histogram

	mu      sync.Mutex
	sources map[string]bool
}

func newMetrics(reg prometheus.Registerer, w *kafka.Writer) *metrics {
	f := promauto.With(reg)
	m := &metrics{
		articles: f.NewCounterVec(prometheus.CounterOpts{
			Name: "newsflow_producer_articles_total",
			Help: "Articles offered to the producer by source and result: sent (acknowledged by Kafka), unchanged (already sent with the same content), failed (Kafka did not take it; offered again later) or rejected (not an article; not retried).",
		}, []string{"source", "result"}),
		publishDuration: f.NewHistogram(prometheus.HistogramOpts{
			Name:    "newsflow_producer_publish_duration_seconds",
			Help:    "Time from handing a set of articles to the Kafka writer to all of them being acknowledged (acks=all), batching linger included.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}),
		sources: map[string]bool{},
	}
	if reg != nil {
		reg.MustRegister(&writerCollector{w: w})
	}
	return m
}

func (m *metrics) article(source, result string) prometheus.Counter {
	m.mu.Lock()
	if !m.sources[source] {
		if len(m.sources) >= maxSourceLabels {
			source = "other"
		} else {
			m.sources[source] = true
		}
	}
	m.mu.Unlock()
	return m.articles.WithLabelValues(source, result)
}

// writerCollector exports the kafka-go Writer's counters. Writer.Stats
// resets its counters on every call, so the collector adds the deltas to
// running totals.
type writerCollector struct {
	w *kafka.Writer

	mu                                     sync.Mutex
	writes, messages, bytes, errs, retries float64
}

var (
	descWrites   = prometheus.NewDesc("newsflow_producer_kafka_requests_total", "Produce requests sent to Kafka (one per partition batch and attempt).", nil, nil)
	descMessages = prometheus.NewDesc("newsflow_producer_kafka_messages_total", "Messages sent in produce requests (a retried batch counts again).", nil, nil)
	descBytes    = prometheus.NewDesc("newsflow_producer_kafka_bytes_total", "Uncompressed message bytes sent in produce requests.", nil, nil)
	descErrors   = prometheus.NewDesc("newsflow_producer_kafka_errors_total", "Produce requests that failed (each attempt counts).", nil, nil)
	descRetries  = prometheus.NewDesc("newsflow_producer_kafka_retries_total", "Produce requests retried after a failure.", nil, nil)
)

func (c *writerCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- descWrites
	ch <- descMessages
	ch <- descBytes
	ch <- descErrors
	ch <- descRetries
}

func (c *writerCollector) Collect(ch chan<- prometheus.Metric) {
	s := c.w.Stats()
	c.mu.Lock()
	c.writes += float64(s.Writes)
	c.messages += float64(s.Messages)
	c.bytes += float64(s.Bytes)
	c.errs += float64(s.Errors)
	c.retries += float64(s.Retries)
	vals := []float64{c.writes, c.messages, c.bytes, c.errs, c.retries}
	c.mu.Unlock()
	for i, d := range []*prometheus.Desc{descWrites, descMessages, descBytes, descErrors, descRetries} {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, vals[i])
	}
}
