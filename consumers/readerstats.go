package consumers

import (
	"sync"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/segmentio/kafka-go"
)

// StatsSource is a *kafka.Reader or a *Group.
type StatsSource interface {
	Stats() kafka.ReaderStats
}

// RegisterReaderStats exports kafka-go's reader counters
// (newsflow_kafka_reader_*_total). Stats() resets them on every call, so a
// collector adds the deltas to counters at each scrape.
func RegisterReaderStats(r StatsSource, reg prometheus.Registerer) {
	reg.MustRegister(&readerCollector{r: r, totals: map[string]float64{}})
}

type readerCollector struct {
	mu     sync.Mutex
	r      StatsSource
	totals map[string]float64
}

var readerDescs = map[string]*prometheus.Desc{
	"rebalances": prometheus.NewDesc("newsflow_kafka_reader_rebalances_total", "Consumer group generations joined by this worker.", nil, nil),
	"errors":     prometheus.NewDesc("newsflow_kafka_reader_errors_total", "Errors kafka-go's reader met (it retries them).", nil, nil),
	"fetches":    prometheus.NewDesc("newsflow_kafka_reader_fetches_total", "Fetch requests sent.", nil, nil),
	"timeouts":   prometheus.NewDesc("newsflow_kafka_reader_timeouts_total", "Fetch requests that timed out.", nil, nil),
	"dials":      prometheus.NewDesc("newsflow_kafka_reader_dials_total", "Connections opened to brokers.", nil, nil),
	"bytes":      prometheus.NewDesc("newsflow_kafka_reader_bytes_total", "Message bytes read.", nil, nil),
}

func (c *readerCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range readerDescs {
		ch <- d
	}
}

// Collect adds the deltas since the last call; scrapes may run
// concurrently, hence the lock.
func (c *readerCollector) Collect(ch chan<- prometheus.Metric) {
	c.mu.Lock()
	defer c.mu.Unlock()
	st := c.r.Stats()
	delta := map[string]int64{
		"rebalances": st.Rebalances, "errors": st.Errors, "fetches": st.Fetches,
		"timeouts": st.Timeouts, "dials": st.Dials, "bytes": st.Bytes,
	}
	for k, d := range delta {
		c.totals[k] += float64(d)
		ch <- prometheus.MustNewConstMetric(readerDescs[k], prometheus.CounterValue, c.totals[k])
	}
}
