package redisdedup

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/newsflow/newsflow/index/dedupmetrics"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
	"github.com/redis/go-redis/v9"
)

// metrics are those of every dedup store (dedupmetrics: the same names and
// labels as the Elasticsearch store's, so one dashboard fits both) and the
// server's own numbers, read from INFO.
type metrics struct {
	*dedupmetrics.Metrics
}

func newMetrics(reg prometheus.Registerer, s *Store, interval time.Duration) *metrics {
	f := promauto.With(reg)
	m := &metrics{dedupmetrics.New(reg, OpLookup+", "+OpClaim)}
	// Every series from the start, at 0: rates and alerts on errors and
	// conflicts need the series before the first one happens.
	for _, op := range []string{OpLookup, OpClaim} {
		m.Duration.WithLabelValues(op)
		for _, res := range []string{"ok", "error"} {
			m.Requests.WithLabelValues(op, res)
		}
	}
	for _, res := range []string{"hit", "miss"} {
		m.Cache.WithLabelValues(res)
	}
	for _, res := range []string{"created", "conflict"} {
		m.Keys.WithLabelValues(res)
	}
	if reg != nil {
		errs := f.NewCounter(prometheus.CounterOpts{
			Name: "newsflow_dedup_store_server_info_errors_total",
			Help: "Failed reads of the Redis servers' statistics (INFO) for the newsflow_dedup_store_server_* metrics.",
		})
		reg.MustRegister(&serverCollector{s: s, interval: interval, errors: errs})
	}
	return m
}

var (
	descServerKeys = prometheus.NewDesc("newsflow_dedup_store_server_keys",
		"Keys in the dedup store's database on each Redis node (INFO keyspace: every key of the database, the store's and any other).",
		[]string{"node"}, nil)
	descServerExpired = prometheus.NewDesc("newsflow_dedup_store_server_expired_keys_total",
		"Keys the Redis node forgot because their retention ended (INFO stats expired_keys; since the node started).",
		[]string{"node"}, nil)
	descServerEvicted = prometheus.NewDesc("newsflow_dedup_store_server_evicted_keys_total",
		"Keys the Redis node evicted for lack of memory (INFO stats evicted_keys; since the node started). Should stay 0: the store wants maxmemory-policy noeviction.",
		[]string{"node"}, nil)
	descServerMemory = prometheus.NewDesc("newsflow_dedup_store_server_memory_used_bytes",
		"Memory the Redis node uses (INFO memory used_memory).",
		[]string{"node"}, nil)
	descServerMaxMemory = prometheus.NewDesc("newsflow_dedup_store_server_memory_max_bytes",
		"The Redis node's memory limit (INFO memory maxmemory; 0: none).",
		[]string{"node"}, nil)
)

// serverCollector reports the servers' INFO numbers, read at most once per
// interval (a scrape must not cost every node a round trip each time), per
// node: the server, or each master of a cluster.
type serverCollector struct {
	s        *Store
	interval time.Duration
	errors   prometheus.Counter

	mu    sync.Mutex
	at    time.Time
	nodes []NodeStats
}

// NodeStats are one node's numbers from INFO.
type NodeStats struct {
	Node string // host:port
	// Keys of the store's database (all of them, not only the store's).
	Keys float64
	// Expired and Evicted keys since the node started.
	Expired, Evicted float64
	// UsedMemory and MaxMemory (0: no limit), bytes.
	UsedMemory, MaxMemory float64
}

func (c *serverCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descServerKeys, descServerExpired, descServerEvicted, descServerMemory, descServerMaxMemory} {
		ch <- d
	}
}

func (c *serverCollector) Collect(ch chan<- prometheus.Metric) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.at.IsZero() || time.Since(c.at) >= c.interval {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		nodes, err := c.s.ServerStats(ctx)
		cancel()
		c.at = time.Now()
		if err != nil {
			c.errors.Inc()
			c.nodes = nil
		} else {
			c.nodes = nodes
		}
	}
	for _, n := range c.nodes {
		ch <- prometheus.MustNewConstMetric(descServerKeys, prometheus.GaugeValue, n.Keys, n.Node)
		ch <- prometheus.MustNewConstMetric(descServerExpired, prometheus.CounterValue, n.Expired, n.Node)
		ch <- prometheus.MustNewConstMetric(descServerEvicted, prometheus.CounterValue, n.Evicted, n.Node)
		ch <- prometheus.MustNewConstMetric(descServerMemory, prometheus.GaugeValue, n.UsedMemory, n.Node)
		ch <- prometheus.MustNewConstMetric(descServerMaxMemory, prometheus.GaugeValue, n.MaxMemory, n.Node)
	}
}

// ServerStats reads INFO keyspace, stats and memory from the server or
// from every master of the cluster.
func (s *Store) ServerStats(ctx context.Context) ([]NodeStats, error) {
	read := func(ctx context.Context, c *redis.Client) (NodeStats, error) {
		info, err := c.Info(ctx, "keyspace", "stats", "memory").Result()
		if err != nil {
			return NodeStats{}, err
		}
		n := NodeStats{Node: c.Options().Addr}
		num := func(name string) float64 {
			v, _ := strconv.ParseFloat(infoField(info, name), 64)
			return v
		}
		n.Expired, n.Evicted = num("expired_keys"), num("evicted_keys")
		n.UsedMemory, n.MaxMemory = num("used_memory"), num("maxmemory")
		// db0:keys=12,expires=12,avg_ttl=2591998000
		for kv := range strings.SplitSeq(infoField(info, "db"+strconv.Itoa(c.Options().DB)), ",") {
			if v, ok := strings.CutPrefix(kv, "keys="); ok {
				n.Keys, _ = strconv.ParseFloat(v, 64)
			}
		}
		return n, nil
	}
	if cc, ok := s.client.(*redis.ClusterClient); ok {
		var mu sync.Mutex
		var out []NodeStats
		err := cc.ForEachMaster(ctx, func(ctx context.Context, c *redis.Client) error {
			n, err := read(ctx, c)
			if err != nil {
				return err
			}
			mu.Lock()
			out = append(out, n)
			mu.Unlock()
			return nil
		})
		return out, err
	}
	n, err := read(ctx, s.client.(*redis.Client))
	if err != nil {
		return nil, err
	}
	return []NodeStats{n}, nil
}
