package feed

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
)

type metrics struct {
	duration    *prometheus.HistogramVec
	errors      *prometheus.CounterVec
	lastSuccess *prometheus.GaugeVec
	polls       *prometheus.CounterVec
}

func newMetrics(reg prometheus.Registerer) *metrics {
	f := promauto.With(reg)
	return &metrics{
		duration: f.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "newsflow_producer_poll_duration_seconds",
			Help:    "Duration of one feed poll: fetch, parse and publish of its new items.",
			Buckets: []float64{.01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60},
		}, []string{"feed"}),
		errors: f.NewCounterVec(prometheus.CounterOpts{
			Name: "newsflow_producer_feed_errors_total",
			Help: "Failed feed polls by reason: timeout, network, status, too_large, charset, parse, publish.",
		}, []string{"feed", "reason"}),
		lastSuccess: f.NewGaugeVec(prometheus.GaugeOpts{
			Name: "newsflow_producer_last_success_timestamp_seconds",
			Help: "Unix time of the feed's last successful poll (0: none yet). Alert on time() minus this.",
		}, []string{"feed"}),
		polls: f.NewCounterVec(prometheus.CounterOpts{
			Name: "newsflow_producer_polls_total",
			Help: "Feed polls by result: ok, not_modified (HTTP 304) or error.",
		}, []string{"feed", "result"}),
	}
}

// init creates a feed's series, so dashboards see zeros before the first
// poll and the last-success gauge exists from the start.
func (m *metrics) init(feed string) {
	m.lastSuccess.WithLabelValues(feed)
	for _, r := range []string{"ok", "not_modified", "error"} {
		m.polls.WithLabelValues(feed, r)
	}
}
