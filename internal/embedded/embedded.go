// Package embedded runs the Kafka-protocol broker of `newsflow up` inside
// the process: github.com/twmb/franz-go/pkg/kfake, one broker on loopback,
// persisting its logs, topics and consumer-group offsets to a directory so
// that a restart loses nothing. Producers and consumers reach it over TCP
// with the same kafka-go clients they use against a real cluster, so `up`
// exercises the deployment's code paths (acks=all writes, consumer groups,
// offset commits) without a Kafka installation.
//
// It is a development and demonstration broker, not a cluster: one node,
// no replication, writes reach the disk through the page cache (fsynced on
// segment roll and on Close), so a machine crash (not a process crash) can
// lose the last writes. Topics it creates keep their messages forever
// (retention.ms=-1): the index can always be rebuilt from them.
package embedded

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"time"

	"github.com/segmentio/kafka-go"
	"github.com/twmb/franz-go/pkg/kfake"
)

// Defaults of Config.
const (
	DefaultAddr       = "127.0.0.1:0"
	DefaultPartitions = 4
	// LockFile is the file in DataDir that an exclusive lock guards.
	LockFile = "LOCK"
)

// Config configures the embedded broker.
type Config struct {
	// DataDir holds the broker's state (segments, topics, groups). It is
	// created when missing. Required.
	DataDir string
	// Addr is the listen address, host:port; port 0 picks a free one.
	// Default: 127.0.0.1:0.
	Addr string
	// Topics are created with Partitions partitions when they do not exist
	// (at the first start, or when a later start names a new topic).
	Topics []string
	// Partitions of the topics created. Default: 4.
	Partitions int
	// SyncWrites fsyncs every produced batch: slower, and safe against a
	// machine crash too. Default: false (the page cache, as Kafka).
	SyncWrites bool
	// Logger receives the broker's warnings and errors. Default: discard.
	Logger *slog.Logger
}

// Validate names the settings that cannot work.
func (c Config) Validate() error {
	switch {
	case c.DataDir == "":
		return errors.New("embedded broker: no data directory")
	case c.Partitions < 0:
		return fmt.Errorf("embedded broker: partitions %d: want at least 1", c.Partitions)
	}
	if c.Addr != "" {
		if _, _, err := net.SplitHostPort(c.Addr); err != nil {
			return fmt.Errorf("embedded broker: address %q: want host:port: %w", c.Addr, err)
		}
	}
	return nil
}

// Broker is a running embedded broker.
type Broker struct {
	cluster *kfake.Cluster
	addr    string
	lock    *os.File
	logger  *slog.Logger
}

// Start locks DataDir, loads what an earlier run persisted there, listens,
// and creates the missing topics. A directory locked by another process
// fails at once.
func Start(cfg Config) (_ *Broker, err error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.Addr == "" {
		cfg.Addr = DefaultAddr
	}
	if cfg.Partitions == 0 {
		cfg.Partitions = DefaultPartitions
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if err := os.MkdirAll(cfg.DataDir, 0o755); err != nil {
		return nil, fmt.Errorf("embedded broker: create data directory: %w", err)
	}
	lock, err := lockFile(filepath.Join(cfg.DataDir, LockFile))
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			_ = lock.Close()
		}
	}()
	host, port, _ := net.SplitHostPort(cfg.Addr)
	opts := []kfake.Opt{
		kfake.NumBrokers(1),
		kfake.DataDir(cfg.DataDir),
		kfake.ClusterID("newsflow-embedded"),
		kfake.WithLogger(slogLogger{cfg.Logger}),
		// kfake binds 127.0.0.1:<port>; honour the configured host.
		kfake.ListenFn(func(network, _ string) (net.Listener, error) {
			return net.Listen(network, net.JoinHostPort(host, port))
		}),
	}
	if cfg.SyncWrites {
		opts = append(opts, kfake.SyncWrites())
	}
	c, err := kfake.NewCluster(opts...)
	if err != nil {
		return nil, fmt.Errorf("embedded broker: start on %s with data in %s (is the address in use, or the directory damaged?): %w", cfg.Addr, cfg.DataDir, err)
	}
	b := &Broker{cluster: c, addr: c.ListenAddrs()[0], lock: lock, logger: cfg.Logger}
	for _, t := range cfg.Topics {
		if c.TopicInfo(t) != nil {
			continue
		}
		if err := c.CreateTopic(t, int32(cfg.Partitions), map[string]string{"retention.ms": "-1"}); err != nil {
			b.Close()
			return nil, fmt.Errorf("embedded broker: create topic %s: %w", t, err)
		}
		cfg.Logger.Info("embedded broker: topic created", "topic", t, "partitions", cfg.Partitions)
	}
	return b, nil
}

// Addr is the broker's host:port, the bootstrap address for clients.
func (b *Broker) Addr() string { return b.addr }

// Partitions returns the partition count of topic, 0 when it does not
// exist.
func (b *Broker) Partitions(topic string) int {
	return len(b.cluster.PartitionInfos(topic))
}

// EndOffsets returns the high watermark of every partition of topic.
func (b *Broker) EndOffsets(topic string) map[int]int64 {
	out := map[int]int64{}
	for _, p := range b.cluster.PartitionInfos(topic) {
		out[int(p.Partition)] = p.HighWatermark
	}
	return out
}

// Committed returns the offsets group committed on topic, by partition
// (the next offset to read).
func (b *Broker) Committed(group, topic string) map[int]int64 {
	out := map[int]int64{}
	gi := b.cluster.GroupInfo(group)
	if gi == nil {
		return out
	}
	for p, c := range gi.Commits[topic] {
		out[int(p)] = c.Offset
	}
	return out
}

// ForgetGroup deletes group and its committed offsets, so that its next
// member reads every partition from the start (as a new group does); `up`
// uses it to rebuild an index from the messages. The group must have no
// member. An unknown group is not an error.
func (b *Broker) ForgetGroup(ctx context.Context, group string) error {
	tr := &kafka.Transport{}
	defer tr.CloseIdleConnections()
	c := &kafka.Client{Addr: kafka.TCP(b.addr), Timeout: 10 * time.Second, Transport: tr}
	res, err := c.DeleteGroups(ctx, &kafka.DeleteGroupsRequest{GroupIDs: []string{group}})
	if err != nil {
		return fmt.Errorf("embedded broker: delete group %s: %w", group, err)
	}
	if err := res.Errors[group]; err != nil && !errors.Is(err, kafka.GroupIdNotFound) {
		return fmt.Errorf("embedded broker: delete group %s: %w", group, err)
	}
	return nil
}

// WaitGroupStable waits until group has members and is stable, or ctx ends.
func (b *Broker) WaitGroupStable(ctx context.Context, group string, members int) error {
	_, err := b.cluster.WaitGroupStable(ctx, group, members)
	return err
}

// Close stops listening, writes the broker's state to DataDir and releases
// the lock. Close clients first: offsets they commit after Close are lost.
func (b *Broker) Close() {
	start := time.Now()
	b.cluster.Close()
	if err := b.lock.Close(); err != nil {
		b.logger.Warn("embedded broker: release lock", "err", err)
	}
	b.logger.Info("embedded broker: state saved and closed", "took", time.Since(start).Round(time.Millisecond))
}

// slogLogger routes kfake's logs to slog: its errors and warnings (failed
// requests) at debug and warn; its info and debug (every request) are
// dropped.
type slogLogger struct{ l *slog.Logger }

func (s slogLogger) Logf(level kfake.LogLevel, msg string, args ...any) {
	switch level {
	case kfake.LogLevelError:
		s.l.Warn("embedded broker: " + fmt.Sprintf(msg, args...))
	case kfake.LogLevelWarn:
		s.l.Debug("embedded broker: " + fmt.Sprintf(msg, args...))
	}
}
