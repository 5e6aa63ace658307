// Package lag measures how far a consumer group is behind on a topic: per
// partition, the high watermark (the offset the next produced message will
// get) minus the group's committed offset. kafka-go's Reader reports lag only
// without a consumer group, so the Monitor asks the brokers directly
// (Metadata, ListOffsets, OffsetFetch). Because it reads the group's
// committed offsets, every worker of a group reports the same lag for every
// partition: aggregate with max by (topic, partition), not sum.
package lag

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
	"github.com/segmentio/kafka-go"
)

// Client is the part of *kafka.Client the package uses.
type Client interface {
	Metadata(ctx context.Context, req *kafka.MetadataRequest) (*kafka.MetadataResponse, error)
	ListOffsets(ctx context.Context, req *kafka.ListOffsetsRequest) (*kafka.ListOffsetsResponse, error)
	OffsetFetch(ctx context.Context, req *kafka.OffsetFetchRequest) (*kafka.OffsetFetchResponse, error)
}

// Partition is the position of a group on one partition.
type Partition struct {
	Partition int
	// First is the oldest offset still stored; End the high watermark.
	First, End int64
	// Committed is the group's committed offset (the next to read), -1
	// when the group has committed nothing on this partition.
	Committed int64
}

// Lag is End minus the committed offset, or minus First without one.
func (p Partition) Lag() int64 {
	from := p.Committed
	if from < p.First || from < 0 {
		from = p.First
	}
	if l := p.End - from; l > 0 {
		return l
	}
	return 0
}

// Read returns the group's position on every partition of topic, in
// partition order.
func Read(ctx context.Context, c Client, group, topic string) ([]Partition, error) {
	md, err := c.Metadata(ctx, &kafka.MetadataRequest{Topics: []string{topic}})
	if err != nil {
		return nil, fmt.Errorf("read metadata of %s: %w", topic, err)
	}
	var ids []int
	for _, t := range md.Topics {
		if t.Name != topic {
			continue
		}
		if t.Error != nil {
			return nil, fmt.Errorf("read metadata of %s: %w", topic, t.Error)
		}
		for _, p := range t.Partitions {
			ids = append(ids, p.ID)
		}
	}
	if len(ids) == 0 {
		return nil, fmt.Errorf("topic %s has no partitions (does it exist?)", topic)
	}
	sort.Ints(ids)
	reqs := make([]kafka.OffsetRequest, 0, 2*len(ids))
	for _, id := range ids {
		reqs = append(reqs, kafka.FirstOffsetOf(id), kafka.LastOffsetOf(id))
	}
	lo, err := c.ListOffsets(ctx, &kafka.ListOffsetsRequest{Topics: map[string][]kafka.OffsetRequest{topic: reqs}})
	if err != nil {
		return nil, fmt.Errorf("list offsets of %s: %w", topic, err)
	}
	byID := map[int]*Partition{}
	out := make([]Partition, len(ids))
	for i, id := range ids {
		out[i] = Partition{Partition: id, First: -1, End: -1, Committed: -1}
		byID[id] = &out[i]
	}
	for _, po := range lo.Topics[topic] {
		if po.Error != nil {
			return nil, fmt.Errorf("list offsets of %s/%d: %w", topic, po.Partition, po.Error)
		}
		if p := byID[po.Partition]; p != nil {
			p.First, p.End = po.FirstOffset, po.LastOffset
		}
	}
	for _, p := range out {
		if p.First < 0 || p.End < 0 {
			// A broker that answers without a partition (its leader
			// moving) must not read as an empty partition.
			return nil, fmt.Errorf("list offsets of %s/%d: no offsets in the answer", topic, p.Partition)
		}
	}
	of, err := c.OffsetFetch(ctx, &kafka.OffsetFetchRequest{GroupID: group, Topics: map[string][]int{topic: ids}})
	if err != nil {
		return nil, fmt.Errorf("fetch committed offsets of group %s: %w", group, err)
	}
	if errors.Is(of.Error, kafka.GroupIdNotFound) {
		// Kafka answers a group that never committed with no offsets;
		// kfake (the embedded broker) with GROUP_ID_NOT_FOUND. Either way
		// nothing is committed: the group starts from the beginning.
		return out, nil
	}
	if of.Error != nil {
		return nil, fmt.Errorf("fetch committed offsets of group %s: %w", group, of.Error)
	}
	for _, op := range of.Topics[topic] {
		if op.Error != nil {
			return nil, fmt.Errorf("fetch committed offset of group %s on %s/%d: %w", group, topic, op.Partition, op.Error)
		}
		if p := byID[op.Partition]; p != nil {
			p.Committed = op.CommittedOffset
		}
	}
	return out, nil
}

// DefaultInterval is how often a Monitor measures.
const DefaultInterval = 10 * time.Second

// Monitor exports newsflow_consumer_lag{topic,partition} as a gauge.
type Monitor struct {
	c        Client
	group    string
	topic    string
	interval time.Duration
	logger   *slog.Logger
	gauge    *prometheus.GaugeVec
	errors   prometheus.Counter
}

// NewMonitor returns a Monitor of group on topic. reg may be nil.
func NewMonitor(c Client, group, topic string, interval time.Duration, reg prometheus.Registerer, logger *slog.Logger) *Monitor {
	if interval <= 0 {
		interval = DefaultInterval
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	f := promauto.With(reg)
	return &Monitor{
		c: c, group: group, topic: topic, interval: interval, logger: logger,
		gauge: f.NewGaugeVec(prometheus.GaugeOpts{
			Name: "newsflow_consumer_lag",
			Help: "Messages not yet committed by the consumer group: high watermark minus committed offset, per partition. Every worker reports the whole group: aggregate with max.",
		}, []string{"topic", "partition"}),
		errors: f.NewCounter(prometheus.CounterOpts{
			Name: "newsflow_consumer_lag_errors_total",
			Help: "Failed lag measurements (brokers not answering).",
		}),
	}
}

// Measure reads the lag once and updates the gauge.
func (m *Monitor) Measure(ctx context.Context) ([]Partition, error) {
	ctx, cancel := context.WithTimeout(ctx, m.interval)
	defer cancel()
	parts, err := Read(ctx, m.c, m.group, m.topic)
	if err != nil {
		m.errors.Inc()
		return nil, err
	}
	for _, p := range parts {
		m.gauge.WithLabelValues(m.topic, strconv.Itoa(p.Partition)).Set(float64(p.Lag()))
	}
	return parts, nil
}

// Run measures every interval until ctx ends.
func (m *Monitor) Run(ctx context.Context) error {
	t := time.NewTicker(m.interval)
	defer t.Stop()
	for {
		if _, err := m.Measure(ctx); err != nil && ctx.Err() == nil {
			m.logger.Warn("measure consumer lag", "topic", m.topic, "group", m.group, "err", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}
