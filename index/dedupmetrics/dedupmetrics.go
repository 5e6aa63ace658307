// Package dedupmetrics holds the metrics every shared dedup store reports
// (index/redisdedup, index/esdedup), under the same names and labels, so
// that one dashboard and one set of alerts fit both.
package dedupmetrics

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
)

// Metrics are a store's request, cache and claim counters.
type Metrics struct {
	Requests *prometheus.CounterVec   // op, result: ok, error
	Duration *prometheus.HistogramVec // op
	Cache    *prometheus.CounterVec   // result: hit, miss
	Keys     *prometheus.CounterVec   // result: created, conflict
}

// New registers the metrics with reg (nil: none). ops are the store's op
// label values, listed in the help text.
func New(reg prometheus.Registerer, ops string) *Metrics {
	f := promauto.With(reg)
	return &Metrics{
		Requests: f.NewCounterVec(prometheus.CounterOpts{
			Name: "newsflow_dedup_store_requests_total",
			Help: "Requests of the dedup store, by op (" + ops + ") and result (ok, error).",
		}, []string{"op", "result"}),
		Duration: f.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "newsflow_dedup_store_request_duration_seconds",
			Help:    "Duration of one request of the dedup store, by op.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2, 14),
		}, []string{"op"}),
		Cache: f.NewCounterVec(prometheus.CounterOpts{
			Name: "newsflow_dedup_store_cache_total",
			Help: "Keys looked up in the dedup store's local cache, by result (hit, miss).",
		}, []string{"result"}),
		Keys: f.NewCounterVec(prometheus.CounterOpts{
			Name: "newsflow_dedup_store_keys_total",
			Help: "Keys claimed in the dedup store, by result: created, or conflict (another article had it first).",
		}, []string{"result"}),
	}
}
